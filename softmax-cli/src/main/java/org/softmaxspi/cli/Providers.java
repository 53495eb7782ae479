package org.softmaxspi.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviderException;
import org.softmaxspi.api.SoftmaxProviders;

/** Choosing providers by name for the commands, with the CLI's errors. */
final class Providers {

    /** Where {@code --verbose} says which provider is the default and why, or null. */
    private static PrintWriter verbose;

    private Providers() {
    }

    /** Sets (or, with null, clears) where {@link #defaultProvider} reports its choice. */
    static void verbose(PrintWriter err) {
        verbose = err;
    }

    /** The named provider, or the default when {@code name} is null; exit 2 with the reason otherwise. */
    static Softmax select(String name) {
        try {
            return name == null ? defaultProvider() : SoftmaxProviders.get(name);
        } catch (SoftmaxProviderException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }

    /** The default provider; with {@code --verbose}, one line on stderr says which and why. */
    static Softmax defaultProvider() {
        Softmax s = SoftmaxProviders.getDefault();
        if (verbose != null) {
            verbose.println("softmax: default provider " + SoftmaxProviders.describeDefault());
            verbose.flush();
        }
        return s;
    }

    /** The named providers, or all available ones when {@code names} is empty. */
    static List<Softmax> selectAll(List<String> names) {
        List<Softmax> out = new ArrayList<>();
        if (names == null || names.isEmpty()) {
            for (ProviderStatus p : SoftmaxProviders.all()) {
                if (p.available()) {
                    out.add(SoftmaxProviders.get(p.name()));
                }
            }
            return out;
        }
        for (String n : names) {
            out.add(select(n.trim()));
        }
        return out;
    }
}
