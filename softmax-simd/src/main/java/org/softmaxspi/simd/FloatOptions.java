package org.softmaxspi.simd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.ThreadArrays;

/**
 * The float32 operations with {@link SoftmaxOptions} and {@link LossOptions}, around the plain kernels
 * of {@link FloatOps}. {@code DoubleOptions} is generated from this file by {@code softmax-simd/generate-double.sh}:
 * edit the float file, then run it.
 *
 * <ul>
 *   <li>Softmax, log-softmax, Jacobian: one vector pass writes {@code (z - m)/T} into per-thread arrays
 *       ({@code -∞} at masked entries, m the max over the kept ones; the logits themselves when T = 1) as a pair
 *       {@code q + ql} to twice the dtype's precision ({@link #shiftRow}), the plain kernel runs on the pairs (so
 *       a temperature costs no accuracy: the results are rounded once, as without options), and rows
 *       with nothing to normalize are then set by the policy. The Jacobian is scaled by 1/T after.</li>
 *   <li>Backward passes: one vector pass zeroes the masked entries of y and of the upstream gradient and
 *       divides the latter by T (the log-softmax's masked entries become {@code -∞}); the plain kernel
 *       gives 0 there.</li>
 *   <li>Cross-entropy with labels: the plain kernel gives {@code G = y - onehot} and {@code L_n = -log y_t}
 *       per row; then {@code grad = α_n·G - (ε/C)·w·scale} (+ {@code (ε/C)·W·scale} at the label) with
 *       {@code α_n = ((1-ε)w_t + (ε/C)W)·scale}, and {@code loss_n = (1-ε)w_t L_n + (ε/C)(W L_n - Σ_j w_j (z_j - z_t))}
 *       (the smoothing term from {@code log y_j = z_j - z_t - L_n}). Ignored rows run with label 0 and are
 *       zeroed. Probability targets run the plain kernel on {@code c/Σc}, {@code c_j = w_j((1-ε)p_j + ε/C)}, and
 *       scale by {@code Σc}.</li>
 *   <li>NLL: a gather; the reductions sum in double, compensated.</li>
 * </ul>
 * Rows of the last axis use vectors; strided rows (an inner axis) take scalar prepasses.
 */
final class FloatOptions {

    private static final VectorSpecies<Float> S = FloatRows.S;
    private static final int L = S.length();
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;

    private final FloatOps ops;
    private final Parallel par;

    FloatOptions(FloatOps ops, Parallel par) {
        this.ops = ops;
        this.par = par;
    }

    /** The kept-flags of the options' mask in a per-thread array (null without a mask). */
    private static boolean[] mask(SoftmaxOptions o) {
        if (!o.hasMask()) {
            return null;
        }
        boolean[] m = ThreadArrays.booleans(0, o.maskLength());
        o.copyMask(0, m, 0, m.length);
        return m;
    }

    private static boolean keeps(boolean[] mask, boolean slice, Layout l, int idx) {
        return mask == null || (slice ? mask[(idx / l.inner()) % l.axisLength()] : mask[idx]);
    }

    /**
     * Writes {@code (z - m)/T} (−∞ where masked; with T = 1 the logits themselves, so that the kernel forms
     * {@code z - m} exactly) into {@code s}, and with T ≠ 1 its low part into {@code sl} ({@link #shiftRow}),
     * rows split between threads as the kernels
     * split them, and returns (zero policy only) the rows with nothing to normalize (max over the kept entries
     * −∞), else null.
     */
    private boolean[] prepare(float[] z, Layout l, SoftmaxOptions o, float[] s, float[] sl) {
        boolean[] mask = mask(o);
        boolean slice = o.isSliceMask(l);
        float t = (float) o.temperature();
        int k = l.axisLength();
        boolean[] empty = o.maskedRows() == MaskedRows.ZERO ? ThreadArrays.booleans(1, l.rows()) : null;
        par.run(l.rows(), l.size(), (from, to) -> {
            for (int row = from; row < to; row++) {
                int start = l.rowStart(row);
                float m = l.inner() == 1 ? maxRow(z, start, k, mask, slice ? 0 : start)
                        : maxStrided(z, l, row, mask, slice);
                if (empty != null) {
                    empty[row] = m == NEG_INF;
                }
                if (l.inner() == 1) {
                    shiftRow(z, s, sl, start, k, m, t, mask, slice ? 0 : start);
                } else {
                    for (int j = 0, idx = start; j < k; j++, idx += l.inner()) {
                        boolean keep = keeps(mask, slice, l, idx);
                        if (t == 1) {
                            s[idx] = keep ? z[idx] : NEG_INF;
                        } else {
                            shift(z[idx], m, t, keep, s, sl, idx);
                        }
                    }
                }
            }
        });
        return empty;
    }

    /**
     * Under the zero policy alone (T = 1, no mask) the plain kernel runs on the logits: its NaN rows that are all
     * −∞ are the rows to zero. Null when there are none to look at.
     */
    private static boolean[] allMinusInfinityRows(float[] z, Layout l, float[] out) {
        boolean[] empty = null;
        for (int row = 0; row < l.rows(); row++) {
            int start = l.rowStart(row);
            if (l.axisLength() == 0 || !Float.isNaN(out[start])) {
                continue;
            }
            boolean all = true;
            for (int j = 0, idx = start; j < l.axisLength() && all; j++, idx += l.inner()) {
                all = z[idx] == NEG_INF;
            }
            if (all) {
                if (empty == null) {
                    empty = new boolean[l.rows()];
                }
                empty[row] = true;
            }
        }
        return empty;
    }

    /** True when only the masked-rows policy is set: the plain kernel can run on the logits as they are. */
    private static boolean policyOnly(SoftmaxOptions o) {
        return !o.hasMask() && o.temperature() == 1;
    }

    /** max over the kept entries of a contiguous row (NaN if a kept entry is NaN). */
    private static float maxRow(float[] z, int start, int k, boolean[] mask, int maskStart) {
        FloatVector acc = FloatVector.broadcast(S, NEG_INF);
        int j = 0;
        for (; j <= k - L; j += L) {
            FloatVector v = FloatVector.fromArray(S, z, start + j);
            if (mask != null) {
                v = v.blend(NEG_INF, VectorMask.fromArray(S, mask, maskStart + j).not());
            }
            acc = acc.max(v);
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; j < k; j++) {
            if (mask == null || mask[maskStart + j]) {
                m = Math.max(m, z[start + j]);
            }
        }
        return m;
    }

    private static float maxStrided(float[] z, Layout l, int row, boolean[] mask, boolean slice) {
        float m = NEG_INF;
        for (int j = 0, idx = l.rowStart(row); j < l.axisLength(); j++, idx += l.inner()) {
            if (keeps(mask, slice, l, idx)) {
                m = Math.max(m, z[idx]);
            }
        }
        return m;
    }

    /**
     * One row's shifted logits: with T = 1 the logits into s (−∞ where masked); else {@code (z - m)/T} as
     * {@code s + sl}: {@code z - m = d + dl} exactly (TwoSum), {@code q = d/T}, its remainder {@code d - q·T}
     * exact (one FMA), {@code ql = (rem + dl)/T} (within 2^-24 of its value, so the pair is within about 2^-47 of
     * {@code (z - m)/T}: 2^-41 in the exp of a float32 q above e's underflow, 2^-96 for float64); a non-finite
     * low part (an infinite or NaN q) becomes 0, and masked entries get −∞ and 0.
     */
    private static void shiftRow(float[] z, float[] s, float[] sl, int start, int k, float m, float t,
                                 boolean[] mask, int maskStart) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector nm = FloatVector.broadcast(S, -m);
        int j = 0;
        for (; j <= k - L; j += L) {
            FloatVector x = FloatVector.fromArray(S, z, start + j);
            if (t == 1) {
                if (mask != null) {
                    x = x.blend(NEG_INF, VectorMask.fromArray(S, mask, maskStart + j).not());
                }
                x.intoArray(s, start + j);
                continue;
            }
            FloatVector d = x.sub(vm);
            FloatVector bb = d.sub(x);
            FloatVector dl = x.sub(d.sub(bb)).add(nm.sub(bb));
            FloatVector q = d.div(t);
            FloatVector ql = q.fma(FloatVector.broadcast(S, -t), d).add(dl).div(t);
            VectorMask<Float> drop = ql.abs().lt(Float.POSITIVE_INFINITY).not();
            if (mask != null) {
                VectorMask<Float> masked = VectorMask.fromArray(S, mask, maskStart + j).not();
                q = q.blend(NEG_INF, masked);
                drop = drop.or(masked);
            }
            q.intoArray(s, start + j);
            ql.blend(0f, drop).intoArray(sl, start + j);
        }
        for (; j < k; j++) {
            boolean keep = mask == null || mask[maskStart + j];
            if (t == 1) {
                s[start + j] = keep ? z[start + j] : NEG_INF;
            } else {
                shift(z[start + j], m, t, keep, s, sl, start + j);
            }
        }
    }

    /** The scalar {@link #shiftRow} of one entry, T ≠ 1, into {@code s[i]} and {@code sl[i]}. */
    private static void shift(float x, float m, float t, boolean keep, float[] s, float[] sl, int i) {
        float d = x - m;
        float bb = d - x;
        float dl = (x - (d - bb)) + (-m - bb);
        float q = d / t;
        float ql = (Math.fma(q, -t, d) + dl) / t;
        s[i] = keep ? q : NEG_INF;
        sl[i] = keep && Math.abs(ql) < Float.POSITIVE_INFINITY ? ql : 0f;
    }

    /** Rows with nothing to normalize under the zero policy: 0 (−∞ for log-softmax). */
    private static void emptyRows(boolean[] empty, Layout l, SoftmaxOptions o, float[] out, boolean log) {
        if (empty == null || o.maskedRows() == MaskedRows.NAN) {
            return;
        }
        for (int row = 0; row < l.rows(); row++) {
            if (empty[row]) {
                for (int j = 0, idx = l.rowStart(row); j < l.axisLength(); j++, idx += l.inner()) {
                    out[idx] = log ? NEG_INF : 0f;
                }
            }
        }
    }

    void softmax(float[] z, Layout l, SoftmaxOptions o, float[] out, boolean log) {
        if (policyOnly(o)) {
            ops.softmax(z, null, l, out, log);
            emptyRows(allMinusInfinityRows(z, l, out), l, o, out, log);
            return;
        }
        float[] s = ThreadArrays.floats(0, l.size());
        float[] sl = lowParts(o, l);
        boolean[] empty = prepare(z, l, o, s, sl);
        ops.softmax(s, sl, l, out, log);
        emptyRows(empty, l, o, out, log);
    }

    /** The per-thread array for the low parts of {@code (z - m)/T} (slot 1), or null when T = 1. */
    private static float[] lowParts(SoftmaxOptions o, Layout l) {
        return o.temperature() == 1 ? null : ThreadArrays.floats(1, l.size());
    }

    void jacobian(float[] z, Layout l, SoftmaxOptions o, float[] out) {
        float[] s = ThreadArrays.floats(0, l.size());
        float[] sl = lowParts(o, l);
        boolean[] empty = prepare(z, l, o, s, sl);
        ops.jacobian(s, sl, l, out);
        float t = (float) o.temperature();
        if (t != 1) {
            int i = 0;
            for (; i <= out.length - L; i += L) {
                FloatVector.fromArray(S, out, i).div(t).intoArray(out, i);
            }
            for (; i < out.length; i++) {
                out[i] /= t;
            }
        }
        if (empty != null && o.maskedRows() == MaskedRows.ZERO) {
            int kk = l.axisLength() * l.axisLength();
            for (int row = 0; row < l.rows(); row++) {
                if (empty[row]) {
                    Arrays.fill(out, row * kk, (row + 1) * kk, 0f);
                }
            }
        }
    }

    /** The backward ({@code log} false: from y) or log-softmax backward, with masked entries 0 and 1/T. */
    void backward(float[] first, float[] g, Layout l, SoftmaxOptions o, float[] out, boolean log) {
        boolean[] mask = mask(o);
        boolean slice = o.isSliceMask(l);
        float t = (float) o.temperature();
        float[] a = mask == null ? first : ThreadArrays.floats(0, l.size());
        float[] u = ThreadArrays.floats(1, l.size());
        float masked = log ? NEG_INF : 0f;
        if (l.inner() == 1) {
            int k = l.axisLength();
            for (int row = 0; row < l.rows(); row++) {
                int start = l.rowStart(row);
                int ms = slice ? 0 : start;
                int j = 0;
                for (; j <= k - L; j += L) {
                    FloatVector gv = FloatVector.fromArray(S, g, start + j);
                    if (t != 1) {
                        gv = gv.div(t);
                    }
                    if (mask != null) {
                        VectorMask<Float> drop = VectorMask.fromArray(S, mask, ms + j).not();
                        gv = gv.blend(0f, drop);
                        FloatVector.fromArray(S, first, start + j).blend(masked, drop).intoArray(a, start + j);
                    }
                    gv.intoArray(u, start + j);
                }
                for (; j < k; j++) {
                    boolean keep = mask == null || mask[ms + j];
                    u[start + j] = keep ? (t == 1 ? g[start + j] : g[start + j] / t) : 0f;
                    if (mask != null) {
                        a[start + j] = keep ? first[start + j] : masked;
                    }
                }
            }
        } else {
            for (int idx = 0; idx < l.size(); idx++) {
                boolean keep = keeps(mask, slice, l, idx);
                u[idx] = keep ? (t == 1 ? g[idx] : g[idx] / t) : 0f;
                if (mask != null) {
                    a[idx] = keep ? first[idx] : masked;
                }
            }
        }
        ops.backward(a, u, l, out, log);
    }

    // ---------------------------------------------------------------- losses

    /** Weights as float32 (all 1 without weights). */
    private static float[] weights(LossOptions o, int k) {
        float[] w = new float[k];
        for (int c = 0; c < k; c++) {
            w[c] = (float) o.weight(c);
        }
        return w;
    }

    void crossEntropy(float[] z, Layout l, int[] labels, LossOptions o, float[] lossOut, float[] grad) {
        int rows = l.rows();
        int k = l.axisLength();
        int stride = l.inner();
        float[] w = weights(o, k);
        double wSum = 0;
        for (float v : w) {
            wSum += v;
        }
        double eps = (float) o.labelSmoothing();
        double keep = 1 - eps;
        double b = k == 0 ? 0 : eps / k;
        int[] safe = labels;
        double denominator = 0;
        for (int r = 0; r < rows; r++) {
            if (o.ignores(labels[r])) {
                if (safe == labels) {
                    safe = labels.clone();
                }
                safe[r] = 0;
            } else {
                denominator += w[labels[r]];
            }
        }
        Reduction reduction = o.reduction();
        boolean zero = reduction == Reduction.MEAN && denominator == 0;
        double scale = reduction == Reduction.MEAN ? 1 / denominator : 1;
        float[] rowLoss = ThreadArrays.floats(2, rows);
        if (k > 0) {
            ops.crossEntropy(z, l, safe, null, Reduction.NONE, rowLoss, grad);
        }
        double[] losses = new double[rows];
        double classWeights = wSum;
        par.run(rows, l.size(), (from, to) -> {
            for (int r = from; r < to; r++) {
                labelRow(z, l, labels, o, grad, w, classWeights, keep, b, rowLoss, losses, zero, scale, r);
            }
        });
        reduce(losses, reduction, denominator, zero, lossOut);
    }

    /** One row of the labels' loss with options: its loss into {@code losses[r]}, its gradient in place. */
    private static void labelRow(float[] z, Layout l, int[] labels, LossOptions o, float[] grad, float[] w, double wSum,
                                 double keep, double b, float[] rowLoss, double[] losses, boolean zero, double scale,
                                 int r) {
        int k = l.axisLength();
        int stride = l.inner();
        {
            int start = l.rowStart(r);
            if (o.ignores(labels[r])) {
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    grad[idx] = 0f;
                }
                return;
            }
            int t = labels[r];
            double wt = w[t];
            double lossN = rowLoss[r];
            double loss = keep * wt * lossN;
            if (b != 0) {
                double zt = z[start + t * stride];
                loss += b * (wSum * lossN - smoothingSum(z, start, k, stride, w, zt));
            }
            losses[r] = loss;
            if (zero) {
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    grad[idx] = Float.NaN;
                }
                return;
            }
            float alpha = (float) ((keep * wt + b * wSum) * scale);
            float beta = (float) (b * scale);
            scaleRow(grad, start, k, stride, alpha, beta, w);
            if (b != 0) {
                int at = start + t * stride;
                grad[at] = (float) ((double) grad[at] + b * wSum * scale);
            }
        }
    }


    /**
     * Σ_j w_j (z_j − z_t) in double, four accumulators; a zero weight counts 0 also on a −∞ logit (rechecked
     * term by term only when the fast sum is NaN).
     */
    private static double smoothingSum(float[] z, int start, int k, int stride, float[] w, double zt) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        if (stride == 1) {
            for (; j <= k - 4; j += 4) {
                s0 += w[j] * ((double) z[start + j] - zt);
                s1 += w[j + 1] * ((double) z[start + j + 1] - zt);
                s2 += w[j + 2] * ((double) z[start + j + 2] - zt);
                s3 += w[j + 3] * ((double) z[start + j + 3] - zt);
            }
        }
        for (; j < k; j++) {
            s0 += w[j] * ((double) z[start + j * stride] - zt);
        }
        double sum = (s0 + s1) + (s2 + s3);
        if (Double.isNaN(sum)) {
            sum = 0;
            for (int i = 0; i < k; i++) {
                if (w[i] != 0) {
                    sum += w[i] * ((double) z[start + i * stride] - zt);
                }
            }
        }
        return sum;
    }

    /** grad = α·grad − β·w along a row. */
    private static void scaleRow(float[] grad, int start, int k, int stride, float alpha, float beta, float[] w) {
        if (stride == 1) {
            int j = 0;
            for (; j <= k - L; j += L) {
                FloatVector gv = FloatVector.fromArray(S, grad, start + j).mul(alpha);
                if (beta != 0) {
                    gv = FloatVector.fromArray(S, w, j).mul(-beta).add(gv);
                }
                gv.intoArray(grad, start + j);
            }
            for (; j < k; j++) {
                grad[start + j] = alpha * grad[start + j] - beta * w[j];
            }
        } else {
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                grad[idx] = alpha * grad[idx] - beta * w[j];
            }
        }
    }

    void crossEntropy(float[] z, Layout l, float[] target, LossOptions o, float[] lossOut, float[] grad) {
        int rows = l.rows();
        int k = l.axisLength();
        int stride = l.inner();
        float[] w = weights(o, k);
        float eps = (float) o.labelSmoothing();
        double keep = 1 - (double) eps;
        double uniform = k == 0 ? 0 : (double) eps / k;
        float[] tc = ThreadArrays.floats(1, l.size());
        double[] cSum = new double[rows];
        for (int r = 0; r < rows; r++) {
            int start = l.rowStart(r);
            double sum = 0;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double c = w[j] * (keep * target[idx] + uniform);
                tc[idx] = (float) c;
                sum += c;
            }
            cSum[r] = o.hasWeight() ? sum : 1; // unweighted: the contract's y - t (a target row sums to 1)
            if (o.hasWeight() && sum != 0) {
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    tc[idx] = (float) (w[j] * (keep * target[idx] + uniform) / sum);
                }
            }
        }
        float[] rowLoss = ThreadArrays.floats(2, rows);
        if (k > 0) {
            ops.crossEntropy(z, l, null, tc, Reduction.NONE, rowLoss, grad);
        }
        Reduction reduction = o.reduction();
        double scale = reduction == Reduction.MEAN ? 1.0 / rows : 1;
        double[] losses = new double[rows];
        for (int r = 0; r < rows; r++) {
            losses[r] = cSum[r] * rowLoss[r];
            float alpha = (float) (cSum[r] * scale);
            if (alpha != 1) {
                scaleRow(grad, l.rowStart(r), k, stride, alpha, 0f, w);
            }
        }
        reduce(losses, reduction, rows, reduction == Reduction.MEAN && rows == 0, lossOut);
    }

    void nll(float[] x, Layout l, int[] labels, LossOptions o, float[] lossOut, float[] grad) {
        int rows = l.rows();
        double denominator = 0;
        for (int r = 0; r < rows; r++) {
            denominator += o.ignores(labels[r]) ? 0 : (float) o.weight(labels[r]);
        }
        Reduction reduction = o.reduction();
        boolean zero = reduction == Reduction.MEAN && denominator == 0;
        double scale = reduction == Reduction.MEAN ? 1 / denominator : 1;
        Arrays.fill(grad, 0f);
        double[] losses = new double[rows];
        for (int r = 0; r < rows; r++) {
            if (o.ignores(labels[r])) {
                continue;
            }
            float w = (float) o.weight(labels[r]);
            int idx = l.rowStart(r) + labels[r] * l.inner();
            losses[r] = w == 0 ? 0 : -(double) w * x[idx];
            grad[idx] = zero ? Float.NaN : (float) (-w * scale);
        }
        reduce(losses, reduction, denominator, zero, lossOut);
    }

    private static void reduce(double[] losses, Reduction reduction, double denominator, boolean zero,
                               float[] lossOut) {
        if (reduction == Reduction.NONE) {
            for (int r = 0; r < losses.length; r++) {
                lossOut[r] = (float) losses[r];
            }
        } else if (zero) {
            lossOut[0] = Float.NaN;
        } else {
            double sum = Sums.sum(losses);
            lossOut[0] = (float) (reduction == Reduction.MEAN ? sum / denominator : sum);
        }
    }
}
