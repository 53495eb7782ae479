package org.softmaxspi.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * Mathematical properties every provider must show: rows of softmax sum to 1, Jacobian rows sum to
 * 0, shift invariance, backward = Jᵀg, and the analytic gradients agree with central finite
 * differences of real losses (½Σ(y - t)², cross-entropy, a linear function of log-softmax).
 */
final class Properties {

    private Properties() {
    }

    /** Checks made on outputs the accuracy run already has: softmax rows sum to 1, Jacobian rows to 0. */
    static Optional<CheckResult> fromOutputs(String provider, CaseData d, Invocation inv, double[][] out,
                                             List<Judge.Standard> standards) {
        Layout l = d.layout;
        int k = l.axisLength();
        if (inv.op() == Op.SOFTMAX) {
            Judge.Standard st = standards.get(0);
            double ulpOfOne = Tolerance.ulp(1, d.dtype);
            double worstRatio = -1;
            double worst = 0;
            double worstBound = 0;
            String detail = "";
            boolean ok = true;
            for (int row = 0; row < l.rows() && k > 0; row++) {
                if (Double.isNaN(st.exact().hi()[Judge.index(l, row, 0)])) {
                    continue;
                }
                Kahan sum = new Kahan();
                double tol = ulpOfOne;
                for (int j = 0; j < k; j++) {
                    int idx = Judge.index(l, row, j);
                    sum.add(out[0][idx]);
                    tol += st.bound().applyAsDouble(idx) * Tolerance.ulp(out[0][idx], d.dtype);
                }
                double err = Math.abs(sum.value() - 1);
                if (!(err <= tol)) {
                    ok = false;
                    detail = String.format(Locale.ROOT, "row %d sums to 1 %+.3g (tolerance %.3g)", row,
                            sum.value() - 1, tol);
                }
                if (!(err / tol <= worstRatio)) {
                    worstRatio = err / tol;
                    worst = err / ulpOfOne;
                    worstBound = tol / ulpOfOne;
                }
            }
            return Optional.of(new CheckResult(provider, "rows-sum-to-1", Op.SOFTMAX, d.dtype, d.testCase.name(),
                    worst, worstBound, ok, detail));
        }
        if (inv.op() == Op.JACOBIAN) {
            Judge.Standard st = standards.get(0);
            boolean ok = true;
            String detail = "";
            double worst = 0;
            double worstBound = 0;
            for (int r = 0; r < l.rows() * k; r++) {
                int base = r * k;
                if (Double.isNaN(st.exact().hi()[base])) {
                    continue;
                }
                Kahan sum = new Kahan();
                double tol = 0;
                double unit = 0;
                for (int j = 0; j < k; j++) {
                    sum.add(out[0][base + j]);
                    double u = Tolerance.ulp(st.scale().applyAsDouble(base + j), d.dtype);
                    tol += st.bound().applyAsDouble(base + j) * u;
                    unit = Math.max(unit, u);
                }
                double err = Math.abs(sum.value());
                if (!(err <= tol)) {
                    ok = false;
                    detail = String.format(Locale.ROOT, "slice row %d sums to %.3g (tolerance %.3g)", r, sum.value(),
                            tol);
                }
                if (unit > 0 && err / unit > worst) {
                    worst = err / unit;
                    worstBound = tol / unit;
                }
            }
            return Optional.of(new CheckResult(provider, "jacobian-rows-sum-to-0", Op.JACOBIAN, d.dtype,
                    d.testCase.name(), worst, worstBound, ok, detail));
        }
        return Optional.empty();
    }

    /** Compensated (Neumaier) summation, so the check's own rounding does not count against providers. */
    static final class Kahan {
        private double sum;
        private double c;

        void add(double x) {
            double t = sum + x;
            c += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }

        double value() {
            return sum + c;
        }
    }

    static List<CheckResult> check(Softmax s, long seed) {
        List<CheckResult> out = new ArrayList<>();
        for (DType dtype : DType.values()) {
            if (supports(s, dtype, Op.SOFTMAX)) {
                out.add(shiftInvariance(s, dtype, seed, false));
            }
            if (supports(s, dtype, Op.LOG_SOFTMAX)) {
                out.add(shiftInvariance(s, dtype, seed, true));
            }
            if (supports(s, dtype, Op.SOFTMAX, Op.JACOBIAN, Op.BACKWARD)) {
                out.add(backwardEqualsJacobian(s, dtype, seed, 5));
                out.add(backwardEqualsJacobian(s, dtype, seed, 50));
            }
        }
        if (supports(s, DType.FLOAT64, Op.values())) {
            out.addAll(finiteDifferences(s, seed));
        }
        return out;
    }

    /** Whether the provider's capabilities include every one of {@code ops} in {@code dtype}. */
    static boolean supports(Softmax s, DType dtype, Op... ops) {
        for (Op op : ops) {
            if (!s.provider().capabilities().supports(op, dtype)) {
                return false;
            }
        }
        return true;
    }

    private static double[] values(DType dtype, double[] a) {
        return CaseData.round(a, dtype);
    }

    private static double[] softmax(Softmax s, DType dtype, double[] z, int[] shape, boolean log) {
        if (dtype == DType.FLOAT32) {
            float[] f = CaseData.toFloat(z);
            return Invocation.widen(log ? s.logSoftmax(f, shape, -1) : s.softmax(f, shape, -1));
        }
        return log ? s.logSoftmax(z, shape, -1) : s.softmax(z, shape, -1);
    }

    /** softmax(z + c) = softmax(z) with c = 64 and z on a 2^-10 grid in [-20, 20], so z + c is exact. */
    private static CheckResult shiftInvariance(Softmax s, DType dtype, long seed, boolean log) {
        int k = 50;
        int rows = 3;
        SplittableRandom r = new SplittableRandom(seed + 7);
        double[] z = new double[rows * k];
        double[] shifted = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = Math.rint((r.nextDouble() * 40 - 20) * 1024) / 1024;
            shifted[i] = z[i] + 64;
        }
        int[] shape = {rows, k};
        double[] a = softmax(s, dtype, z, shape, log);
        double[] b = softmax(s, dtype, shifted, shape, log);
        double bound = 2 * Tolerance.declared(s, log ? Op.LOG_SOFTMAX : Op.SOFTMAX, dtype, shape, -1).forwardUlps(k, dtype);
        double worst = 0;
        String detail = "";
        for (int i = 0; i < a.length; i++) {
            double scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
            double err = Math.abs(a[i] - b[i]) / Tolerance.ulp(log ? Math.max(scale, 1) : scale, dtype);
            if (!(err <= worst)) {
                worst = err;
                detail = "element " + i + ": " + a[i] + " vs " + b[i] + " after the shift";
            }
        }
        boolean ok = worst <= bound;
        return new CheckResult(s.name(), "shift-invariance", log ? Op.LOG_SOFTMAX : Op.SOFTMAX, dtype,
                "z vs z + 64, K=" + k, worst, bound, ok, ok ? "" : detail);
    }

    /** backward(y, g) = Jᵀg, with y and J from the same provider. */
    private static CheckResult backwardEqualsJacobian(Softmax s, DType dtype, long seed, int k) {
        int rows = 3;
        SplittableRandom r = new SplittableRandom(seed + k);
        double[] z = new double[rows * k];
        double[] g = new double[rows * k];
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextDouble() * 8 - 4;
            g[i] = r.nextDouble() * 2 - 1;
        }
        z = values(dtype, z);
        g = values(dtype, g);
        int[] shape = {rows, k};
        double[] y;
        double[] jac;
        double[] back;
        if (dtype == DType.FLOAT32) {
            float[] zf = CaseData.toFloat(z);
            float[] yf = s.softmax(zf, shape, -1);
            y = Invocation.widen(yf);
            jac = Invocation.widen(s.jacobian(zf, shape, -1));
            back = Invocation.widen(s.backward(yf, CaseData.toFloat(g), shape, -1));
        } else {
            y = s.softmax(z, shape, -1);
            jac = s.jacobian(z, shape, -1);
            back = s.backward(y, g, shape, -1);
        }
        double fwd = Math.max(Tolerance.declared(s, Op.JACOBIAN, dtype, shape, -1).forwardUlps(k, dtype),
                Tolerance.declared(s, Op.BACKWARD, dtype, shape, -1).forwardUlps(k, dtype));
        double bound = 2 * (2 + 3 * fwd + 2);
        double worst = 0;
        String detail = "";
        for (int row = 0; row < rows; row++) {
            double absDot = 0;
            for (int j = 0; j < k; j++) {
                absDot += Math.abs(g[row * k + j]) * y[row * k + j];
            }
            for (int col = 0; col < k; col++) {
                Kahan v = new Kahan();
                for (int i = 0; i < k; i++) {
                    v.add(jac[row * k * k + i * k + col] * g[row * k + i]);
                }
                int idx = row * k + col;
                double scale = y[idx] * (Math.abs(g[idx]) + absDot);
                double err = Math.abs(v.value() - back[idx]) / Tolerance.ulp(scale, dtype);
                if (!(err <= worst)) {
                    worst = err;
                    detail = "row " + row + " element " + col + ": backward " + back[idx] + " vs Jᵀg " + v.value();
                }
            }
        }
        boolean ok = worst <= bound;
        return new CheckResult(s.name(), "backward-equals-jacobian", Op.BACKWARD, dtype, "K=" + k, worst, bound, ok,
                ok ? "" : detail);
    }

    private interface Loss {
        double at(double[] z);
    }

    /** float64: analytic gradients against central differences of real losses (relative error). */
    private static List<CheckResult> finiteDifferences(Softmax s, long seed) {
        int rows = 2;
        int k = 6;
        int[] shape = {rows, k};
        SplittableRandom r = new SplittableRandom(seed + 99);
        double[] z = new double[rows * k];
        double[] g = new double[rows * k];
        double[] t = new double[rows * k];
        for (int row = 0; row < rows; row++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                int i = row * k + j;
                z[i] = r.nextDouble() * 6 - 3;
                g[i] = r.nextDouble() * 2 - 1;
                t[i] = r.nextDouble();
                sum += t[i];
            }
            for (int j = 0; j < k; j++) {
                t[row * k + j] /= sum;
            }
        }
        int[] labels = {2, 5};
        List<CheckResult> out = new ArrayList<>();

        double[] y = s.softmax(z, shape, -1);
        double[] diff = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            diff[i] = y[i] - t[i];
        }
        out.add(compare(s, "½Σ(y - t)² via backward(y, y - t)", Op.BACKWARD, s.backward(y, diff, shape, -1), z, zz -> {
            double[] yy = s.softmax(zz, shape, -1);
            double l = 0;
            for (int i = 0; i < yy.length; i++) {
                l += 0.5 * (yy[i] - t[i]) * (yy[i] - t[i]);
            }
            return l;
        }));
        out.add(compare(s, "cross-entropy(target, sum)", Op.CROSS_ENTROPY,
                s.crossEntropy(z, shape, -1, t, Reduction.SUM).gradient(), z,
                zz -> s.crossEntropy(zz, shape, -1, t, Reduction.SUM).scalarLoss()));
        out.add(compare(s, "cross-entropy(labels, mean)", Op.CROSS_ENTROPY,
                s.crossEntropy(z, shape, -1, labels, Reduction.MEAN).gradient(), z,
                zz -> s.crossEntropy(zz, shape, -1, labels, Reduction.MEAN).scalarLoss()));
        out.add(compare(s, "Σ g·log_softmax(z) via log_softmax_backward", Op.LOG_SOFTMAX_BACKWARD,
                s.logSoftmaxBackward(s.logSoftmax(z, shape, -1), g, shape, -1), z, zz -> {
                    double[] ly = s.logSoftmax(zz, shape, -1);
                    double l = 0;
                    for (int i = 0; i < ly.length; i++) {
                        l += g[i] * ly[i];
                    }
                    return l;
                }));
        return out;
    }

    private static CheckResult compare(Softmax s, String what, Op op, double[] analytic, double[] z, Loss loss) {
        double h = 1e-6;
        double max = 0;
        double worstDiff = 0;
        int worstAt = -1;
        for (int i = 0; i < z.length; i++) {
            max = Math.max(max, Math.abs(analytic[i]));
        }
        for (int i = 0; i < z.length; i++) {
            double[] plus = z.clone();
            double[] minus = z.clone();
            plus[i] += h;
            minus[i] -= h;
            double fd = (loss.at(plus) - loss.at(minus)) / (2 * h);
            double d = Math.abs(fd - analytic[i]);
            if (!(d <= worstDiff)) {
                worstDiff = d;
                worstAt = i;
            }
        }
        double rel = worstDiff / Math.max(max, 1e-12);
        double bound = 1e-6;
        boolean ok = rel <= bound;
        return new CheckResult(s.name(), "finite-difference", op, DType.FLOAT64, what, rel, bound, ok,
                ok ? "" : String.format(Locale.ROOT, "element %d: relative difference %.3g to central differences",
                        worstAt, rel));
    }
}
