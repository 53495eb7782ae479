package org.softmaxspi.simd;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * The float64 operations over a whole {@link Layout}: rows of the last axis are used in place;
 * softmax and log-softmax along an inner axis sweep contiguous row segments of 256 to 511 columns
 * ({@link DoubleRows#sweep}), and so do the backward passes ({@link DoubleRows#backwardSweep});
 * cross-entropy with labels along an inner axis runs the softmax sweep and fixes up the label
 * entries; with probability targets it transposes L slices at a time (a k×L block) into L
 * contiguous rows, runs the row kernel and transposes back; an inner dimension shorter than L
 * gathers each slice on its own.
 */
final class DoubleOps {

    private static final int L = DoubleRows.L;
    /** Rows of the last axis with at least 2·SEGMENT entries are split into segments between threads. */
    static final int SEGMENT = 1 << 16;
    /** Columns per work unit of a sweep along an inner axis (the last unit takes the rest). */
    private static final int SWEEP_COLUMNS = 256;
    /** The largest k·L for which an inner axis is transposed in blocks (buffers of 4 MiB per array at most). */
    private static final int MAX_BLOCK = 1 << 20;

    private final Parallel par;

    DoubleOps(Parallel par) {
        this.par = par;
    }

    // ------------------------------------------------------------------ softmax, log-softmax

    void softmax(double[] z, Layout l, double[] out, boolean log) {
        int k = l.axisLength();
        int rows = l.rows();
        if (k == 0 || rows == 0) {
            return;
        }
        long work = (long) rows * k;
        int inner = l.inner();
        if (inner == 1 && k >= 2 * SEGMENT) {
            for (int r = 0; r < rows; r++) {
                longRow(z, r * k, out, k, log);
            }
        } else if (inner == 1) {
            if (par.serial(work, rows)) {
                lastAxis(z, out, k, log, 0, rows);
            } else {
                par.run(rows, work, (a, b) -> lastAxis(z, out, k, log, a, b));
            }
        } else if (inner >= DoubleRows.L) {
            sweepUnits(l, work, (o, c0, c1) -> DoubleRows.sweep(z, out, o * k * inner, k, inner, c0, c1, log, null, null));
        } else {
            par.run(rows, work, (a, b) -> {
                double[] zb = new double[k];
                double[] ob = new double[k];
                for (int r = a; r < b; r++) {
                    int start = l.rowStart(r);
                    gather(z, start, inner, k, zb);
                    if (log) {
                        DoubleRows.logSoftmax(zb, 0, ob, 0, k);
                    } else {
                        DoubleRows.softmax(zb, 0, ob, 0, k);
                    }
                    scatter(ob, out, start, inner, k);
                }
            });
        }
    }

    /**
     * Softmax or log-softmax of one row of at least 2·SEGMENT entries, in segments of SEGMENT (the
     * last takes the rest) split between threads: segment maxima and minima, then per segment the
     * stored exps and their sum, the segment sums added with a compensated sum, then the scaling.
     * Segment bounds do not depend on the thread count, so neither do the results.
     */
    private void longRow(double[] z, int o, double[] out, int k, boolean log) {
        int segs = k / SEGMENT;
        double[] max = new double[segs];
        double[] min = new double[segs];
        par.run(segs, k, (a, b) -> {
            double[] mm = new double[2];
            for (int s = a; s < b; s++) {
                DoubleRows.maxMin(z, o + s * SEGMENT, segment(s, segs, k), mm);
                max[s] = mm[0];
                min[s] = mm[1];
            }
        });
        double m = max[0];
        double lowest = min[0];
        for (int s = 1; s < segs; s++) {
            m = max[s] > m ? max[s] : m;
            lowest = min[s] < lowest ? min[s] : lowest;
        }
        if (DoubleRows.nanRow(m)) {
            DoubleRows.fill(out, o, k, Double.NaN);
            return;
        }
        double mf = m;
        boolean fast = lowest - m >= DoubleExp.FAST_LO;
        double[] sums = new double[segs];
        par.run(segs, k, (a, b) -> {
            for (int s = a; s < b; s++) {
                int p = o + s * SEGMENT;
                sums[s] = DoubleRows.expSum(z, p, out, p, segment(s, segs, k), mf, fast);
            }
        });
        double total = Sums.sum(sums);
        double ls = (double) Math.log(total);
        double inv = (double) (1.0 / total);
        par.run(segs, k, (a, b) -> {
            for (int s = a; s < b; s++) {
                int p = o + s * SEGMENT;
                if (log) {
                    DoubleRows.subtract(z, p, out, p, segment(s, segs, k), mf, ls);
                } else {
                    DoubleRows.scale(out, p, segment(s, segs, k), inv);
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

    private static void lastAxis(double[] z, double[] out, int k, boolean log, int from, int to) {
        for (int r = from, o = from * k; r < to; r++, o += k) {
            if (log) {
                DoubleRows.logSoftmax(z, o, out, o, k);
            } else {
                DoubleRows.softmax(z, o, out, o, k);
            }
        }
    }

    static void gather(double[] src, int start, int stride, int k, double[] buf) {
        for (int j = 0, p = start; j < k; j++, p += stride) {
            buf[j] = src[p];
        }
    }

    static void scatter(double[] buf, double[] dst, int start, int stride, int k) {
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
    static void gatherBlock(double[] src, int start, int inner, int k, double[] buf) {
        for (int j = 0, p = start; j < k; j++, p += inner) {
            for (int lane = 0, b = j; lane < L; lane++, b += k) {
                buf[b] = src[p + lane];
            }
        }
    }

    /** The inverse of {@link #gatherBlock}. */
    static void scatterBlock(double[] buf, double[] dst, int start, int inner, int k) {
        for (int j = 0, p = start; j < k; j++, p += inner) {
            for (int lane = 0, b = j; lane < L; lane++, b += k) {
                dst[p + lane] = buf[b];
            }
        }
    }

    private static void backwardSweep(double[] y, double[] g, double[] out, int base, int k, int inner, int c0, int c1,
                                      boolean log) {
        if (log) {
            DoubleRows.logSoftmaxBackwardSweep(y, g, out, base, k, inner, c0, c1);
        } else {
            DoubleRows.backwardSweep(y, g, out, base, k, inner, c0, c1);
        }
    }

    // ------------------------------------------------------------------ Jacobian

    void jacobian(double[] z, Layout l, double[] out) {
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
                DoubleRows.jacobian(z, r * k, k, out, r * kk);
            }
            return;
        }
        par.run(rows, work, (a, b) -> {
            double[] zb = inner == 1 ? null : new double[k];
            for (int r = a; r < b; r++) {
                if (inner == 1) {
                    DoubleRows.jacobian(z, r * k, k, out, r * kk);
                } else {
                    gather(z, l.rowStart(r), inner, k, zb);
                    DoubleRows.jacobian(zb, 0, k, out, r * kk);
                }
            }
        });
    }

    // ------------------------------------------------------------------ backward passes

    void backward(double[] y, double[] g, Layout l, double[] out, boolean log) {
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
            double[] yb = new double[k];
            double[] gb = new double[k];
            double[] ob = new double[k];
            for (int r = a; r < b; r++) {
                int start = l.rowStart(r);
                gather(y, start, inner, k, yb);
                gather(g, start, inner, k, gb);
                if (log) {
                    DoubleRows.logSoftmaxBackward(yb, 0, gb, 0, ob, 0, k);
                } else {
                    DoubleRows.backward(yb, 0, gb, 0, ob, 0, k);
                }
                scatter(ob, out, start, inner, k);
            }
        });
    }

    private static void backwardRows(double[] y, double[] g, double[] out, int k, boolean log, int from, int to) {
        for (int r = from, o = from * k; r < to; r++, o += k) {
            if (log) {
                DoubleRows.logSoftmaxBackward(y, o, g, o, out, o, k);
            } else {
                DoubleRows.backward(y, o, g, o, out, o, k);
            }
        }
    }

    // ------------------------------------------------------------------ cross-entropy

    /** Labels ({@code target == null}) or probability targets. */
    void crossEntropy(double[] z, Layout l, int[] labels, double[] target, Reduction reduction,
                      double[] lossOut, double[] grad) {
        int k = l.axisLength();
        int rows = l.rows();
        if (rows == 0) {
            if (reduction != Reduction.NONE) {
                lossOut[0] = reduction == Reduction.MEAN ? Double.NaN : 0;
            }
            return;
        }
        double scale = reduction == Reduction.MEAN ? (double) (1.0 / rows) : 1;
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
            lossOut[0] = (double) (reduction == Reduction.MEAN ? Sums.mean(rowLoss) : Sums.sum(rowLoss));
        }
    }

    /**
     * Cross-entropy with labels along an inner axis, for the slices of columns {@code [c0, c1)} of
     * outer index {@code o}: the softmax sweep ({@link DoubleRows#sweep}) writes y into grad and
     * hands back each column's max and log S; the loss is {@code log S - (z[label] - m)} in double
     * (finite even where y underflows); the gradient is {@code y·scale}, and {@code (y - 1)·scale}
     * at the label.
     */
    private static void ceSweep(double[] z, int k, int inner, int[] labels, double scale, double[] lossOut,
                                double[] rowLoss, double[] grad, int o, int c0, int c1) {
        int w = c1 - c0;
        int base = o * k * inner;
        double[] m = new double[w];
        double[] logS = new double[w];
        DoubleRows.sweep(z, grad, base, k, inner, c0, c1, false, m, logS);
        int[] at = new int[w];
        double[] yLabel = new double[w];
        for (int i = 0; i < w; i++) {
            int r = o * inner + c0 + i;
            at[i] = base + labels[r] * inner + c0 + i;
            yLabel[i] = grad[at[i]];
            storeLoss(r, DoubleRows.nanRow(m[i]) ? Double.NaN : logS[i] - ((double) z[at[i]] - (double) m[i]),
                    rowLoss, lossOut);
        }
        if (scale != 1) {
            for (int j = 0, q = base + c0; j < k; j++, q += inner) {
                DoubleRows.scale(grad, q, w, scale);
            }
        }
        for (int i = 0; i < w; i++) {
            grad[at[i]] = (yLabel[i] - 1f) * scale;
        }
    }

    /** Cross-entropy with probability targets on an inner axis, L slices at a time in transposed blocks. */
    private static void ceBlocks(double[] z, Layout l, double[] target, double scale, double[] lossOut,
                                 double[] rowLoss, double[] grad, int groups, int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        double[] zb = new double[L * k];
        double[] tb = new double[L * k];
        double[] gb = new double[L * k];
        for (int u = from; u < to; u++) {
            int r0 = firstRow(u, inner, groups);
            int start = l.rowStart(r0);
            gatherBlock(z, start, inner, k, zb);
            gatherBlock(target, start, inner, k, tb);
            for (int lane = 0; lane < L; lane++) {
                int o = lane * k;
                storeLoss(r0 + lane, DoubleRows.crossEntropy(zb, o, k, -1, tb, o, scale, gb, o), rowLoss, lossOut);
            }
            scatterBlock(gb, grad, start, inner, k);
        }
    }

    private static void ceRows(double[] z, Layout l, int[] labels, double[] target, double scale, double[] lossOut,
                               double[] rowLoss, double[] grad, int from, int to) {
        int k = l.axisLength();
        int inner = l.inner();
        double[] zb = null;
        double[] tb = null;
        double[] gb = null;
        if (inner != 1) {
            zb = new double[k];
            tb = target == null ? null : new double[k];
            gb = new double[k];
        }
        for (int r = from; r < to; r++) {
            double loss;
            int label = labels == null ? -1 : labels[r];
            if (inner == 1) {
                loss = DoubleRows.crossEntropy(z, r * k, k, label, target, r * k, scale, grad, r * k);
            } else {
                int start = l.rowStart(r);
                gather(z, start, inner, k, zb);
                if (tb != null) {
                    gather(target, start, inner, k, tb);
                }
                loss = DoubleRows.crossEntropy(zb, 0, k, label, tb, 0, scale, gb, 0);
                scatter(gb, grad, start, inner, k);
            }
            storeLoss(r, loss, rowLoss, lossOut);
        }
    }

    /** Row r's loss: into rowLoss when the losses are reduced afterwards, else rounded into lossOut. */
    private static void storeLoss(int r, double loss, double[] rowLoss, double[] lossOut) {
        if (rowLoss != null) {
            rowLoss[r] = loss;
        } else {
            lossOut[r] = (double) loss;
        }
    }
}
