package org.softmaxspi.simd;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * The float32 operations over a whole {@link Layout}: rows of the last axis are used in place;
 * softmax and log-softmax along an inner axis, and cross-entropy with probability targets, transpose
 * L slices at a time (a k×L block) into L contiguous rows, run the row kernel and transpose back, so
 * that every axis gets the last axis's bits (an inner dimension shorter than L, or a block over
 * {@value #MAX_BLOCK} entries, gathers each slice on its own; a slice of at least 2·SEGMENT entries is
 * gathered and run as a long row); the backward passes sweep contiguous
 * row segments of 256 to 511 columns ({@link FloatRows#backwardSweep}); cross-entropy with labels
 * along an inner axis runs the softmax sweep ({@link FloatRows#sweep}) and fixes up the label entries.
 */
final class FloatOps {

    private static final int L = FloatRows.L;
    /** Rows of the last axis with at least 2·SEGMENT entries are split into segments between threads. */
    static final int SEGMENT = 1 << 16;
    /** Columns per work unit of a sweep along an inner axis (the last unit takes the rest). */
    private static final int SWEEP_COLUMNS = 256;
    /** The largest k·L for which an inner axis is transposed in blocks (buffers of 4 MiB per array at most). */
    private static final int MAX_BLOCK = 1 << 20;

    private final Parallel par;

    FloatOps(Parallel par) {
        this.par = par;
    }

    // ------------------------------------------------------------------ softmax, log-softmax

    /**
     * Softmax ({@code log} false) or log-softmax of {@code z} into {@code out}; with {@code zl} (else null) of
     * the pairs {@code z + zl} (see {@link FloatRows#softmax}).
     */
    void softmax(float[] z, float[] zl, Layout l, float[] out, boolean log) {
        int k = l.axisLength();
        int rows = l.rows();
        if (k == 0 || rows == 0) {
            return;
        }
        long work = (long) rows * k;
        int inner = l.inner();
        if (inner == 1 && k >= 2 * SEGMENT) {
            for (int r = 0; r < rows; r++) {
                longRow(z, zl, r * k, out, k, log);
            }
        } else if (inner == 1) {
            if (par.serial(work, rows)) {
                lastAxis(z, zl, out, k, log, 0, rows);
            } else {
                par.run(rows, work, (a, b) -> lastAxis(z, zl, out, k, log, a, b));
            }
        } else if (k >= 2 * SEGMENT) {
            gatheredSlices(z, zl, l, out, log, 0, rows); // each a long row, split between threads inside
        } else if (blocked(inner, k)) {
            int groups = groups(inner);
            par.run(l.outer() * groups, work, (a, b) -> softmaxBlocks(z, zl, l, out, log, groups, a, b));
        } else {
            par.run(rows, work, (a, b) -> gatheredSlices(z, zl, l, out, log, a, b));
        }
    }

    /**
     * Slices {@code [from, to)} of an inner axis, each gathered into a row and run as the last axis runs it (a
     * long row for k >= 2·SEGMENT), so with the same bits.
     */
    private void gatheredSlices(float[] z, float[] zl, Layout l, float[] out, boolean log, int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        float[] zb = new float[k];
        float[] zlb = zl == null ? null : new float[k];
        float[] ob = new float[k];
        for (int r = from; r < to; r++) {
            int start = l.rowStart(r);
            gather(z, start, inner, k, zb);
            if (zl != null) {
                gather(zl, start, inner, k, zlb);
            }
            if (k >= 2 * SEGMENT) {
                longRow(zb, zlb, 0, ob, k, log);
            } else {
                row(zb, zlb, 0, ob, 0, k, log);
            }
            scatter(ob, out, start, inner, k);
        }
    }

    private static void row(float[] z, float[] zl, int zo, float[] out, int oo, int k, boolean log) {
        if (log) {
            FloatRows.logSoftmax(z, zl, zo, out, oo, k);
        } else {
            FloatRows.softmax(z, zl, zo, out, oo, k);
        }
    }

    /** Softmax or log-softmax along an inner axis, L slices at a time in transposed blocks (units as {@link #ceBlocks}). */
    private static void softmaxBlocks(float[] z, float[] zl, Layout l, float[] out, boolean log, int groups,
                                      int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        float[] zb = new float[L * k];
        float[] zlb = zl == null ? null : new float[L * k];
        float[] ob = new float[L * k];
        for (int u = from; u < to; u++) {
            int start = l.rowStart(firstRow(u, inner, groups));
            gatherBlock(z, start, inner, k, zb);
            if (zl != null) {
                gatherBlock(zl, start, inner, k, zlb);
            }
            for (int lane = 0; lane < L; lane++) {
                row(zb, zlb, lane * k, ob, lane * k, k, log);
            }
            scatterBlock(ob, out, start, inner, k);
        }
    }

    /**
     * Softmax or log-softmax of one row of at least 2·SEGMENT entries, in segments of SEGMENT (the
     * last takes the rest) split between threads: segment maxima and minima, then per segment the
     * stored split exps (the low parts in the calling thread's {@link FloatRows#low} room) and their sum, the
     * segment sums added with a compensated sum, then the scaling, as {@link FloatRows#softmax} does for a row.
     * Segment bounds do not depend on the thread count, so neither do the results.
     */
    private void longRow(float[] z, float[] zl, int o, float[] out, int k, boolean log) {
        int segs = k / SEGMENT;
        float[] max = new float[segs];
        float[] min = new float[segs];
        par.run(segs, k, (a, b) -> {
            float[] mm = new float[2];
            for (int s = a; s < b; s++) {
                FloatRows.maxMin(z, o + s * SEGMENT, segment(s, segs, k), mm);
                max[s] = mm[0];
                min[s] = mm[1];
            }
        });
        float m = max[0];
        float lowest = min[0];
        for (int s = 1; s < segs; s++) {
            m = max[s] > m ? max[s] : m;
            lowest = min[s] < lowest ? min[s] : lowest;
        }
        if (FloatRows.nanRow(m)) {
            FloatRows.fill(out, o, k, Float.NaN);
            return;
        }
        float mf = m;
        boolean fast = lowest - m >= FloatExp.FAST_LO;
        // the first segment holding the maximum sums from -1, the others from 0: their total is S - 1
        int first = 0;
        while (max[first] != m) {
            first++;
        }
        int withMax = first;
        float[] lo = FloatRows.low(k);
        double[] sums = new double[2 * segs];
        par.run(segs, k, (a, b) -> {
            double[] pair = new double[2];
            for (int s = a; s < b; s++) {
                int p = o + s * SEGMENT;
                FloatRows.expSumSplit(z, zl, p, out, p, lo, s * SEGMENT, segment(s, segs, k), mf, fast,
                        s == withMax ? -1 : 0, pair);
                sums[2 * s] = pair[0];
                sums[2 * s + 1] = pair[1];
            }
        });
        double[] s1 = new double[2];
        FloatRows.sumPairs(sums, s1);
        // log S for the log-softmax, R = 1/S for the softmax: only the one this call needs
        float[] ls = new float[2];
        float[] r = new float[2];
        if (log) {
            FloatRows.logOnePlus(s1, ls);
        } else {
            FloatRows.reciprocal(s1, fast, r);
        }
        par.run(segs, k, (a, b) -> {
            for (int s = a; s < b; s++) {
                int p = o + s * SEGMENT;
                if (log) {
                    FloatRows.subtractSplit(z, zl, p, out, p, segment(s, segs, k), mf, ls[0], ls[1]);
                } else {
                    FloatRows.scaleSplit(out, p, lo, s * SEGMENT, segment(s, segs, k), r[0], r[1]);
                }
            }
        });
    }

    /** A unit of an inner-axis sweep: the slices of columns {@code [c0, c1)} of outer index {@code o}. */
    private interface ColumnRange {
        void run(int o, int c0, int c1);
    }

    /**
     * Runs {@code body} over the units of an inner-axis sweep, split between threads: per outer
     * index, columns in chunks of SWEEP_COLUMNS, the last chunk taking the rest (so every chunk has
     * at least min(inner, SWEEP_COLUMNS) columns).
     */
    private void sweepUnits(Layout l, long work, ColumnRange body) {
        int inner = l.inner();
        int chunks = Math.max(1, inner / SWEEP_COLUMNS);
        par.run(l.outer() * chunks, work, (a, b) -> {
            for (int u = a; u < b; u++) {
                int o = u / chunks;
                int c = u - o * chunks;
                body.run(o, c * SWEEP_COLUMNS, c == chunks - 1 ? inner : (c + 1) * SWEEP_COLUMNS);
            }
        });
    }

    private static int segment(int s, int segs, int k) {
        return s == segs - 1 ? k - s * SEGMENT : SEGMENT;
    }

    private static void lastAxis(float[] z, float[] zl, float[] out, int k, boolean log, int from, int to) {
        for (int r = from, o = from * k; r < to; r++, o += k) {
            row(z, zl, o, out, o, k, log);
        }
    }

    static void gather(float[] src, int start, int stride, int k, float[] buf) {
        for (int j = 0, p = start; j < k; j++, p += stride) {
            buf[j] = src[p];
        }
    }

    static void scatter(float[] buf, float[] dst, int start, int stride, int k) {
        for (int j = 0, p = start; j < k; j++, p += stride) {
            dst[p] = buf[j];
        }
    }

    /** Whether an inner axis is worked on in transposed blocks of L slices. */
    private static boolean blocked(int inner, int k) {
        return inner >= L && (long) k * L <= MAX_BLOCK;
    }

    /** Work units of the blocked path: per outer index, ceil(inner / L) groups of L slices. */
    private static int groups(int inner) {
        return (inner + L - 1) / L;
    }

    /**
     * The first slice (row number of the layout) of block unit {@code u}; the last group of an outer
     * index overlaps the one before instead of running short (its slices are computed twice, to the
     * same bits).
     */
    private static int firstRow(int u, int inner, int groups) {
        int o = u / groups;
        return o * inner + Math.min((u - o * groups) * L, inner - L);
    }

    /** buf[lane·k + j] = src[start + j·inner + lane] for the L slices starting at {@code start}. */
    static void gatherBlock(float[] src, int start, int inner, int k, float[] buf) {
        for (int j = 0, p = start; j < k; j++, p += inner) {
            for (int lane = 0, b = j; lane < L; lane++, b += k) {
                buf[b] = src[p + lane];
            }
        }
    }

    /** The inverse of {@link #gatherBlock}. */
    static void scatterBlock(float[] buf, float[] dst, int start, int inner, int k) {
        for (int j = 0, p = start; j < k; j++, p += inner) {
            for (int lane = 0, b = j; lane < L; lane++, b += k) {
                dst[p + lane] = buf[b];
            }
        }
    }

    private static void backwardSweep(float[] y, float[] g, float[] out, int base, int k, int inner, int c0, int c1,
                                      boolean log) {
        if (log) {
            FloatRows.logSoftmaxBackwardSweep(y, g, out, base, k, inner, c0, c1);
        } else {
            FloatRows.backwardSweep(y, g, out, base, k, inner, c0, c1);
        }
    }

    // ------------------------------------------------------------------ Jacobian

    /** The Jacobian of the softmax of {@code z} (with {@code zl}: of {@code z + zl}) into {@code out}. */
    void jacobian(float[] z, float[] zl, Layout l, float[] out) {
        int k = l.axisLength();
        int rows = l.rows();
        if (k == 0 || rows == 0) {
            return;
        }
        long work = (long) rows * k * k;
        int inner = l.inner();
        int kk = k * k;
        if (inner == 1 && par.serial(work, rows)) {
            for (int r = 0; r < rows; r++) {
                FloatRows.jacobian(z, zl, r * k, k, out, r * kk);
            }
            return;
        }
        par.run(rows, work, (a, b) -> {
            float[] zb = inner == 1 ? null : new float[k];
            float[] zlb = inner == 1 || zl == null ? null : new float[k];
            for (int r = a; r < b; r++) {
                if (inner == 1) {
                    FloatRows.jacobian(z, zl, r * k, k, out, r * kk);
                } else {
                    gather(z, l.rowStart(r), inner, k, zb);
                    if (zlb != null) {
                        gather(zl, l.rowStart(r), inner, k, zlb);
                    }
                    FloatRows.jacobian(zb, zlb, 0, k, out, r * kk);
                }
            }
        });
    }

    // ------------------------------------------------------------------ backward passes

    void backward(float[] y, float[] g, Layout l, float[] out, boolean log) {
        int k = l.axisLength();
        int rows = l.rows();
        if (k == 0 || rows == 0) {
            return;
        }
        long work = (long) rows * k;
        int inner = l.inner();
        if (inner == 1 && par.serial(work, rows)) {
            backwardRows(y, g, out, k, log, 0, rows);
            return;
        }
        if (inner >= L) {
            sweepUnits(l, work, (o, c0, c1) -> {
                int whole = c0 + (c1 - c0) / L * L;
                backwardSweep(y, g, out, o * k * inner, k, inner, c0, whole, log);
                if (whole < c1) {
                    // the last columns: one more vector's width ending at c1, on its own (its
                    // first columns are computed again, to the same bits)
                    backwardSweep(y, g, out, o * k * inner, k, inner, c1 - L, c1, log);
                }
            });
            return;
        }
        par.run(rows, work, (a, b) -> {
            if (inner == 1) {
                backwardRows(y, g, out, k, log, a, b);
                return;
            }
            float[] yb = new float[k];
            float[] gb = new float[k];
            float[] ob = new float[k];
            for (int r = a; r < b; r++) {
                int start = l.rowStart(r);
                gather(y, start, inner, k, yb);
                gather(g, start, inner, k, gb);
                if (log) {
                    FloatRows.logSoftmaxBackward(yb, 0, gb, 0, ob, 0, k);
                } else {
                    FloatRows.backward(yb, 0, gb, 0, ob, 0, k);
                }
                scatter(ob, out, start, inner, k);
            }
        });
    }

    private static void backwardRows(float[] y, float[] g, float[] out, int k, boolean log, int from, int to) {
        for (int r = from, o = from * k; r < to; r++, o += k) {
            if (log) {
                FloatRows.logSoftmaxBackward(y, o, g, o, out, o, k);
            } else {
                FloatRows.backward(y, o, g, o, out, o, k);
            }
        }
    }

    // ------------------------------------------------------------------ cross-entropy

    /** Labels ({@code target == null}) or probability targets. */
    void crossEntropy(float[] z, Layout l, int[] labels, float[] target, Reduction reduction,
                      float[] lossOut, float[] grad) {
        int k = l.axisLength();
        int rows = l.rows();
        if (rows == 0) {
            if (reduction != Reduction.NONE) {
                lossOut[0] = reduction == Reduction.MEAN ? Float.NaN : 0;
            }
            return;
        }
        float scale = reduction == Reduction.MEAN ? (float) (1.0 / rows) : 1;
        double[] rowLoss = reduction == Reduction.NONE ? null : new double[rows];
        long work = (long) rows * Math.max(k, 1);
        int inner = l.inner();
        if (inner == 1 && par.serial(work, rows)) {
            ceRows(z, l, labels, target, scale, lossOut, rowLoss, grad, 0, rows);
        } else if (labels != null && inner >= L) {
            sweepUnits(l, work, (o, c0, c1) -> ceSweep(z, k, inner, labels, scale, lossOut, rowLoss, grad, o, c0, c1));
        } else if (blocked(inner, k)) {
            int groups = groups(inner);
            par.run(l.outer() * groups, work,
                    (a, b) -> ceBlocks(z, l, target, scale, lossOut, rowLoss, grad, groups, a, b));
        } else {
            par.run(rows, work, (a, b) -> ceRows(z, l, labels, target, scale, lossOut, rowLoss, grad, a, b));
        }
        if (rowLoss != null) {
            lossOut[0] = (float) reduce(z, l, labels, target, rowLoss, reduction == Reduction.MEAN);
        }
    }

    /**
     * The mean or sum of the row losses. When that is +∞, the rows whose loss is +∞ are recomputed as halves
     * ({@link #halfLoss}) and the reduction is taken over halves and doubled: a row loss past MAX (z − m of −MAX
     * next to +MAX overflows) is finite as a half, and so may be the mean (the soak run found ∞ for a float64 mean
     * of 1.09e308). Only float64 data can get there (float32 losses are computed in double).
     */
    private static double reduce(float[] z, Layout l, int[] labels, float[] target, double[] rowLoss, boolean mean) {
        double r = mean ? Sums.mean(rowLoss) : Sums.sum(rowLoss);
        if (r != Double.POSITIVE_INFINITY) {
            return r;
        }
        double[] half = new double[rowLoss.length];
        for (int i = 0; i < half.length; i++) {
            half[i] = rowLoss[i] == Double.POSITIVE_INFINITY ? halfLoss(z, l, i, labels, target) : rowLoss[i] * 0.5;
        }
        return 2 * (mean ? Sums.mean(half) : Sums.sum(half));
    }

    /**
     * Half of row {@code r}'s loss, in double with compensated sums: {@code ½log S − (½z − ½m)} at the label, or
     * {@code Σ t·½log S + (½t·m − ½t·z)} over the targets; +∞ only for a true infinity (a label or a target on a
     * −∞ logit).
     */
    private static double halfLoss(float[] z, Layout l, int r, int[] labels, float[] t) {
        int k = l.axisLength();
        int inner = l.inner();
        int start = l.rowStart(r);
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0, q = start; j < k; j++, q += inner) {
            m = Math.max(m, z[q]);
        }
        double[] terms = new double[k];
        for (int j = 0, q = start; j < k; j++, q += inner) {
            terms[j] = Math.exp(z[q] - m);
        }
        double halfLogS = 0.5 * Math.log(Sums.sum(terms));
        if (labels != null) {
            double zl = z[start + labels[r] * inner];
            return halfLogS - (0.5 * zl - 0.5 * m);
        }
        for (int j = 0, q = start; j < k; j++, q += inner) {
            double tv = t[q];
            terms[j] = tv == 0 ? 0 : tv * halfLogS + (0.5 * tv * m - 0.5 * tv * z[q]);
        }
        return Sums.sum(terms);
    }

    /**
     * Cross-entropy with labels along an inner axis, for the slices of columns {@code [c0, c1)} of
     * outer index {@code o}: the softmax sweep ({@link FloatRows#sweep}) writes y into grad and
     * hands back each column's max and log S; the loss is {@code log S - (z[label] - m)} in double
     * (finite even where y underflows); the gradient is {@code y·scale}, and {@code (y - 1)·scale}
     * at the label.
     */
    private static void ceSweep(float[] z, int k, int inner, int[] labels, float scale, float[] lossOut,
                                double[] rowLoss, float[] grad, int o, int c0, int c1) {
        int w = c1 - c0;
        int base = o * k * inner;
        float[] m = new float[w];
        double[] logS = new double[w];
        FloatRows.sweep(z, grad, base, k, inner, c0, c1, m, logS);
        int[] at = new int[w];
        float[] yLabel = new float[w];
        for (int i = 0; i < w; i++) {
            int r = o * inner + c0 + i;
            at[i] = base + labels[r] * inner + c0 + i;
            yLabel[i] = grad[at[i]];
            storeLoss(r, FloatRows.nanRow(m[i]) ? Double.NaN : logS[i] - ((double) z[at[i]] - (double) m[i]),
                    rowLoss, lossOut);
        }
        if (scale != 1) {
            for (int j = 0, q = base + c0; j < k; j++, q += inner) {
                FloatRows.scale(grad, q, w, scale);
            }
        }
        for (int i = 0; i < w; i++) {
            grad[at[i]] = (yLabel[i] - 1f) * scale;
        }
    }

    /** Cross-entropy with probability targets on an inner axis, L slices at a time in transposed blocks. */
    private static void ceBlocks(float[] z, Layout l, float[] target, float scale, float[] lossOut,
                                 double[] rowLoss, float[] grad, int groups, int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        float[] zb = new float[L * k];
        float[] tb = new float[L * k];
        float[] gb = new float[L * k];
        for (int u = from; u < to; u++) {
            int r0 = firstRow(u, inner, groups);
            int start = l.rowStart(r0);
            gatherBlock(z, start, inner, k, zb);
            gatherBlock(target, start, inner, k, tb);
            for (int lane = 0; lane < L; lane++) {
                int o = lane * k;
                storeLoss(r0 + lane, FloatRows.crossEntropy(zb, o, k, -1, tb, o, scale, gb, o), rowLoss, lossOut);
            }
            scatterBlock(gb, grad, start, inner, k);
        }
    }

    private static void ceRows(float[] z, Layout l, int[] labels, float[] target, float scale, float[] lossOut,
                               double[] rowLoss, float[] grad, int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        float[] zb = null;
        float[] tb = null;
        float[] gb = null;
        if (inner != 1) {
            zb = new float[k];
            tb = target == null ? null : new float[k];
            gb = new float[k];
        }
        for (int r = from; r < to; r++) {
            double loss;
            int label = labels == null ? -1 : labels[r];
            if (inner == 1) {
                loss = FloatRows.crossEntropy(z, r * k, k, label, target, r * k, scale, grad, r * k);
            } else {
                int start = l.rowStart(r);
                gather(z, start, inner, k, zb);
                if (tb != null) {
                    gather(target, start, inner, k, tb);
                }
                loss = FloatRows.crossEntropy(zb, 0, k, label, tb, 0, scale, gb, 0);
                scatter(gb, grad, start, inner, k);
            }
            storeLoss(r, loss, rowLoss, lossOut);
        }
    }

    /** Row r's loss: into rowLoss when the losses are reduced afterwards, else rounded into lossOut. */
    private static void storeLoss(int r, double loss, double[] rowLoss, float[] lossOut) {
        if (rowLoss != null) {
            rowLoss[r] = loss;
        } else {
            lossOut[r] = (float) loss;
        }
    }
}
