package org.softmaxspi.conformance;

import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * For one case, dtype, invocation and declared {@link Accuracy}: the exact values of each output,
 * the scale each element is measured against and its bound in ulps, as {@link Tolerance} explains.
 * A correctly rounded declaration is judged in plain ulps of the exact value, bound 1, for every
 * output; every other class by the forward bound {@link Accuracy#forwardUlps} of its summation,
 * combined per operation as below.
 */
final class Judge {

    /** One output array's standard. */
    record Standard(String name, Exact exact, IntToDoubleFunction scale, IntToDoubleFunction bound) {
    }

    private Judge() {
    }

    /** The standards of the suite's shared scales (pairwise class), used to compare providers. */
    static List<Standard> standards(CaseData d, Invocation inv) {
        return standards(d, inv, Accuracy.pairwise());
    }

    static List<Standard> standards(CaseData d, Invocation inv, Accuracy accuracy) {
        if (accuracy.isCorrectlyRounded()) {
            return standards(d, inv, Accuracy.pairwise()).stream()
                    .map(st -> new Standard(st.name(), st.exact(), i -> Math.abs(st.exact().value(i)), i -> 1))
                    .toList();
        }
        Layout l = d.layout;
        int k = l.axisLength();
        double fwd = accuracy.forwardUlps(k, d.dtype);
        return switch (inv.op()) {
            case SOFTMAX -> {
                Exact e = d.softmax();
                double[] kappa = kappa(d);
                yield List.of(new Standard("y", e, i -> Math.abs(e.value(i)), i -> fwd + kappa[i]));
            }
            case LOG_SOFTMAX -> {
                Exact e = d.logSoftmax();
                yield List.of(new Standard("log y", e, i -> Math.max(Math.abs(e.value(i)), 1), i -> fwd));
            }
            case JACOBIAN -> {
                Exact e = d.jacobian();
                Exact y = d.softmax();
                double[] kappa = kappa(d);
                int kk = Math.max(k, 1);
                IntToDoubleFunction scale = idx -> {
                    int row = idx / (kk * kk);
                    int i = (idx / kk) % kk;
                    int j = idx % kk;
                    if (i != j) {
                        return Math.abs(e.value(idx));
                    }
                    double yi = y.value(index(l, row, i));
                    return yi * Math.max(yi, 1 - yi);
                };
                IntToDoubleFunction bound = idx -> {
                    int row = idx / (kk * kk);
                    int i = (idx / kk) % kk;
                    int j = idx % kk;
                    return 2 + 2 * fwd + kappa[index(l, row, i)] + kappa[index(l, row, j)];
                };
                yield List.of(new Standard("J", e, scale, bound));
            }
            case BACKWARD -> {
                Exact e = d.backward();
                double[] y = d.y();
                double[] g = d.upstream;
                double[] rowAbs = rowSums(l, i -> Math.abs(g[i]) * y[i]);
                yield List.of(new Standard("dz", e, i -> y[i] * (Math.abs(g[i]) + rowAbs[i]), i -> fwd));
            }
            case LOG_SOFTMAX_BACKWARD -> {
                Exact e = d.logSoftmaxBackward();
                double[] ly = d.logY();
                double[] g = d.upstream;
                double[] rowAbs = rowSums(l, i -> Math.abs(g[i]));
                yield List.of(new Standard("dz", e, i -> Math.abs(g[i]) + Math.exp(ly[i]) * rowAbs[i], i -> fwd));
            }
            case CROSS_ENTROPY -> {
                Oracle.CrossEntropy ce = d.crossEntropy(inv.labels(), inv.reduction());
                int rows = l.rows();
                double lossFloor = inv.reduction() == Reduction.SUM ? Math.max(rows, 1) : 1;
                double lossBound = fwd + accuracy.sumUlps(rows, d.dtype);
                double gradScale = inv.reduction() == Reduction.MEAN && rows > 0 ? 1.0 / rows : 1.0;
                Exact y = d.softmax();
                double[] kappa = kappa(d);
                double[] t = inv.labels() ? oneHot(d) : d.target;
                yield List.of(
                        new Standard("loss", ce.loss(), i -> Math.max(Math.abs(ce.loss().value(i)), lossFloor),
                                i -> lossBound),
                        new Standard("gradient", ce.gradient(),
                                i -> gradScale * Math.max(Math.abs(y.value(i)), t[i]), i -> fwd + kappa[i] + 2));
            }
            case NLL -> throw new IllegalArgumentException("nll is judged by LossChecks, not by the case table");
        };
    }

    /** The flat index of element {@code j} of slice {@code row}. */
    static int index(Layout l, int row, int j) {
        return l.rowStart(row) + j * l.inner();
    }

    /** Each element gets the sum of {@code f} over its row. */
    static double[] rowSums(Layout l, IntToDoubleFunction f) {
        double[] out = new double[l.size()];
        for (int row = 0; row < l.rows(); row++) {
            double s = 0;
            for (int j = 0; j < l.axisLength(); j++) {
                s += f.applyAsDouble(index(l, row, j));
            }
            for (int j = 0; j < l.axisLength(); j++) {
                out[index(l, row, j)] = s;
            }
        }
        return out;
    }

    /** κ of every element (see {@link Tolerance#kappa}). */
    static double[] kappa(CaseData d) {
        Layout l = d.layout;
        double[] out = new double[l.size()];
        for (int row = 0; row < l.rows(); row++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < l.axisLength(); j++) {
                m = Math.max(m, d.logits[index(l, row, j)]);
            }
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = index(l, row, j);
                out[idx] = Tolerance.kappa(d.logits[idx], m, d.dtype);
            }
        }
        return out;
    }

    private static double[] oneHot(CaseData d) {
        Layout l = d.layout;
        double[] t = new double[l.size()];
        for (int row = 0; row < l.rows(); row++) {
            t[index(l, row, d.labels[row])] = 1;
        }
        return t;
    }
}
