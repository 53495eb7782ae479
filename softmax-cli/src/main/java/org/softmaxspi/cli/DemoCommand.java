package org.softmaxspi.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code softmax demo}: every provider on softmax of {1, ..., 8}, its Jacobian and gradients. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Lists the providers, then prints from each available one softmax of {1, ..., 8} (float64), "
                + "the row sums of its Jacobian (0 up to rounding), and the gradient of ½Σ(y - t)² and of "
                + "cross-entropy for the label 7.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<ProviderStatus> all = SoftmaxProviders.all();
        String def = Providers.defaultProvider().name();
        for (ProviderStatus p : all) {
            out.println((p.name().equals(def) ? "* " : "  ") + p.name() + " — " + p.backend() + " — "
                    + (p.available() ? "available" : "unavailable: " + p.availability().reason()));
        }
        double[] z = {1, 2, 3, 4, 5, 6, 7, 8};
        int[] shape = {8};
        double[] t = new double[8];
        t[7] = 1;
        for (ProviderStatus p : all) {
            if (!p.available()) {
                continue;
            }
            Softmax s = SoftmaxProviders.get(p.name());
            double[] y = s.softmax(z);
            double[] jac = s.jacobian(z, shape, 0);
            double[] rowSums = new double[8];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    rowSums[i] += jac[i * 8 + j];
                }
            }
            double[] g = new double[8];
            for (int i = 0; i < 8; i++) {
                g[i] = y[i] - t[i];
            }
            out.println();
            out.println("provider " + s.name());
            out.println("  softmax(1..8)            = " + Arrays.toString(y));
            out.println("  Jacobian row sums        = " + Arrays.toString(rowSums));
            out.println("  ∂½Σ(y−t)²/∂z, t = e_7    = " + Arrays.toString(s.backward(y, g, shape, 0)));
            out.println("  cross-entropy(label 7)   = " + s.crossEntropy(z, shape, 0, new int[] {7}, Reduction.SUM)
                    .scalarLoss() + ", gradient y − t = "
                    + Arrays.toString(s.crossEntropy(z, shape, 0, new int[] {7}, Reduction.SUM).gradient()));
        }
        out.flush();
        return 0;
    }
}
