package org.softmaxspi.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Informal per-call cost (not a test; no JMH). Run from the module directory with
 * {@code java -cp "target/classes:target/test-classes:$(cat cp.txt)" -Dai.djl.offline=true org.softmaxspi.djl.PerCallBench}.
 * Compares the naive DJL path (new NDManager, create(float[]), softmax, toFloatArray, close) with
 * the provider's kernel for the same shapes.
 */
public final class PerCallBench {

    private PerCallBench() {
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        Softmax s = SoftmaxProviders.get("djl");
        s.softmax(new float[] {1, 2});
        System.out.printf("first call (engine start included): %.0f ms; %s%n", (System.nanoTime() - t0) / 1e6,
                s.provider().backend());
        NDManager base = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
        int[][] shapes = {{1, 10}, {64, 10}, {64, 1000}};
        Random r = new Random(1);
        for (int[] shape : shapes) {
            int n = shape[0] * shape[1];
            float[] zf = new float[n];
            double[] zd = new double[n];
            for (int i = 0; i < n; i++) {
                zd[i] = r.nextGaussian();
                zf[i] = (float) zd[i];
            }
            float[] of = new float[n];
            double[] od = new double[n];
            Shape sh = new Shape(shape[0], shape[1]);
            Layout l = Layout.of(shape, -1);
            int iters = n >= 64_000 ? 1000 : 10_000;
            double[] best = new double[7];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            for (int rep = 0; rep < 5; rep++) {
                double naive32 = time(iters, () -> {
                    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                        m.create(zf, sh).softmax(1).toFloatArray();
                    }
                });
                double naiveSub32 = time(iters, () -> {
                    try (NDManager m = base.newSubManager()) {
                        m.create(zf, sh).softmax(1).toFloatArray();
                    }
                });
                double naive64 = time(iters, () -> {
                    try (NDManager m = base.newSubManager()) {
                        m.create(zd, sh).softmax(1).toDoubleArray();
                    }
                });
                double naiveOps32 = time(iters, () -> { // the provider's op sequence, with create(float[]) per call
                    try (NDManager m = base.newSubManager()) {
                        NDArray x = m.create(zf, sh).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
                        x.softmax(1).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
                    }
                });
                double ours32 = time(iters, () -> s.softmax(zf, shape, -1, of));
                double ours64 = time(iters, () -> s.softmax(zd, shape, -1, od));
                double oursLog64 = time(iters, () -> s.logSoftmax(zd, shape, -1, od));
                double[] now = {naive32, naiveSub32, naive64, naiveOps32, ours32, ours64, oursLog64};
                for (int i = 0; i < now.length; i++) {
                    best[i] = Math.min(best[i], now[i]);
                }
            }
            System.out.printf("%s (best of 5): naive f32 (new base manager) %.1f us, naive f32 (sub-manager) %.1f us, "
                            + "naive f64 %.1f us, provider's f32 ops w/o buffer reuse %.1f us | provider f32 %.1f us, "
                            + "f64 %.1f us, log f64 %.1f us%n", java.util.Arrays.toString(shape), best[0], best[1],
                    best[2], best[3], best[4], best[5], best[6]);
            if (l.size() < 0) {
                throw new AssertionError();
            }
        }
        base.close();
    }

    private static double time(int iters, Runnable r) {
        for (int i = 0; i < iters / 10; i++) {
            r.run();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            r.run();
        }
        return (System.nanoTime() - t0) / 1e3 / iters;
    }
}
