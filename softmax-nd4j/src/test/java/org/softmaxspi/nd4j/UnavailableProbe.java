package org.softmaxspi.nd4j;

import org.softmaxspi.api.Availability;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.ProviderUnavailableException;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Run in a forked JVM by {@link Nd4jUnavailableTest} where ND4J's natives cannot load: prints what
 * the provider and the facade report, and checks that the other providers still work.
 */
public final class UnavailableProbe {

    private UnavailableProbe() {
    }

    public static void main(String[] args) {
        Availability a = new Nd4jProvider().availability();
        System.out.println("nd4j available=" + a.available());
        System.out.println("nd4j reason=" + a.reason());
        for (ProviderStatus p : SoftmaxProviders.all()) {
            System.out.println("status " + p.name() + " available=" + p.available());
        }
        try {
            SoftmaxProviders.get("nd4j").softmax(new float[] {1, 2});
            System.out.println("nd4j call: no exception");
        } catch (ProviderUnavailableException e) {
            System.out.println("nd4j call: ProviderUnavailableException " + e.getMessage());
        }
        float[] y = SoftmaxProviders.get("reference").softmax(new float[] {0, 0});
        System.out.println("reference softmax=" + y[0] + "," + y[1]);
        Softmax def = SoftmaxProviders.getDefault();
        System.out.println("default=" + def.name());
        System.out.println("done");
    }
}
