package org.softmaxspi.simd;

import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.SoftmaxProviders;

/** Run in a forked JVM by {@link UnavailableTest}: prints each provider's status, then uses the default. */
public final class UnavailableMain {

    private UnavailableMain() {
    }

    public static void main(String[] args) {
        for (ProviderStatus p : SoftmaxProviders.all()) {
            System.out.println("provider " + p.name() + " available=" + p.available() + " reason="
                    + p.availability().reason());
        }
        float[] y = SoftmaxProviders.get("reference").softmax(new float[] {1, 2, 3});
        System.out.println("reference " + y[0] + " " + y[1] + " " + y[2]);
        System.out.println("default " + SoftmaxProviders.getDefault().name());
    }
}
