package org.softmaxspi.reference;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;

/**
 * The reference computations, in double-double arithmetic ({@link DD}, {@link ExactMath}).
 *
 * <p>Implementation notes. Every float64 result is computed to about 100 bits and rounded once,
 * so it is within 0.5 ulp plus a hair of the exact value (two roundings, and so up to 1 ulp, only
 * where a result is subnormal). The three classic traps are handled: the row sum is a double-double
 * sum; {@code z_i - m} is kept exactly as a double-double (TwoSum) and carried into the exponential;
 * log-softmax uses {@code log1p} of the sum of the non-maximal terms, so the dominant class has no
 * cancellation. The Jacobian diagonal uses {@code 1 - y_i = (sum_{j != i} e_j) / S}, summed directly
 * for the dominant class. float32 inputs are widened exactly, computed as float64 and rounded once
 * more, which keeps float32 results within 1 ulp (0.5 ulp plus 2^-29 ulp).
 *
 * <p>Thread-safe and allocation-light; it favours exactness over speed (roughly 0.1–0.3 µs per
 * element).
 */
final class ReferenceKernel implements SoftmaxKernel {

    // ------------------------------------------------------------ row helpers

    /** max over a row, or NaN when the row must be all NaN (a NaN, a +∞, or every entry −∞). */
    private static double rowMax(double[] z, int start, int stride, int k) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            double v = z[idx];
            if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                return Double.NaN;
            }
            if (v > m) {
                m = v;
            }
        }
        return m == Double.NEGATIVE_INFINITY ? Double.NaN : m;
    }

    /** z - m exactly, or null when e^(z - m) counts as 0 (z = −∞, or z - m below -1100 or overflowing). */
    private static DD shifted(double z, double m) {
        if (z == Double.NEGATIVE_INFINITY) {
            return null;
        }
        DD d = DD.twoSum(z, -m);
        if (Double.isInfinite(d.hi()) || d.hi() < ExactMath.EXP_ZERO_BELOW) {
            return null;
        }
        return d;
    }

    private static ExactMath.ExpParts expShifted(double z, double m) {
        DD d = shifted(z, m);
        return d == null ? null : ExactMath.expParts(d);
    }

    /** S = sum_j e^(z_j - m), at least 1. */
    private static DD rowSum(double[] z, int start, int stride, int k, double m, int skip) {
        DD s = DD.ZERO;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (j == skip) {
                continue;
            }
            ExactMath.ExpParts e = expShifted(z[idx], m);
            if (e != null) {
                s = s.add(e.value());
            }
        }
        return s;
    }

    private static void fill(double[] out, int start, int stride, int k, double v) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            out[idx] = v;
        }
    }

    // ---------------------------------------------------------- float64 ops

    @Override
    public void softmax(double[] logits, Layout layout, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double m = rowMax(logits, start, stride, k);
            if (Double.isNaN(m)) {
                fill(out, start, stride, k, Double.NaN);
                continue;
            }
            DD s = rowSum(logits, start, stride, k, m, -1);
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                ExactMath.ExpParts e = expShifted(logits[idx], m);
                out[idx] = e == null ? 0.0 : e.divide(s);
            }
        }
    }

    /** log S = log1p(S - 1), S >= 1. */
    private static DD logSum(DD s) {
        return ExactMath.log1p(s.add(-1.0));
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double m = rowMax(logits, start, stride, k);
            if (Double.isNaN(m)) {
                fill(out, start, stride, k, Double.NaN);
                continue;
            }
            DD logS = logSum(rowSum(logits, start, stride, k, m, -1));
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                out[idx] = logProbability(logits[idx], m, logS);
            }
        }
    }

    /** z - m - log S, rounded once; −∞ for z = −∞ or when z - m overflows. */
    private static double logProbability(double z, double m, DD logS) {
        if (z == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        DD d = DD.twoSum(z, -m);
        if (Double.isInfinite(d.hi())) {
            return Double.NEGATIVE_INFINITY;
        }
        return d.sub(logS).value();
    }

    @Override
    public void jacobian(double[] logits, Layout layout, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        DD[] e = new DD[k];
        DD[] y = new DD[k];
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            int base = row * k * k;
            double m = rowMax(logits, start, stride, k);
            if (Double.isNaN(m)) {
                java.util.Arrays.fill(out, base, base + k * k, Double.NaN);
                continue;
            }
            DD s = DD.ZERO;
            int dominant = -1;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                ExactMath.ExpParts p = expShifted(logits[idx], m);
                e[j] = p == null ? DD.ZERO : p.value();
                s = s.add(e[j]);
                if (dominant < 0 && logits[idx] == m) {
                    dominant = j;
                }
            }
            for (int j = 0; j < k; j++) {
                y[j] = e[j].div(s);
            }
            for (int i = 0; i < k; i++) {
                // 1 - y_i = (S - e_i) / S; for the dominant class sum the others directly (no cancellation).
                DD others = i == dominant ? rowSum(logits, start, stride, k, m, i) : s.sub(e[i]);
                int o = base + i * k;
                for (int j = 0; j < k; j++) {
                    out[o + j] = i == j ? y[i].mul(others.div(s)).value() : -y[i].mul(y[j]).value();
                }
            }
        }
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            if (!allFinite(y, start, stride, k) || !allFinite(upstream, start, stride, k)) {
                double dot = 0;
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    dot += upstream[idx] * y[idx];
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    out[idx] = y[idx] * (upstream[idx] - dot);
                }
                continue;
            }
            DD dot = DD.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                dot = dot.add(DD.twoProd(upstream[idx], y[idx]));
            }
            DD minusDot = dot.negate();
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                out[idx] = minusDot.add(upstream[idx]).mul(y[idx]).value();
            }
        }
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            if (!allFinite(upstream, start, stride, k) || !allBelow(logSoftmax, start, stride, k, 700)) {
                double sum = 0;
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    sum += upstream[idx];
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    out[idx] = upstream[idx] - Math.exp(logSoftmax[idx]) * sum;
                }
                continue;
            }
            DD sum = DD.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                sum = sum.add(upstream[idx]);
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double l = logSoftmax[idx];
                if (l < ExactMath.EXP_ZERO_BELOW) {
                    out[idx] = upstream[idx];
                } else {
                    DD p = ExactMath.expParts(DD.of(l)).value().mul(sum);
                    out[idx] = p.negate().add(upstream[idx]).value();
                }
            }
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            if (Double.isFinite(v)) {
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    private static boolean allFinite(double[] a, int start, int stride, int k) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (!Double.isFinite(a[idx])) {
                return false;
            }
        }
        return true;
    }

    /** True when every entry is −∞ or finite and at most {@code limit} (so exp cannot overflow). */
    private static boolean allBelow(double[] a, int start, int stride, int k, double limit) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (!(a[idx] <= limit)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, labels, null, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, null, target, reduction, lossOut, gradientOut);
    }

    /** One of labels and target is null. */
    private static void crossEntropy(double[] logits, Layout layout, int[] labels, double[] target,
                                     Reduction reduction, double[] lossOut, double[] gradientOut) {
        int k = layout.axisLength();
        int stride = layout.inner();
        int rows = layout.rows();
        DD scale = reduction == Reduction.MEAN ? DD.ONE.div(DD.of(rows)) : DD.ONE;
        // Losses are accumulated times 2^shift: logits near ±MAX_VALUE make z - m and the sums
        // overflow a double although the mean may be finite.
        int shift = maxAbs(logits) > 0x1.0p1000 ? -8 : 0;
        DD total = DD.ZERO;
        boolean totalNaN = false;
        double totalInf = 0;
        for (int row = 0; row < rows; row++) {
            int start = layout.rowStart(row);
            double m = rowMax(logits, start, stride, k);
            double rowLoss;
            if (Double.isNaN(m)) {
                fill(gradientOut, start, stride, k, Double.NaN);
                rowLoss = Double.NaN;
            } else {
                DD s = rowSum(logits, start, stride, k, m, -1);
                DD logS = logSum(s);
                DD loss = DD.ZERO;
                boolean infinite = false;
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    double t = labels != null ? (labels[row] == j ? 1.0 : 0.0) : target[idx];
                    ExactMath.ExpParts e = expShifted(logits[idx], m);
                    DD grad;
                    if (t == 1.0 && labels != null) {
                        // y - 1 = -(sum of the others) / S, without cancellation
                        grad = rowSum(logits, start, stride, k, m, j).div(s).negate();
                    } else {
                        DD yj = e == null ? DD.ZERO : e.value().div(s);
                        grad = yj.add(-t);
                    }
                    gradientOut[idx] = grad.mul(scale).value();
                    if (t != 0) {
                        if (logits[idx] == Double.NEGATIVE_INFINITY) {
                            infinite = true;
                        } else {
                            DD d = DD.twoSum(Math.scalb(logits[idx], shift), Math.scalb(-m, shift))
                                    .sub(logS.scalb(shift));
                            loss = loss.sub(d.mul(t));
                        }
                    }
                }
                rowLoss = infinite ? Double.POSITIVE_INFINITY : Math.scalb(loss.value(), -shift);
                if (!infinite) {
                    total = total.add(loss);
                }
            }
            if (reduction == Reduction.NONE) {
                lossOut[row] = rowLoss;
            } else if (Double.isNaN(rowLoss)) {
                totalNaN = true;
            } else if (Double.isInfinite(rowLoss)) {
                totalInf = Double.POSITIVE_INFINITY;
            }
        }
        if (reduction != Reduction.NONE) {
            double value;
            if (totalNaN || (reduction == Reduction.MEAN && rows == 0)) {
                value = Double.NaN;
            } else if (totalInf != 0) {
                value = totalInf;
            } else {
                value = Math.scalb(reduction == Reduction.MEAN ? total.div(DD.of(rows)).value() : total.value(),
                        -shift);
            }
            lossOut[0] = value;
        }
    }

    // ---------------------------------------------------------- float32 ops: widen, compute, round

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static void narrow(double[] from, float[] to) {
        for (int i = 0; i < from.length; i++) {
            to[i] = (float) from[i];
        }
    }

    @Override
    public void softmax(float[] logits, Layout layout, float[] out) {
        double[] r = new double[out.length];
        softmax(widen(logits), layout, r);
        narrow(r, out);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, float[] out) {
        double[] r = new double[out.length];
        logSoftmax(widen(logits), layout, r);
        narrow(r, out);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, float[] out) {
        double[] r = new double[out.length];
        jacobian(widen(logits), layout, r);
        narrow(r, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        double[] r = new double[out.length];
        backward(widen(y), widen(upstream), layout, r);
        narrow(r, out);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        double[] r = new double[out.length];
        logSoftmaxBackward(widen(logSoftmax), widen(upstream), layout, r);
        narrow(r, out);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        double[] loss = new double[lossOut.length];
        double[] grad = new double[gradientOut.length];
        crossEntropy(widen(logits), layout, labels, null, reduction, loss, grad);
        narrow(loss, lossOut);
        narrow(grad, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        double[] loss = new double[lossOut.length];
        double[] grad = new double[gradientOut.length];
        crossEntropy(widen(logits), layout, null, widen(target), reduction, loss, grad);
        narrow(loss, lossOut);
        narrow(grad, gradientOut);
    }
}
