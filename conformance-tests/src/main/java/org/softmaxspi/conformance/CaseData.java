package org.softmaxspi.conformance;

import java.util.Map;
import java.util.SplittableRandom;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * A case's inputs rounded to one dtype, and the oracle's exact results for them.
 *
 * <p>The backward ops get realistic inputs: {@code y} is the exact softmax of the logits rounded to
 * the dtype, {@code logSoftmax} likewise, and the upstream gradient is drawn from N(0, 1). Labels are
 * uniform over the classes; probability targets are normalized random weights (rounded to the dtype,
 * so their rows sum to 1 within the API's tolerance).
 */
final class CaseData {

    final SuiteCase testCase;
    final DType dtype;
    final Layout layout;
    /** Inputs as doubles holding values of the dtype. */
    final double[] logits;
    final double[] upstream;
    final int[] labels;
    final double[] target;
    final Oracle.Row[] rows;
    private final Map<Key, Object> exact = new java.util.HashMap<>();
    private double[] y;
    private double[] logY;

    private record Key(String what, Reduction reduction) {
    }

    CaseData(SuiteCase c, DType dtype, SplittableRandom random) {
        this.testCase = c;
        this.dtype = dtype;
        this.layout = c.layout();
        this.logits = round(c.logits(), dtype);
        this.rows = Oracle.rows(logits, layout);
        int n = layout.size();
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = gaussian(random);
        }
        this.upstream = round(g, dtype);
        int k = layout.axisLength();
        this.labels = new int[layout.rows()];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = k == 0 ? 0 : random.nextInt(k);
        }
        double[] t = new double[n];
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double sum = 0;
            for (int j = 0, idx = start; j < k; j++, idx += layout.inner()) {
                t[idx] = random.nextDouble() < 0.3 ? 0 : random.nextDouble();
                sum += t[idx];
            }
            if (sum == 0 && k > 0) {
                t[start] = sum = 1;
            }
            for (int j = 0, idx = start; j < k; j++, idx += layout.inner()) {
                t[idx] /= sum;
            }
        }
        this.target = round(t, dtype);
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; SplittableRandom has no nextGaussian on JDK 17
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    static double[] round(double[] a, DType dtype) {
        double[] r = a.clone();
        if (dtype == DType.FLOAT32) {
            for (int i = 0; i < r.length; i++) {
                r[i] = (float) r[i];
            }
        }
        return r;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    synchronized Exact softmax() {
        return (Exact) exact.computeIfAbsent(new Key("softmax", null), k -> Oracle.softmax(rows, layout));
    }

    synchronized Exact logSoftmax() {
        return (Exact) exact.computeIfAbsent(new Key("log_softmax", null), k -> Oracle.logSoftmax(rows, layout));
    }

    synchronized Exact jacobian() {
        return (Exact) exact.computeIfAbsent(new Key("jacobian", null), k -> Oracle.jacobian(rows, layout));
    }

    /** The backward ops' input y: the exact softmax rounded to the dtype. */
    synchronized double[] y() {
        if (y == null) {
            y = round(valuesOf(softmax()), dtype);
        }
        return y;
    }

    /** The log-softmax backward's input: the exact log-softmax rounded to the dtype. */
    synchronized double[] logY() {
        if (logY == null) {
            logY = round(valuesOf(logSoftmax()), dtype);
        }
        return logY;
    }

    synchronized Exact backward() {
        double[] input = y(); // outside computeIfAbsent: y() itself fills the cache
        return (Exact) exact.computeIfAbsent(new Key("backward", null), k -> Oracle.backward(input, upstream, layout));
    }

    synchronized Exact logSoftmaxBackward() {
        double[] input = logY();
        return (Exact) exact.computeIfAbsent(new Key("log_softmax_backward", null),
                k -> Oracle.logSoftmaxBackward(input, upstream, layout));
    }

    synchronized Oracle.CrossEntropy crossEntropy(boolean withLabels, Reduction reduction) {
        return (Oracle.CrossEntropy) exact.computeIfAbsent(new Key(withLabels ? "labels" : "target", reduction),
                k -> Oracle.crossEntropy(rows, layout, withLabels ? labels : null, withLabels ? null : target,
                        reduction));
    }

    private static double[] valuesOf(Exact e) {
        double[] v = new double[e.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = e.value(i);
        }
        return v;
    }

}
