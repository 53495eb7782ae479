package org.softmaxspi.simd;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * The float32 operations over a whole {@link Layout}: rows of the last axis are used in place;
 * softmax and log-softmax along an inner axis run on columns ({@link FloatRows#columns}); every
 * other case gathers each slice into a contiguous buffer and scatters the result back.
 */
final class FloatOps {

    /** Columns per work unit on an inner axis (a multiple of the vector length). */
    private static final int COLUMN_BLOCK = 4 * FloatRows.L;

    private final Parallel par;

    FloatOps(Parallel par) {
        this.par = par;
    }

    // ------------------------------------------------------------------ softmax, log-softmax

    void softmax(float[] z, Layout l, float[] out, boolean log) {
        int k = l.axisLength();
        int rows = l.rows();
        if (k == 0 || rows == 0) {
            return;
        }
        long work = (long) rows * k;
        int inner = l.inner();
        if (inner == 1) {
            if (par.serial(work, rows)) {
                lastAxis(z, out, k, log, 0, rows);
            } else {
                par.run(rows, work, (a, b) -> lastAxis(z, out, k, log, a, b));
            }
        } else if (inner >= FloatRows.L) {
            int blocks = Math.max(1, inner / COLUMN_BLOCK);
            int units = l.outer() * blocks;
            par.run(units, work, (a, b) -> columns(z, out, k, inner, blocks, log, a, b));
        } else {
            par.run(rows, work, (a, b) -> {
                float[] zb = new float[k];
                float[] ob = new float[k];
                for (int r = a; r < b; r++) {
                    int start = l.rowStart(r);
                    gather(z, start, inner, k, zb);
                    if (log) {
                        FloatRows.logSoftmax(zb, 0, ob, 0, k);
                    } else {
                        FloatRows.softmax(zb, 0, ob, 0, k);
                    }
                    scatter(ob, out, start, inner, k);
                }
            });
        }
    }

    private static void lastAxis(float[] z, float[] out, int k, boolean log, int from, int to) {
        for (int r = from, o = from * k; r < to; r++, o += k) {
            if (log) {
                FloatRows.logSoftmax(z, o, out, o, k);
            } else {
                FloatRows.softmax(z, o, out, o, k);
            }
        }
    }

    private static void columns(float[] z, float[] out, int k, int inner, int blocks, boolean log, int from, int to) {
        float[] scratch = new float[FloatRows.L];
        for (int u = from; u < to; u++) {
            int o = u / blocks;
            int b = u - o * blocks;
            int c0 = b * COLUMN_BLOCK;
            int c1 = b == blocks - 1 ? inner : c0 + COLUMN_BLOCK;
            int base = o * k * inner;
            for (int c = c0; c < c1; c += FloatRows.L) {
                FloatRows.columns(z, out, base + Math.min(c, c1 - FloatRows.L), k, inner, log, scratch);
            }
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

    // ------------------------------------------------------------------ Jacobian

    void jacobian(float[] z, Layout l, float[] out) {
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
                FloatRows.jacobian(z, r * k, k, out, r * kk);
            }
            return;
        }
        par.run(rows, work, (a, b) -> {
            float[] zb = inner == 1 ? null : new float[k];
            for (int r = a; r < b; r++) {
                if (inner == 1) {
                    FloatRows.jacobian(z, r * k, k, out, r * kk);
                } else {
                    gather(z, l.rowStart(r), inner, k, zb);
                    FloatRows.jacobian(zb, 0, k, out, r * kk);
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
        } else {
            par.run(rows, work, (a, b) -> ceRows(z, l, labels, target, scale, lossOut, rowLoss, grad, a, b));
        }
        if (rowLoss != null) {
            lossOut[0] = (float) (reduction == Reduction.MEAN ? Sums.mean(rowLoss) : Sums.sum(rowLoss));
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
            if (rowLoss != null) {
                rowLoss[r] = loss;
            } else {
                lossOut[r] = (float) loss;
            }
        }
    }
}
