package org.softmaxspi.reference;

import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The reference computations, in double-double arithmetic ({@link DD}, {@link ExactMath}).
 *
 * <p>Implementation notes. Every float64 result is computed to about 100 bits and rounded once,
 * so it is within 0.5 ulp plus a hair of the exact value, subnormal results too: products and sums that
 * may fall below 2^-900 keep their exponent apart (or go through exact {@code BigDecimal} arithmetic,
 * {@link DD#affine}) so that they are rounded once. The three classic traps are handled: the row sum is a double-double
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

    /** A row's maximum when it has nothing to normalize (every kept entry −∞, or none kept). */
    private static final double EMPTY = Double.NEGATIVE_INFINITY;

    /**
     * max over the kept entries of a row; NaN when the row must be all NaN (a kept NaN or +∞), {@link #EMPTY}
     * when no kept entry is finite.
     */
    private static double rowMax(double[] z, int start, int stride, int k, Row r) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (!r.keeps(idx)) {
                continue;
            }
            double v = z[idx];
            if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                return Double.NaN;
            }
            if (v > m) {
                m = v;
            }
        }
        return m;
    }

    /** What a kernel call needs to know of its options: the mask, 1/T as a divisor, the empty-row policy. */
    private record Row(SoftmaxOptions options, Layout layout, double temperature) {
        static final Row PLAIN_ROW = new Row(SoftmaxOptions.defaults(), null, 1.0);

        /** Float32 calls round their options first ({@code float32(SoftmaxOptions)}), so T is used as given. */
        static Row of(SoftmaxOptions o, Layout l) {
            return o.isDefault() ? PLAIN_ROW : new Row(o, l, o.temperature());
        }

        boolean keeps(int idx) {
            return layout == null || options.keeps(idx, layout);
        }

        /** The value of a row with nothing to normalize: NaN, or 0 (−∞ for log-probabilities). */
        double empty(boolean log) {
            return options.maskedRows() == MaskedRows.NAN ? Double.NaN : log ? Double.NEGATIVE_INFINITY : 0.0;
        }

        /** (z - m) / T as a double-double; {@code z - m} exactly. */
        DD scaled(double z, double m) {
            DD d = DD.twoSum(z, -m);
            return temperature == 1.0 || Double.isInfinite(d.hi()) ? d : d.div(DD.of(temperature));
        }

        /** x / T in double-double. */
        DD overT(DD x) {
            return temperature == 1.0 ? x : x.div(DD.of(temperature));
        }
    }

    /** (z - m)/T, or null when e^((z - m)/T) counts as 0 (z = −∞ or masked, below -1100 or overflowing). */
    private static DD shifted(double z, double m, Row r, int idx) {
        if (z == Double.NEGATIVE_INFINITY || !r.keeps(idx)) {
            return null;
        }
        DD d = r.scaled(z, m);
        if (Double.isInfinite(d.hi()) || d.hi() < ExactMath.EXP_ZERO_BELOW) {
            return null;
        }
        return d;
    }

    private static ExactMath.ExpParts expShifted(double z, double m, Row r, int idx) {
        DD d = shifted(z, m, r, idx);
        return d == null ? null : ExactMath.expParts(d);
    }

    /** S = sum_j e^((z_j - m)/T) over the kept entries but {@code skip}, at least 1 when skip is none. */
    private static DD rowSum(double[] z, int start, int stride, int k, double m, int skip, Row r) {
        return rowSum(z, start, stride, k, m, skip, r, 0);
    }

    /** The row's sum times {@code 2^scale} (a positive scale keeps subnormal terms' bits). */
    private static DD rowSum(double[] z, int start, int stride, int k, double m, int skip, Row r, int scale) {
        DD s = DD.ZERO;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (j == skip) {
                continue;
            }
            ExactMath.ExpParts e = expShifted(z[idx], m, r, idx);
            if (e != null) {
                s = s.add(DD.ONE.add(e.u()).scalb(e.k() + scale));
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
        softmax(logits, layout, Row.PLAIN_ROW, out);
    }

    @Override
    public void softmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        softmax(logits, layout, Row.of(options, layout), out);
    }

    private static void softmax(double[] logits, Layout layout, Row r, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double m = rowMax(logits, start, stride, k, r);
            if (Double.isNaN(m) || m == EMPTY) {
                fill(out, start, stride, k, Double.isNaN(m) ? Double.NaN : r.empty(false));
                continue;
            }
            DD s = rowSum(logits, start, stride, k, m, -1, r);
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                ExactMath.ExpParts e = expShifted(logits[idx], m, r, idx);
                out[idx] = e == null ? 0.0 : e.divide(s);
            }
        }
    }

    /**
     * log S = log1p(others), with {@code others} the sum of every term but the first maximum's (which is 1): summed
     * apart, so that a dominant class keeps every digit of {@code log y ≈ −others} (a sum S = 1 + others in
     * double-double holds others only to 2^-106 absolutely, half an ulp of a log-probability near −2e-16: the
     * fuzz properties found the reference 1.02 ulps off there).
     */
    private static DD logSum(double[] z, int start, int stride, int k, double m, Row r) {
        return logSum(z, start, stride, k, m, r, 0);
    }

    /**
     * log S times 2^scale ({@code scale} 0 or {@link #TINY_SCALE}). Others below 2^-960 (subnormal terms lose bits
     * in a double-double): log1p(x) = x far below an ulp, so the sum is taken times 2^600 and rounded once (the
     * fuzz properties found -3.4e-322 for -1.7e-322); at {@code scale} 600 it is returned as it is.
     */
    private static DD logSum(double[] z, int start, int stride, int k, double m, Row r, int scale) {
        int skip = firstMax(z, start, stride, k, m, r);
        DD others = rowSum(z, start, stride, k, m, skip, r);
        if (others.hi() >= 0x1p-960) {
            return ExactMath.log1p(others).scalb(scale);
        }
        DD scaled = rowSum(z, start, stride, k, m, skip, r, TINY_SCALE);
        return scale == TINY_SCALE ? scaled : DD.of(scaled.scaledValue(scale - TINY_SCALE));
    }

    /** The scale, 2^600, at which sums and losses below 2^-900 are kept without subnormal parts. */
    private static final int TINY_SCALE = 600;

    /** The index along the row of the first kept entry equal to the row's max {@code m}. */
    private static int firstMax(double[] z, int start, int stride, int k, double m, Row r) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (z[idx] == m && r.keeps(idx)) {
                return j;
            }
        }
        throw new IllegalStateException("no entry equals the row's max " + m);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, double[] out) {
        logSoftmax(logits, layout, Row.PLAIN_ROW, out);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        logSoftmax(logits, layout, Row.of(options, layout), out);
    }

    private static void logSoftmax(double[] logits, Layout layout, Row r, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double m = rowMax(logits, start, stride, k, r);
            if (Double.isNaN(m) || m == EMPTY) {
                fill(out, start, stride, k, Double.isNaN(m) ? Double.NaN : r.empty(true));
                continue;
            }
            DD logS = logSum(logits, start, stride, k, m, r);
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                out[idx] = r.keeps(idx) ? logProbability(logits[idx], m, logS, r) : Double.NEGATIVE_INFINITY;
            }
        }
    }

    /** (z - m)/T - log S, rounded once; −∞ for z = −∞ or when z - m overflows. */
    private static double logProbability(double z, double m, DD logS, Row r) {
        if (z == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        DD d = r.scaled(z, m);
        if (Double.isInfinite(d.hi())) {
            return Double.NEGATIVE_INFINITY;
        }
        return d.sub(logS).value();
    }

    @Override
    public void jacobian(double[] logits, Layout layout, double[] out) {
        jacobian(logits, layout, Row.PLAIN_ROW, out);
    }

    @Override
    public void jacobian(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        jacobian(logits, layout, Row.of(options, layout), out);
    }

    /**
     * y_i = f_i 2^(k_i) with f_i = (1 + u_i) / S kept apart from the exponent, so that a product y_i y_j near or in
     * the subnormal range is rounded once ({@link DD#affine}) and not after each factor was rounded there.
     */
    private static void jacobian(double[] logits, Layout layout, Row r, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        DD[] e = new DD[k];
        DD[] f = new DD[k];
        int[] exponent = new int[k];
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            int base = row * k * k;
            double m = rowMax(logits, start, stride, k, r);
            if (Double.isNaN(m) || m == EMPTY) {
                java.util.Arrays.fill(out, base, base + k * k, Double.isNaN(m) ? Double.NaN : r.empty(false));
                continue;
            }
            DD s = rowSum(logits, start, stride, k, m, -1, r);
            int dominant = -1;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                ExactMath.ExpParts p = expShifted(logits[idx], m, r, idx);
                e[j] = p == null ? DD.ZERO : p.value();
                f[j] = p == null ? DD.ZERO : p.mantissaOver(s);
                exponent[j] = p == null ? 0 : p.k();
                if (dominant < 0 && logits[idx] == m && r.keeps(idx)) {
                    dominant = j;
                }
            }
            for (int i = 0; i < k; i++) {
                // 1 - y_i = (S - e_i) / S; for the dominant class the others summed directly (no cancellation),
                // times 2^600 (they may be subnormal)
                int o = base + i * k;
                for (int j = 0; j < k; j++) {
                    double v;
                    if (i != j) {
                        v = -DD.affine(DD.ZERO, f[i].mul(f[j]), exponent[i] + exponent[j], DD.ONE, r.temperature());
                    } else if (i == dominant) {
                        DD others = rowSum(logits, start, stride, k, m, i, r, TINY_SCALE).div(s);
                        v = DD.affine(DD.ZERO, f[i].mul(others), exponent[i] - TINY_SCALE, DD.ONE, r.temperature());
                    } else {
                        DD others = s.sub(e[i]).div(s);
                        v = DD.affine(DD.ZERO, f[i].mul(others), exponent[i], DD.ONE, r.temperature());
                    }
                    out[o + j] = v + 0.0;
                }
            }
        }
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        backward(y, upstream, layout, Row.PLAIN_ROW, out);
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        backward(y, upstream, layout, Row.of(options, layout), out);
    }

    private static void backward(double[] y, double[] upstream, Layout layout, Row r, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            if (!allFinite(y, start, stride, k, r) || !allFinite(upstream, start, stride, k, r)) {
                double dot = 0;
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    dot += r.keeps(idx) ? upstream[idx] * y[idx] : 0;
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    out[idx] = r.keeps(idx) ? y[idx] * (upstream[idx] - dot) / r.temperature() : 0.0;
                }
                continue;
            }
            // g_k − Σ g_j y_j cancels up to the whole precision when one class dominates (y ≈ 1): the dot product
            // in three cascaded levels keeps the difference to ~100 bits (a double-double sum kept ~50 bits and
            // was 1.7 ulps off on a case the fuzz properties found)
            // products g_j y_j below 2^-900 (subnormal y) have no exact double-double: the row times 2^600
            int scale = backwardScale(y, upstream, start, stride, k, r);
            CascadedSum minusDot = new CascadedSum();
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (r.keeps(idx)) {
                    minusDot.addProduct(-Math.scalb(upstream[idx], scale), y[idx]);
                }
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                // y = mantissa·2^e exactly, so that a product near the subnormal range is rounded once
                double yv = y[idx];
                int ye = yv == 0 ? 0 : Math.getExponent(yv);
                out[idx] = r.keeps(idx) ? DD.affine(DD.ZERO, minusDot.plus(Math.scalb(upstream[idx], scale))
                        .mul(Math.scalb(yv, -ye)), ye - scale, DD.ONE, r.temperature()) : 0.0;
            }
        }
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        logSoftmaxBackward(logSoftmax, upstream, layout, Row.PLAIN_ROW, out);
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, SoftmaxOptions options,
                                   double[] out) {
        logSoftmaxBackward(logSoftmax, upstream, layout, Row.of(options, layout), out);
    }

    private static void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, Row r,
                                           double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            if (!allFinite(upstream, start, stride, k, r) || !allBelow(logSoftmax, start, stride, k, 700, r)) {
                double sum = 0;
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    sum += r.keeps(idx) ? upstream[idx] : 0;
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    out[idx] = r.keeps(idx)
                            ? (upstream[idx] - Math.exp(logSoftmax[idx]) * sum) / r.temperature() : 0.0;
                }
                continue;
            }
            DD sum = DD.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (r.keeps(idx)) {
                    sum = sum.add(upstream[idx]);
                }
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double l = logSoftmax[idx];
                if (!r.keeps(idx)) {
                    out[idx] = 0.0;
                } else if (l < ExactMath.EXP_ZERO_BELOW) {
                    out[idx] = r.overT(DD.of(upstream[idx])).value();
                } else {
                    // g - e^l Σg with e^l = (1 + u) 2^k: near the subnormal range rounded once
                    ExactMath.ExpParts e = ExactMath.expParts(DD.of(l));
                    out[idx] = DD.affine(DD.of(upstream[idx]), DD.ONE.add(e.u()).mul(sum).negate(), e.k(), DD.ONE,
                            r.temperature());
                }
            }
        }
    }

    /**
     * {@link #TINY_SCALE} when a kept product g_j y_j is nonzero and below 2^-900 and every |g_j| and |y_j| is below
     * 2^200 (so that the scaled products stay finite), else 0 (the soak run found the reference 2 to 3 ulps off on
     * gradients of about 3e-309 next to subnormal probabilities).
     */
    private static int backwardScale(double[] y, double[] g, int start, int stride, int k, Row r) {
        boolean tiny = false;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (r.keeps(idx)) {
                if (Math.abs(y[idx]) >= 0x1p200 || Math.abs(g[idx]) >= 0x1p200) {
                    return 0;
                }
                double p = Math.abs(y[idx] * g[idx]);
                tiny |= p < 0x1p-900 && y[idx] != 0 && g[idx] != 0;
            }
        }
        return tiny ? TINY_SCALE : 0;
    }

    private static boolean allFinite(double[] a, int start, int stride, int k, Row r) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (r.keeps(idx) && !Double.isFinite(a[idx])) {
                return false;
            }
        }
        return true;
    }

    /** True when every kept entry is −∞ or finite and at most {@code limit} (so exp cannot overflow). */
    private static boolean allBelow(double[] a, int start, int stride, int k, double limit, Row r) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (r.keeps(idx) && !(a[idx] <= limit)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, labels, null, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, null, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, LossOptions options,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, labels, null, options, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, LossOptions options,
                             double[] lossOut, double[] gradientOut) {
        crossEntropy(logits, layout, null, target, options, lossOut, gradientOut);
    }

    /**
     * One of labels and target is null. Each row's loss is {@code -Σ_j c_j ℓ_j} with the coefficients
     * {@code c} of {@link LossOptions} (labels: {@code (1-ε)w[t]} at the label plus {@code ε/C·w[j]};
     * targets: {@code w[j]((1-ε)p_j + ε/C)}) and its gradient {@code y_j Σc - c_j} ({@code Σc} taken as 1 for
     * unweighted targets: the contract's {@code y - t}), both in double-double.
     */
    private static void crossEntropy(double[] logits, Layout layout, int[] labels, double[] target,
                                     LossOptions options, double[] lossOut, double[] gradientOut) {
        int k = layout.axisLength();
        int stride = layout.inner();
        int rows = layout.rows();
        Reduction reduction = options.reduction();
        Row plain = Row.PLAIN_ROW;
        double eps = options.labelSmoothing();
        DD keep = DD.ONE.add(-eps);
        DD uniform = k == 0 ? DD.ZERO : DD.of(eps).div(DD.of(k));
        // the mean's denominator: rows not ignored, weighted by their label's weight (labels); all rows (targets)
        DD denominator = DD.ZERO;
        for (int row = 0; row < rows; row++) {
            if (labels == null) {
                denominator = denominator.add(1.0);
            } else if (!options.ignores(labels[row])) {
                denominator = denominator.add(options.weight(labels[row]));
            }
        }
        boolean zeroDenominator = reduction == Reduction.MEAN && denominator.hi() == 0;
        DD meanScale = reduction == Reduction.MEAN && !zeroDenominator ? DD.ONE.div(denominator) : DD.ONE;
        DD[] c = new DD[k];
        DD[] totals = {DD.ZERO, DD.ZERO, DD.ZERO}; // row losses kept at the scales LOSS_SCALES
        boolean totalNaN = false;
        double totalInf = 0;
        for (int row = 0; row < rows; row++) {
            int start = layout.rowStart(row);
            double rowLoss;
            if (labels != null && options.ignores(labels[row])) {
                fill(gradientOut, start, stride, k, 0.0);
                if (reduction == Reduction.NONE) {
                    lossOut[row] = 0.0;
                }
                continue;
            }
            DD cSum = DD.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                DD cj;
                if (labels != null) {
                    cj = uniform.mul(options.weight(j));
                    if (labels[row] == j) {
                        cj = cj.add(keep.mul(options.weight(j)));
                    }
                } else {
                    cj = keep.mul(target[idx]).add(uniform).mul(options.weight(j));
                }
                c[j] = cj;
                cSum = cSum.add(cj);
            }
            if (labels == null && !options.hasWeight()) {
                cSum = DD.ONE; // the contract's y - t: a target row sums to 1 (within the checked tolerance)
            }
            double m = rowMax(logits, start, stride, k, plain);
            if (Double.isNaN(m) || m == EMPTY) {
                fill(gradientOut, start, stride, k, Double.NaN);
                rowLoss = Double.NaN;
            } else {
                DD s = rowSum(logits, start, stride, k, m, -1, plain);
                DD logS = logSum(logits, start, stride, k, m, plain);
                int scale = lossScale(logits, start, stride, k, m, c, logS);
                if (scale == TINY_SCALE) {
                    logS = logSum(logits, start, stride, k, m, plain, TINY_SCALE);
                } else {
                    logS = logS.scalb(scale);
                }
                DD loss = DD.ZERO;
                boolean infinite = false;
                int dominant = -1;
                for (int j = 0, idx = start; j < k && dominant < 0; j++, idx += stride) {
                    dominant = logits[idx] == m ? j : -1;
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    double grad;
                    if (zeroDenominator) {
                        grad = Double.NaN;
                    } else if (j == dominant) {
                        // y_j Σc - c_j = (Σc - c_j) - Σc (1 - y_j), 1 - y_j = (sum of the others) / S: no
                        // cancellation; the others times 2^600 (they may be subnormal)
                        DD others = rowSum(logits, start, stride, k, m, j, plain, TINY_SCALE).div(s);
                        grad = DD.affine(cSum.sub(c[j]), cSum.mul(others).negate(), -TINY_SCALE, meanScale, 1.0);
                    } else {
                        // y_j = f 2^e: a product near the subnormal range rounded once
                        ExactMath.ExpParts e = expShifted(logits[idx], m, plain, idx);
                        grad = e == null ? DD.affine(c[j].negate(), DD.ZERO, 0, meanScale, 1.0)
                                : DD.affine(c[j].negate(), e.mantissaOver(s).mul(cSum), e.k(), meanScale, 1.0);
                    }
                    gradientOut[idx] = grad + 0.0;
                    if (c[j].hi() != 0) {
                        if (logits[idx] == Double.NEGATIVE_INFINITY) {
                            infinite = true;
                        } else {
                            DD d = (scale < 0 ? DD.twoSum(Math.scalb(logits[idx], scale), Math.scalb(-m, scale))
                                    : DD.twoSum(logits[idx], -m).scalb(scale)).sub(logS);
                            loss = loss.sub(d.mul(c[j]));
                        }
                    }
                }
                rowLoss = infinite ? Double.POSITIVE_INFINITY : loss.scaledValue(-scale);
                if (!infinite) {
                    int t = scale < 0 ? 0 : scale == 0 ? 1 : 2;
                    totals[t] = totals[t].add(loss);
                } else {
                    // a true infinity (a target on a −∞ logit); a finite row loss past MAX stays in the scaled total,
                    // whose mean may be finite (the fuzz properties found ∞ for a mean of 6e307)
                    totalInf = Double.POSITIVE_INFINITY;
                }
            }
            if (reduction == Reduction.NONE) {
                lossOut[row] = rowLoss;
            } else if (Double.isNaN(rowLoss)) {
                totalNaN = true;
            }
        }
        if (reduction != Reduction.NONE) {
            lossOut[0] = reduce(reduction, totals, totalNaN || zeroDenominator, totalInf, denominator);
        }
    }

    /**
     * The scales 2^-8, 1 and 2^600 at which row losses are summed: logits past 2^1000 make z - m and the sums
     * overflow a double although the mean may be finite, and a loss below 2^-900 loses bits in a double-double.
     */
    private static final int[] LOSS_SCALES = {-8, 0, TINY_SCALE};

    /**
     * The scale of a row's loss: 2^-8 when the max or a weighted logit is past 2^1000 (z - m may overflow), 2^600
     * for a row whose log S is below 2^-900 (a dominant class) when every weighted entry is within 2^400 of the
     * max, else 1 (the soak run found the reference 83 and 109 ulps off on losses of 2.5e-320 and 1.9e-310 in
     * batches and rows with a logit of -MAX_VALUE). A row at 2^-8 can only have a subnormal loss through weights
     * below 2^-1000 (its e^(z - m) are 0 or 1); such a loss would still lose bits.
     */
    private static int lossScale(double[] z, int start, int stride, int k, double m, DD[] c, DD logS) {
        if (Math.abs(m) > 0x1p1000) {
            return LOSS_SCALES[0];
        }
        boolean tinyFits = Math.abs(logS.hi()) < 0x1p-900;
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (c[j].hi() != 0) {
                if (Double.isFinite(z[idx]) && Math.abs(z[idx]) > 0x1p1000) {
                    return LOSS_SCALES[0];
                }
                tinyFits &= Math.abs(z[idx] - m) < 0x1p400;
            }
        }
        return tinyFits ? TINY_SCALE : 0;
    }

    /**
     * The reduced loss from the row losses summed at the scales {@link #LOSS_SCALES}, rounded once; NaN or +∞
     * when those were met.
     */
    private static double reduce(Reduction reduction, DD[] totals, boolean nan, double inf, DD denominator) {
        if (nan) {
            return Double.NaN;
        }
        if (inf != 0) {
            return inf;
        }
        int used = -1;
        for (int i = 0; i < totals.length; i++) {
            if (totals[i].hi() != 0) {
                used = used == -1 ? i : -2;
            }
        }
        boolean mean = reduction == Reduction.MEAN;
        if (used == -1) {
            return 0.0;
        }
        if (used >= 0) {
            return DD.affine(DD.ZERO, totals[used], -LOSS_SCALES[used], mean ? DD.ONE.div(denominator) : DD.ONE, 1.0);
        }
        java.math.BigDecimal x = java.math.BigDecimal.ZERO;
        for (int i = 0; i < totals.length; i++) {
            x = x.add(totals[i].exact().multiply(DD.powerOfTwo(-LOSS_SCALES[i])));
        }
        return (mean ? x.divide(denominator.exact(), new java.math.MathContext(40)) : x).doubleValue();
    }

    @Override
    public void nll(double[] logProbabilities, Layout layout, int[] labels, LossOptions options,
                    double[] lossOut, double[] gradientOut) {
        int k = layout.axisLength();
        int stride = layout.inner();
        int rows = layout.rows();
        Reduction reduction = options.reduction();
        DD denominator = DD.ZERO;
        for (int row = 0; row < rows; row++) {
            if (!options.ignores(labels[row])) {
                denominator = denominator.add(options.weight(labels[row]));
            }
        }
        boolean zeroDenominator = reduction == Reduction.MEAN && denominator.hi() == 0;
        DD scale = reduction == Reduction.MEAN && !zeroDenominator ? DD.ONE.div(denominator) : DD.ONE;
        java.util.Arrays.fill(gradientOut, 0.0);
        DD total = DD.ZERO;
        boolean nan = false;
        double inf = 0;
        for (int row = 0; row < rows; row++) {
            int label = labels[row];
            double rowLoss = 0;
            if (!options.ignores(label)) {
                double w = options.weight(label);
                double x = logProbabilities[layout.rowStart(row) + label * stride];
                gradientOut[layout.rowStart(row) + label * stride] = zeroDenominator ? Double.NaN
                        : scale.mul(-w).value() + 0.0;
                if (w != 0) {
                    if (Double.isFinite(x)) {
                        DD l = DD.twoProd(-w, x);
                        total = total.add(l);
                        rowLoss = l.value();
                    } else {
                        rowLoss = -w * x;
                        nan |= Double.isNaN(rowLoss);
                        inf = Double.isInfinite(rowLoss) && !Double.isNaN(inf) ? (inf == -rowLoss ? Double.NaN : rowLoss)
                                : inf;
                    }
                }
            }
            if (reduction == Reduction.NONE) {
                lossOut[row] = rowLoss + 0.0;
            }
        }
        if (reduction != Reduction.NONE) {
            lossOut[0] = reduce(reduction, new DD[] {DD.ZERO, total, DD.ZERO}, nan || zeroDenominator
                    || Double.isNaN(inf), inf, denominator) + 0.0;
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

    // the plain float32 methods are the option methods with plain options (same bits: the float32 rounding of
    // plain options changes nothing, and plain options take the plain double-double path)

    @Override
    public void softmax(float[] logits, Layout layout, float[] out) {
        softmax(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, float[] out) {
        logSoftmax(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, float[] out) {
        jacobian(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        backward(y, upstream, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        logSoftmaxBackward(logSoftmax, upstream, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        crossEntropy(logits, layout, labels, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        crossEntropy(logits, layout, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    private static SoftmaxOptions float32(SoftmaxOptions o) {
        return o.temperature() == o.temperature(DType.FLOAT32) ? o : o.withTemperature(o.temperature(DType.FLOAT32));
    }

    /** The options with weights and ε rounded to float, as float32 tensors of them would hold. */
    private static LossOptions float32(LossOptions o) {
        LossOptions r = o.withLabelSmoothing((float) o.labelSmoothing());
        double[] w = o.weight();
        if (w != null) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) w[i];
            }
            r = r.withWeight(w);
        }
        return r;
    }

    @Override
    public void softmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        double[] r = new double[out.length];
        softmax(widen(logits), layout, float32(options), r);
        narrow(r, out);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        double[] r = new double[out.length];
        logSoftmax(widen(logits), layout, float32(options), r);
        narrow(r, out);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        double[] r = new double[out.length];
        jacobian(widen(logits), layout, float32(options), r);
        narrow(r, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        double[] r = new double[out.length];
        backward(widen(y), widen(upstream), layout, float32(options), r);
        narrow(r, out);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, SoftmaxOptions options,
                                   float[] out) {
        double[] r = new double[out.length];
        logSoftmaxBackward(widen(logSoftmax), widen(upstream), layout, float32(options), r);
        narrow(r, out);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, LossOptions options,
                             float[] lossOut, float[] gradientOut) {
        double[] loss = new double[lossOut.length];
        double[] grad = new double[gradientOut.length];
        crossEntropy(widen(logits), layout, labels, null, float32(options), loss, grad);
        narrow(loss, lossOut);
        narrow(grad, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, LossOptions options,
                             float[] lossOut, float[] gradientOut) {
        double[] loss = new double[lossOut.length];
        double[] grad = new double[gradientOut.length];
        crossEntropy(widen(logits), layout, null, widen(target), float32(options), loss, grad);
        narrow(loss, lossOut);
        narrow(grad, gradientOut);
    }

    @Override
    public void nll(float[] logProbabilities, Layout layout, int[] labels, LossOptions options,
                    float[] lossOut, float[] gradientOut) {
        double[] loss = new double[lossOut.length];
        double[] grad = new double[gradientOut.length];
        nll(widen(logProbabilities), layout, labels, float32(options), loss, grad);
        narrow(loss, lossOut);
        narrow(grad, gradientOut);
    }
}
