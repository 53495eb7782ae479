package org.softmaxspi.nd4j;

import java.util.Arrays;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarDivision;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Negative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;

/**
 * The ND4J kernel: every operation is a short sequence of ND4J ops, run in float64 on
 * {@code [rows, K]} arrays with the class axis last.
 *
 * <h2>Which ND4J ops, and why not ND4J's softmax family directly</h2>
 * <ul>
 *   <li>softmax: {@code Max}, {@code SubOp}, {@code Exp}, row sum, {@code DivOp}. Log-softmax:
 *       {@code Max}, {@code SubOp}, {@code Exp}, row sum, {@code Log}, {@code SubOp}. ND4J's
 *       {@code log_softmax} op computes {@code log(softmax)} and underflows to {@code -∞} for gaps
 *       beyond ~88 (float) / ~745 (double); its {@code softmax}/{@code log_softmax} return 1 / 0 for
 *       K = 1 even for NaN or ±∞ inputs; and its {@code reduce_sum} is not accurate enough for the
 *       suite's long rows. The composition also gives the API's special values for free: a NaN or
 *       {@code +∞} entry, or a row of {@code -∞}, turns {@code x - max} into NaN for the whole row.</li>
 *   <li>Row sums: float64 callers get a pairwise tree of ND4J adds ({@link Scratch.Fold});
 *       float32 callers are computed in float64 (ND4J {@code assign} casts), where ND4J's
 *       {@code Sum} is ample, and rounded once at the end.</li>
 *   <li>Jacobian: softmax, then the batched outer product {@code y yᵀ} with rank-3
 *       {@code Nd4j.matmul} ({@code [rows,K,1] x [rows,1,K]}), negated, plus {@code y} added on the
 *       diagonal through a strided view.</li>
 *   <li>Backward from y and g: {@code y ⊙ (g - Σ g⊙y)} with {@code MulOp}, row sum, {@code SubOp},
 *       {@code MulOp} ({@code SoftmaxBp} wants the logits, which this API does not have).
 *       Log-softmax backward: {@code g - exp(l)·Σg}. A row with a non-finite input becomes NaN
 *       through an added row term {@code Σ (a + b)·0} (0, or NaN).</li>
 *   <li>Cross-entropy: the log-softmax as above, one-hot targets from labels with ND4J's
 *       {@code OneHot}, {@code t·logp} where {@code t > 0} and 0 elsewhere
 *       ({@code BooleanIndexing.replaceWhere}, so a zero target on a {@code -∞} logit counts 0), row
 *       sums, {@code Negative}; gradient {@code (y - t)}, divided by rows for the mean. ND4J's
 *       {@code LossMCXENT} clips probabilities to 1e-10 and is not used.</li>
 * </ul>
 *
 * <h2>Memory and copies</h2>
 * Each thread keeps a small LRU cache of native buffers per layout and dtype ({@link ScratchCache}:
 * at most {@value #CACHE_ENTRIES} layouts and {@value #CACHE_BYTES} bytes per thread; larger calls use
 * fresh buffers that are closed right after). Every call copies its inputs from the Java arrays into
 * native memory (one bulk {@code put}) and its outputs back (one bulk {@code get}); a float32 call or
 * an axis other than the last adds one native cast/transpose pass each way. Nothing else is allocated
 * per call; evicted buffers are closed at once.
 *
 * <p>Empty inputs (K = 0 or no rows) return before any native call: ND4J's softmax ops can crash the
 * JVM on arrays with a zero dimension.
 */
final class Nd4jKernel implements SoftmaxKernel {

    static final int CACHE_ENTRIES = 8;
    static final long CACHE_BYTES = 64L << 20;

    private final ThreadLocal<ScratchCache<Scratch.Key, Scratch>> caches =
            ThreadLocal.withInitial(() -> new ScratchCache<>(CACHE_ENTRIES, CACHE_BYTES));

    private void run(Layout l, boolean float64, Consumer<Scratch> work) {
        ScratchCache<Scratch.Key, Scratch> cache = caches.get();
        Scratch.Key key = new Scratch.Key(l, float64);
        Scratch s = cache.acquire(key, Scratch::new);
        try {
            work.accept(s);
        } finally {
            cache.release(key);
        }
    }

    /** The current thread's cache (for tests). */
    ScratchCache<Scratch.Key, Scratch> cache() {
        return caches.get();
    }

    // ---------------------------------------------------------------- softmax

    @Override
    public void softmax(float[] logits, Layout l, float[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, false, s -> {
            softmax(s, s.load(0, logits), s.y());
            s.store(out);
        });
    }

    @Override
    public void softmax(double[] logits, Layout l, double[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, true, s -> {
            softmax(s, s.load(0, logits), s.y());
            s.store(out);
        });
    }

    /** y = exp(x - max) / Σ exp(x - max), all [rows, K] float64. */
    private static void softmax(Scratch s, INDArray x, INDArray y) {
        INDArray m = s.perRow("m");
        INDArray sum = s.perRow("s");
        INDArray e = s.temp("t1");
        Nd4j.exec(new Max(x, m, true, 1));
        Nd4j.exec(new SubOp(x, m, e));
        Nd4j.exec(new Exp(e, e));
        INDArray work = e;
        if (s.float64) {
            work = s.temp("t2");
            work.assign(e);
        }
        s.rowSum("t2", work, sum);
        Nd4j.exec(new DivOp(e, sum, y));
    }

    // ------------------------------------------------------------ log-softmax

    @Override
    public void logSoftmax(float[] logits, Layout l, float[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, false, s -> {
            logSoftmax(s, s.load(0, logits), s.y());
            s.store(out);
        });
    }

    @Override
    public void logSoftmax(double[] logits, Layout l, double[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, true, s -> {
            logSoftmax(s, s.load(0, logits), s.y());
            s.store(out);
        });
    }

    /** out = (x - max) - log Σ exp(x - max); never log(softmax). */
    private static void logSoftmax(Scratch s, INDArray x, INDArray out) {
        INDArray m = s.perRow("m");
        INDArray sum = s.perRow("s");
        INDArray d = s.temp("t1");
        INDArray e = s.temp("t2");
        Nd4j.exec(new Max(x, m, true, 1));
        Nd4j.exec(new SubOp(x, m, d));
        Nd4j.exec(new Exp(d, e));
        s.rowSum("t2", e, sum);
        Nd4j.exec(new Log(sum, sum));
        Nd4j.exec(new SubOp(d, sum, out));
    }

    // --------------------------------------------------------------- jacobian

    @Override
    public void jacobian(float[] logits, Layout l, float[] out) {
        if (out.length == 0) {
            return;
        }
        run(l, false, s -> {
            INDArray j = jacobian(s, s.load(0, logits));
            s.storeFlat("jacobianOut", j, out);
        });
    }

    @Override
    public void jacobian(double[] logits, Layout l, double[] out) {
        if (out.length == 0) {
            return;
        }
        run(l, true, s -> {
            INDArray j = jacobian(s, s.load(0, logits));
            s.storeFlat("jacobianOut", j, out);
        });
    }

    /** J = diag(y) - y yᵀ per row, as [rows, K, K] float64. */
    private static INDArray jacobian(Scratch s, INDArray x) {
        int rows = s.rows;
        int k = s.k;
        INDArray y = s.temp("t3");
        softmax(s, x, y);
        INDArray j = s.array("jacobian", DataType.DOUBLE, rows, k, k);
        INDArray col = s.view("t3col", () -> y.reshape('c', rows, k, 1));
        INDArray row = s.view("t3row", () -> y.reshape('c', rows, 1, k));
        Nd4j.matmul(col, row, j);                                   // y_i y_j
        Nd4j.exec(new Negative(j, j));                              // -y_i y_j
        INDArray diag = s.view("diag", () -> k == 1 ? j.reshape('c', rows, 1)
                : j.reshape('c', rows, (long) k * k).get(NDArrayIndex.all(),
                        NDArrayIndex.interval(0, k + 1, (long) k * k)));
        Nd4j.exec(new AddOp(diag, y, diag));                        // y_i - y_i^2 on the diagonal
        return j;
    }

    // --------------------------------------------------------------- backward

    @Override
    public void backward(float[] y, float[] upstream, Layout l, float[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, false, s -> {
            backward(s, s.load(0, y), s.load(1, upstream), s.y());
            s.store(out);
        });
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout l, double[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, true, s -> {
            backward(s, s.load(0, y), s.load(1, upstream), s.y());
            s.store(out);
        });
    }

    /** out = y ⊙ (g - Σ g⊙y); a row with a non-finite y or g is NaN. */
    private static void backward(Scratch s, INDArray y, INDArray g, INDArray out) {
        INDArray dot = s.perRow("s");
        INDArray t1 = s.temp("t1");
        INDArray t2 = s.temp("t2");
        Nd4j.exec(new MulOp(g, y, t1));
        s.rowSum("t1", t1, dot);
        Nd4j.exec(new SubOp(g, dot, t2));
        Nd4j.exec(new MulOp(y, t2, out));
        Nd4j.exec(new AddOp(y, g, t1));
        poisonNonFinite(s, t1, out);
    }

    /** out += Σ_row (t1·0): adds 0 to rows where t1 is finite and NaN to the others; destroys t1. */
    private static void poisonNonFinite(Scratch s, INDArray t1, INDArray out) {
        INDArray flag = s.perRow("m");
        t1.muli(0.0);
        Nd4j.exec(new Sum(t1, flag, true, 1));
        Nd4j.exec(new AddOp(out, flag, out));
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout l, float[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, false, s -> {
            logSoftmaxBackward(s, s.load(0, logSoftmax), s.load(1, upstream), s.y());
            s.store(out);
        });
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout l, double[] out) {
        if (l.size() == 0) {
            return;
        }
        run(l, true, s -> {
            logSoftmaxBackward(s, s.load(0, logSoftmax), s.load(1, upstream), s.y());
            s.store(out);
        });
    }

    /** out = g - exp(l)·Σg; a row with NaN or +∞ in l, or a non-finite g, is NaN. */
    private static void logSoftmaxBackward(Scratch s, INDArray logp, INDArray g, INDArray out) {
        INDArray sum = s.perRow("s");
        INDArray p = s.temp("t1");
        INDArray t2 = s.temp("t2");
        Nd4j.exec(new Exp(logp, p));
        INDArray work = g;
        if (s.float64) {
            t2.assign(g);
            work = t2;
        }
        s.rowSum("t2", work, sum);
        Nd4j.exec(new MulOp(p, sum, t2));
        Nd4j.exec(new SubOp(g, t2, out));
        Nd4j.exec(new AddOp(p, g, p));
        poisonNonFinite(s, p, out);
    }

    // ---------------------------------------------------------- cross-entropy

    @Override
    public void crossEntropy(float[] logits, Layout l, int[] labels, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        if (l.size() == 0) {
            emptyLoss(l, reduction, lossOut);
            return;
        }
        run(l, false, s -> {
            INDArray t = oneHot(s, labels);
            crossEntropy(s, s.load(0, logits), t, reduction);
            s.store(gradientOut);
            s.storeFlat(reduction == Reduction.NONE ? "lossRowsOut" : "lossOut", loss(s, reduction), lossOut);
        });
    }

    @Override
    public void crossEntropy(double[] logits, Layout l, int[] labels, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        if (l.size() == 0) {
            emptyLoss(l, reduction, lossOut);
            return;
        }
        run(l, true, s -> {
            INDArray t = oneHot(s, labels);
            crossEntropy(s, s.load(0, logits), t, reduction);
            s.store(gradientOut);
            s.storeFlat("", loss(s, reduction), lossOut);
        });
    }

    @Override
    public void crossEntropy(float[] logits, Layout l, float[] target, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        if (l.size() == 0) {
            emptyLoss(l, reduction, lossOut);
            return;
        }
        run(l, false, s -> {
            INDArray x = s.load(0, logits);
            INDArray t = s.load(1, target);
            crossEntropy(s, x, t, reduction);
            s.store(gradientOut);
            s.storeFlat(reduction == Reduction.NONE ? "lossRowsOut" : "lossOut", loss(s, reduction), lossOut);
        });
    }

    @Override
    public void crossEntropy(double[] logits, Layout l, double[] target, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        if (l.size() == 0) {
            emptyLoss(l, reduction, lossOut);
            return;
        }
        run(l, true, s -> {
            INDArray x = s.load(0, logits);
            INDArray t = s.load(1, target);
            crossEntropy(s, x, t, reduction);
            s.store(gradientOut);
            s.storeFlat("", loss(s, reduction), lossOut);
        });
    }

    /** Loss of an empty input: NaN mean (0/0) and 0 sum without rows; 0 per row when K = 0. */
    private static void emptyLoss(Layout l, Reduction reduction, float[] lossOut) {
        Arrays.fill(lossOut, reduction == Reduction.MEAN && l.rows() == 0 ? Float.NaN : 0f);
    }

    private static void emptyLoss(Layout l, Reduction reduction, double[] lossOut) {
        Arrays.fill(lossOut, reduction == Reduction.MEAN && l.rows() == 0 ? Double.NaN : 0d);
    }

    /** The one-hot [rows, K] float64 targets of the labels, with ND4J's OneHot. */
    private static INDArray oneHot(Scratch s, int[] labels) {
        INDArray idx = s.labels(labels);
        INDArray t = s.temp("onehot");
        Nd4j.exec(new OneHot(idx, t, s.k));
        return t;
    }

    /**
     * Per-row losses into "lossRows" ([rows, 1]) and the gradient (y - t)·scale into {@link Scratch#y()}.
     */
    private static void crossEntropy(Scratch s, INDArray x, INDArray t, Reduction reduction) {
        INDArray m = s.perRow("m");
        INDArray sum = s.perRow("s");
        INDArray d = s.temp("t1");
        INDArray e = s.temp("t2");
        INDArray t3 = s.temp("t3");
        Nd4j.exec(new Max(x, m, true, 1));
        Nd4j.exec(new SubOp(x, m, d));                         // d = x - max
        Nd4j.exec(new Exp(d, e));                              // e = exp(d)
        INDArray work = e;
        if (s.float64) {
            t3.assign(e);
            work = t3;
        }
        s.rowSum("t3", work, sum);                            // sum = Σ e
        Nd4j.exec(new DivOp(e, sum, e));                       // e = y
        Nd4j.exec(new Log(sum, sum));
        Nd4j.exec(new SubOp(d, sum, d));                       // d = log y
        Nd4j.exec(new MulOp(d, t, t3));                        // t3 = t·log y (NaN for t = 0 on -inf)
        INDArray terms = s.temp("t4");
        terms.assign(t);
        BooleanIndexing.replaceWhere(terms, t3, Conditions.greaterThan(0)); // t > 0 ? t·log y : 0
        INDArray rowLoss = s.perRow("lossRows");
        s.rowSum("t4", terms, rowLoss);
        Nd4j.exec(new Negative(rowLoss, rowLoss));             // -Σ t·log y
        INDArray grad = s.y();
        Nd4j.exec(new SubOp(e, t, grad));                      // y - t
        if (reduction == Reduction.MEAN) {
            grad.divi(s.rows);
        }
    }

    /** The loss to return: the per-row losses, or their sum (pairwise for float64), or the mean. */
    private static INDArray loss(Scratch s, Reduction reduction) {
        INDArray rowLoss = s.perRow("lossRows");
        if (reduction == Reduction.NONE) {
            return rowLoss;
        }
        INDArray total = s.array("lossTotal", DataType.DOUBLE, 1, 1);
        INDArray across = s.array("lossAcross", DataType.DOUBLE, 1, s.rows);
        INDArray rowsAsRow = s.view("lossRowsT", () -> rowLoss.reshape('c', 1, s.rows));
        if (reduction == Reduction.MEAN) {
            // divide first: the mean of finite losses near MAX_VALUE is finite, their sum is not
            Nd4j.exec(new ScalarDivision(rowsAsRow, null, across, s.rows));
        } else {
            across.assign(rowsAsRow);
        }
        s.rowSum("lossAcross", across, total);
        return total;
    }
}
