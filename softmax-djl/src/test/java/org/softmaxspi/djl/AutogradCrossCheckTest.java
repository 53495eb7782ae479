package org.softmaxspi.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * The analytic gradients of the provider (through the facade) and of the reference provider against
 * DJL's autograd (PyTorch's own backward of softmax, log-softmax, gather, mean) on real losses.
 *
 * <p>Bound: |autograd - analytic| ≤ 64 eps · max(1, max |gradient|), eps of the dtype (float64
 * 1.4e-14, float32 7.6e-6 at scale 1). Autograd runs in the dtype itself (float32 for float32).
 * Only one GradientCollector may exist in a JVM at a time, so every use holds {@link #AUTOGRAD}.
 */
// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=djl
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*djl\\s*(,.*)?")
class AutogradCrossCheckTest {

    private static final Object AUTOGRAD = new Object();

    private static Softmax djl;
    private static Softmax reference;

    /** Shapes and axes: a batch, a middle axis of a 3-D array, axis 0. */
    private static final int[][] SHAPES = {{6, 10}, {3, 7, 4}, {5, 3}};
    private static final int[] AXES = {-1, 1, 0};

    @BeforeAll
    static void start() {
        djl = SoftmaxProviders.get("djl");
        reference = SoftmaxProviders.get("reference");
    }

    /** The gradient of {@code loss(z)} at {@code z} by autograd, in the dtype. */
    private static double[] autograd(double[] z, int[] shape, DataType dtype, Function<NDArray, NDArray> loss) {
        synchronized (AUTOGRAD) {
            try (NDManager m = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
                NDArray x = m.create(z, new Shape(Arrays.stream(shape).asLongStream().toArray())).toType(dtype, true);
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    gc.backward(loss.apply(x));
                }
                NDArray g = x.getGradient().toType(DataType.FLOAT64, false);
                return g.toDoubleArray();
            }
        }
    }

    private static double[] random(Random r, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * scale;
        }
        return v;
    }

    private static int size(int[] shape) {
        return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    private static int norm(int axis, int rank) {
        return axis < 0 ? axis + rank : axis;
    }

    /** A probability target per row along the axis (from a softmax of random logits, via the reference). */
    private static double[] targets(Random r, int[] shape, int axis) {
        return reference.softmax(random(r, size(shape), 2), shape, axis);
    }

    private static void check(String what, double[] expected, double[] actual, double eps) {
        double scale = 1;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        double bound = 64 * eps * scale;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        if (!(worst <= bound)) {
            throw new AssertionError(what + ": max |difference| " + worst + " > bound " + bound + "\nexpected "
                    + Arrays.toString(expected) + "\nactual   " + Arrays.toString(actual));
        }
    }

    private static double[] sub(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }

    /** L = ½ Σ (softmax(z) - t)², so dL/dy = y - t and dL/dz = backward(y, y - t). */
    @Test
    void squaredErrorThroughSoftmaxFloat64() {
        Random r = new Random(11);
        for (int c = 0; c < SHAPES.length; c++) {
            int[] shape = SHAPES[c];
            int axis = AXES[c];
            double[] z = random(r, size(shape), 3);
            double[] t = targets(r, shape, axis);
            int ax = norm(axis, shape.length);
            double[] auto = autograd(z, shape, DataType.FLOAT64, x -> {
                NDArray d = x.softmax(ax).sub(x.getManager().create(t, x.getShape()));
                return d.mul(d).sum().mul(0.5);
            });
            double[] y = djl.softmax(z, shape, axis);
            double[] ours = djl.backward(y, sub(y, t), shape, axis);
            double[] yr = reference.softmax(z, shape, axis);
            double[] ref = reference.backward(yr, sub(yr, t), shape, axis);
            check("djl backward vs autograd " + Arrays.toString(shape), auto, ours, Math.ulp(1.0));
            check("reference backward vs autograd " + Arrays.toString(shape), auto, ref, Math.ulp(1.0));
        }
    }

    @Test
    void squaredErrorThroughSoftmaxFloat32() {
        Random r = new Random(12);
        for (int c = 0; c < SHAPES.length; c++) {
            int[] shape = SHAPES[c];
            int axis = AXES[c];
            double[] z = random(r, size(shape), 3);
            float[] zf = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                zf[i] = (float) z[i];
                z[i] = zf[i];
            }
            double[] t = targets(r, shape, axis);
            float[] tf = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                tf[i] = (float) t[i];
            }
            int ax = norm(axis, shape.length);
            double[] auto = autograd(z, shape, DataType.FLOAT32, x -> {
                NDArray d = x.softmax(ax).sub(x.getManager().create(tf, x.getShape()));
                return d.mul(d).sum().mul(0.5f);
            });
            float[] y = djl.softmax(zf, shape, axis);
            float[] g = new float[y.length];
            for (int i = 0; i < y.length; i++) {
                g[i] = y[i] - tf[i];
            }
            check("djl backward vs autograd (float32) " + Arrays.toString(shape), auto,
                    widen(djl.backward(y, g, shape, axis)), Math.ulp(1f));
            float[] yr = reference.softmax(zf, shape, axis);
            float[] gr = new float[yr.length];
            for (int i = 0; i < yr.length; i++) {
                gr[i] = yr[i] - tf[i];
            }
            check("reference backward vs autograd (float32) " + Arrays.toString(shape), auto,
                    widen(reference.backward(yr, gr, shape, axis)), Math.ulp(1f));
        }
    }

    /** Cross-entropy with labels, mean over rows: -mean(gather(logSoftmax(z), label)). */
    @Test
    void crossEntropyWithLabels() {
        Random r = new Random(13);
        for (int c = 0; c < SHAPES.length; c++) {
            int[] shape = SHAPES[c];
            int axis = AXES[c];
            int ax = norm(axis, shape.length);
            double[] z = random(r, size(shape), 3);
            int[] rowShape = Softmax.rowShape(shape, axis);
            int[] labels = new int[size(rowShape)];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = r.nextInt(shape[ax]);
            }
            int[] indexShape = shape.clone();
            indexShape[ax] = 1;
            double[] auto = autograd(z, shape, DataType.FLOAT64, x -> {
                NDArray index = x.getManager().create(labels,
                        new Shape(Arrays.stream(indexShape).asLongStream().toArray())).toType(DataType.INT64, false);
                return x.logSoftmax(ax).gather(index, ax).neg().mean();
            });
            double[] ours = djl.crossEntropy(z, shape, axis, labels, Reduction.MEAN).gradient();
            double[] ref = reference.crossEntropy(z, shape, axis, labels, Reduction.MEAN).gradient();
            check("djl cross-entropy(labels) vs autograd " + Arrays.toString(shape), auto, ours, Math.ulp(1.0));
            check("reference cross-entropy(labels) vs autograd " + Arrays.toString(shape), auto, ref, Math.ulp(1.0));
        }
    }

    /** Cross-entropy with probability targets, summed: -Σ t log softmax(z); and Σ w·logSoftmax(z). */
    @Test
    void crossEntropyWithTargetsAndLogSoftmaxBackward() {
        Random r = new Random(14);
        for (int c = 0; c < SHAPES.length; c++) {
            int[] shape = SHAPES[c];
            int axis = AXES[c];
            int ax = norm(axis, shape.length);
            double[] z = random(r, size(shape), 3);
            double[] t = targets(r, shape, axis);
            double[] auto = autograd(z, shape, DataType.FLOAT64,
                    x -> x.getManager().create(t, x.getShape()).mul(x.logSoftmax(ax)).sum().neg());
            check("djl cross-entropy(targets) vs autograd " + Arrays.toString(shape), auto,
                    djl.crossEntropy(z, shape, axis, t, Reduction.SUM).gradient(), Math.ulp(1.0));
            check("reference cross-entropy(targets) vs autograd " + Arrays.toString(shape), auto,
                    reference.crossEntropy(z, shape, axis, t, Reduction.SUM).gradient(), Math.ulp(1.0));

            double[] w = random(r, z.length, 1);
            double[] autoLog = autograd(z, shape, DataType.FLOAT64,
                    x -> x.getManager().create(w, x.getShape()).mul(x.logSoftmax(ax)).sum());
            double[] l = djl.logSoftmax(z, shape, axis);
            check("djl log-softmax backward vs autograd " + Arrays.toString(shape), autoLog,
                    djl.logSoftmaxBackward(l, w, shape, axis), Math.ulp(1.0));
            double[] lr = reference.logSoftmax(z, shape, axis);
            check("reference log-softmax backward vs autograd " + Arrays.toString(shape), autoLog,
                    reference.logSoftmaxBackward(lr, w, shape, axis), Math.ulp(1.0));
        }
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
