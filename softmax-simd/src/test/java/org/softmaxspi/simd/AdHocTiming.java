package org.softmaxspi.simd;

import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * A quick ad-hoc timing (not a benchmark; JMH lives in the benchmarks module): float32 softmax
 * through the facade at 1×10, 1×1000, 128×32000 and 4096×32000, plus System.arraycopy of the same
 * bytes. Run with {@code java --add-modules jdk.incubator.vector -cp ... org.softmaxspi.simd.AdHocTiming}.
 */
public final class AdHocTiming {

    private AdHocTiming() {
    }

    public static void main(String[] args) {
        Softmax s = SoftmaxProviders.get("simd");
        System.out.println(s.provider().backend() + "; " + SimdKernel.vectors());
        int[][] sizes = {{1, 10}, {1, 1000}, {128, 32000}, {4096, 32000}};
        for (int[] sz : sizes) {
            int n = sz[0] * sz[1];
            float[] z = new float[n];
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            for (int i = 0; i < n; i++) {
                z[i] = (float) (r.nextGaussian() * 3);
            }
            float[] out = new float[n];
            float[] copy = new float[n];
            int[] shape = sz;
            long budget = 2_000_000_000L;
            int reps = (int) Math.max(3, Math.min(2_000_000, 400_000_000L / n));
            // warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < reps && System.nanoTime() - t0 < budget; i++) {
                s.softmax(z, shape, -1, out);
            }
            long best = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long a = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    s.softmax(z, shape, -1, out);
                }
                best = Math.min(best, (System.nanoTime() - a) / reps);
            }
            long bestCopy = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long a = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    System.arraycopy(z, 0, copy, 0, n);
                }
                bestCopy = Math.min(bestCopy, (System.nanoTime() - a) / reps);
            }
            System.out.printf("%dx%d: softmax %d ns/call, %.3f ns/element; arraycopy %.3f ns/element; ratio %.2f%n",
                    sz[0], sz[1], best, (double) best / n, (double) bestCopy / n, (double) best / bestCopy);
        }
    }
}
