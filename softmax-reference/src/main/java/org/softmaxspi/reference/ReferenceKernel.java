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
        int skip = firstMax(z, start, stride, k, m, r);
        DD others = rowSum(z, start, stride, k, m, skip, r);
        if (others.hi() >= 0x1p-960) {
            return ExactMath.log1p(others);
        }
        // others below 2^-960 (subnormal terms lose bits in a double-double): log1p(x) = x far below an ulp, so
        // the sum is taken times 2^600 and rounded once (the fuzz properties found -3.4e-322 for -1.7e-322)
        DD scaled = rowSum(z, start, stride, k, m, skip, r, 600);
        return DD.of(new java.math.BigDecimal(scaled.hi()).add(new java.math.BigDecimal(scaled.lo()))
                .multiply(TWO_TO_MINUS_600).doubleValue());
    }

    private static final java.math.BigDecimal TWO_TO_MINUS_600 = java.math.BigDecimal.ONE
            .divide(java.math.BigDecimal.valueOf(2).pow(600));

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

    private static void jacobian(double[] logits, Layout layout, Row r, double[] out) {
        int k = layout.axisLength();
        int stride = layout.inner();
        DD[] e = new DD[k];
        DD[] y = new DD[k];
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            int base = row * k * k;
            double m = rowMax(logits, start, stride, k, r);
            if (Double.isNaN(m) || m == EMPTY) {
                java.util.Arrays.fill(out, base, base + k * k, Double.isNaN(m) ? Double.NaN : r.empty(false));
                continue;
            }
            DD s = DD.ZERO;
            int dominant = -1;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                ExactMath.ExpParts p = expShifted(logits[idx], m, r, idx);
                e[j] = p == null ? DD.ZERO : p.value();
                s = s.add(e[j]);
                if (dominant < 0 && logits[idx] == m && r.keeps(idx)) {
                    dominant = j;
                }
            }
            for (int j = 0; j < k; j++) {
                y[j] = e[j].div(s);
            }
            for (int i = 0; i < k; i++) {
                // 1 - y_i = (S - e_i) / S; for the dominant class sum the others directly (no cancellation).
                DD others = i == dominant ? rowSum(logits, start, stride, k, m, i, r) : s.sub(e[i]);
                int o = base + i * k;
                for (int j = 0; j < k; j++) {
                    // 1/T first: a product near the subnormal range must not lose bits before it is scaled
                    DD yi = r.overT(y[i]);
                    DD v = i == j ? yi.mul(others.div(s)) : yi.mul(y[j]).negate();
                    out[o + j] = v.value() + 0.0;
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
            CascadedSum minusDot = new CascadedSum();
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (r.keeps(idx)) {
                    minusDot.addProduct(-upstream[idx], y[idx]);
                }
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                out[idx] = r.keeps(idx) ? r.overT(minusDot.plus(upstream[idx]).mul(y[idx])).value() : 0.0;
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
                    DD p = ExactMath.expParts(DD.of(l)).value().mul(sum);
                    out[idx] = r.overT(p.negate().add(upstream[idx])).value();
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
        DD scale = reduction == Reduction.MEAN && !zeroDenominator ? DD.ONE.div(denominator) : DD.ONE;
        // Losses are accumulated times 2^shift: logits near ±MAX_VALUE make z - m and the sums
        // overflow a double although the mean may be finite.
        int shift = maxAbs(logits) > 0x1.0p1000 ? -8 : 0;
        DD[] c = new DD[k];
        DD total = DD.ZERO;
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
                DD loss = DD.ZERO;
                boolean infinite = false;
                int dominant = -1;
                for (int j = 0, idx = start; j < k && dominant < 0; j++, idx += stride) {
                    dominant = logits[idx] == m ? j : -1;
                }
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    DD grad;
                    if (zeroDenominator) {
                        grad = DD.of(Double.NaN);
                    } else if (j == dominant) {
                        // y_j Σc - c_j = (Σc - c_j) - Σc (1 - y_j), 1 - y_j = (sum of the others) / S: no cancellation
                        grad = cSum.sub(c[j]).sub(cSum.mul(rowSum(logits, start, stride, k, m, j, plain).div(s)));
                    } else {
                        ExactMath.ExpParts e = expShifted(logits[idx], m, plain, idx);
                        DD yj = e == null ? DD.ZERO : e.value().div(s);
                        grad = yj.mul(cSum).sub(c[j]);
                    }
                    gradientOut[idx] = grad.mul(scale).value() + 0.0;
                    if (c[j].hi() != 0) {
                        if (logits[idx] == Double.NEGATIVE_INFINITY) {
                            infinite = true;
                        } else {
                            DD d = DD.twoSum(Math.scalb(logits[idx], shift), Math.scalb(-m, shift))
                                    .sub(logS.scalb(shift));
                            loss = loss.sub(d.mul(c[j]));
                        }
                    }
                }
                rowLoss = infinite ? Double.POSITIVE_INFINITY : Math.scalb(loss.value(), -shift);
                if (!infinite) {
                    total = total.add(loss);
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
            lossOut[0] = reduce(reduction, total, totalNaN || zeroDenominator, totalInf, denominator, shift);
        }
    }

    /** The reduced loss from the double-double total (scaled by 2^shift), NaN or +∞ when those were met. */
    private static double reduce(Reduction reduction, DD total, boolean nan, double inf, DD denominator, int shift) {
        if (nan) {
            return Double.NaN;
        }
        if (inf != 0) {
            return inf;
        }
        return Math.scalb(reduction == Reduction.MEAN ? total.div(denominator).value() : total.value(), -shift);
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
            lossOut[0] = reduce(reduction, total, nan || zeroDenominator || Double.isNaN(inf), inf, denominator, 0)
                    + 0.0;
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
