package org.softmaxspi.fuzz;

import java.util.ArrayList;
import java.util.List;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.conformance.ConformanceTests;

/**
 * The providers the properties run on: every provider {@link java.util.ServiceLoader} finds here. One that
 * is unavailable fails the run with its reason, unless it is listed in {@code -Dsoftmax.tck.skip} (a platform
 * without that native build), exactly as the TCK of each provider module does.
 */
final class FuzzProviders {

    private static final List<Softmax> ALL = load();

    private FuzzProviders() {
    }

    /** Every available provider (the reference first, as the TCK's yardstick), never skipped silently. */
    static List<Softmax> all() {
        return ALL;
    }

    private static List<Softmax> load() {
        List<Softmax> list = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        for (ProviderStatus p : org.softmaxspi.api.SoftmaxProviders.all()) {
            if (p.available() && p.provider().isPresent()) {
                list.add(org.softmaxspi.api.SoftmaxProviders.get(p.name()));
            } else if (!ConformanceTests.skippedOnPurpose(p.name())) {
                broken.add(p.name() + ": " + p.availability().reason());
            }
        }
        if (!broken.isEmpty()) {
            throw new IllegalStateException("providers unavailable here: " + broken + "; to skip one on purpose, set -D"
                    + ConformanceTests.SKIP_PROPERTY + "=<name>");
        }
        if (list.stream().noneMatch(s -> s.name().equals("reference"))) {
            throw new IllegalStateException("the reference provider is missing: " + list);
        }
        list.sort((a, b) -> a.name().equals("reference") ? -1 : b.name().equals("reference") ? 1 : 0);
        return List.copyOf(list);
    }
}
