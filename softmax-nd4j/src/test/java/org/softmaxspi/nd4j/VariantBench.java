package org.softmaxspi.nd4j;

import java.util.Locale;
import java.util.SplittableRandom;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * Ad-hoc timing (not a test; nothing is asserted): first-use initialization time, then µs per call
 * for each operation. Run once per variant, e.g.
 * {@code java -Dorg.bytedeco.javacpp.platform.extension=-generic -cp ... org.softmaxspi.nd4j.VariantBench}
 * (add {@code -Dorg.bytedeco.javacpp.cachedir=/tmp/empty} for a cold JavaCPP cache).
 */
public final class VariantBench {

    private VariantBench() {
    }

    interface Call {
        void run();
    }

    static double time(Call c, int reps) {
        for (int i = 0; i < Math.max(reps / 5, 20); i++) {
            c.run();
        }
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                c.run();
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e3 / reps);
        }
        return best;
    }

    public static void main(String[] args) {
        Nd4jProvider p = new Nd4jProvider();
        long t0 = System.nanoTime();
        boolean ok = p.availability().available();
        double initMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "init %.0f ms available=%s%n%s%n", initMs, ok, p.backend());
        Softmax s = Softmax.of(p);
        SplittableRandom r = new SplittableRandom(1);
        for (int[] shape : new int[][] {{1, 1000}, {256, 1000}}) {
            int n = shape[0] * shape[1];
            float[] z = new float[n];
            float[] g = new float[n];
            double[] zd = new double[n];
            for (int i = 0; i < n; i++) {
                zd[i] = r.nextDouble() * 10 - 5;
                z[i] = (float) zd[i];
                g[i] = (float) (r.nextDouble() - 0.5);
            }
            int[] labels = new int[shape[0]];
            float[] out = new float[n];
            double[] outd = new double[n];
            float[] y = s.softmax(z, shape, -1);
            int reps = shape[0] == 1 ? 2000 : 50;
            System.out.printf(Locale.ROOT, "%dx%d  softmax f32 %.1f  f64 %.1f | log_softmax f32 %.1f | backward f32 %.1f"
                            + " | cross_entropy(labels) f32 %.1f | softmax axis0 f32 %.1f  (us/call)%n",
                    shape[0], shape[1],
                    time(() -> s.softmax(z, shape, -1, out), reps),
                    time(() -> s.softmax(zd, shape, -1, outd), reps),
                    time(() -> s.logSoftmax(z, shape, -1, out), reps),
                    time(() -> s.backward(y, g, shape, -1, out), reps),
                    time(() -> s.crossEntropy(z, shape, -1, labels, Reduction.MEAN), reps),
                    time(() -> s.softmax(z, shape, 0, out), reps));
        }
        float[] zj = new float[32 * 100];
        System.out.printf(Locale.ROOT, "jacobian 32x100 f32 %.1f us/call%n",
                time(() -> s.jacobian(zj, new int[] {32, 100}, -1), 50));
    }
}
