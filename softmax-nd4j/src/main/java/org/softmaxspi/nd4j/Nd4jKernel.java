package org.softmaxspi.nd4j;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarDivision;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.same.Negative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.LossTerms;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.UntypedKernel;

/**
 * The ND4J kernel: every operation runs libnd4j's own CPU ops in the caller's dtype (float32 data as
 * float32, float64 as float64) along dimension 1 of the caller's data viewed as {@code [rows, K]} or
 * {@code [outer, K, inner]}, so swapping to {@code nd4j} gives ND4J's speed and {@code softmax verify}
 * shows ND4J's real accuracy.
 *
 * <h2>Which ops</h2>
 * <ul>
 *   <li>softmax: ND4J's {@code softmax} custom op ({@link SoftMax}), run through a context kept per
 *       layout (inputs, outputs and dimension set once; the shape function is not rerun per call).</li>
 *   <li>log-softmax: {@code Max}, {@code SubOp}, {@code Exp}, {@code Sum}, {@code Log}, {@code SubOp}.
 *       ND4J's {@code log_softmax} op is {@code log(softmax)} (−∞ once {@code z − m < −104} in
 *       float32) and its dimension constructor drops the dimension: the README's findings.</li>
 *   <li>Jacobian: the softmax op, then the batched outer product {@code y yᵀ} ({@code Nd4j.matmul} of
 *       {@code [rows,K,1] x [rows,1,K]}), negated, plus {@code y} added on the diagonal.</li>
 *   <li>backward: {@code y ⊙ (g − Σ g⊙y)} with {@code MulOp}, {@code Sum}, {@code SubOp}, {@code MulOp}:
 *       libnd4j's {@code softmax_bp} takes the logits, which this API does not have. Log-softmax
 *       backward: {@code g − exp(l)·Σ g} with {@code Exp}, {@code Sum}, {@code MulOp}, {@code SubOp}.</li>
 *   <li>cross-entropy: the log-softmax above, {@code OneHot} of the labels, {@code t·log y} where
 *       {@code t > 0} ({@code BooleanIndexing.replaceWhere}), row sums and {@code Negative} for the
 *       loss; the softmax op minus the targets for the gradient. ND4J's {@code LossMCXENT} clips
 *       probabilities to 1e-10 and is not used.</li>
 * </ul>
 *
 * <h2>Where the contract's semantics need a fix-up (the README's findings; each has a test)</h2>
 * <ul>
 *   <li>Empty inputs (K = 0 or no rows) return before any native call: ND4J's softmax ops can crash
 *       the JVM on arrays with a zero dimension.</li>
 *   <li>K = 1: ND4J's softmax writes 1 without reading the input, even for NaN or ±∞, and along an inner
 *       axis in float64 gives NaN for some finite inputs (−1e30); the provider sets {@code 1 + (x − x)} (1, or
 *       NaN for a non-finite entry) over the op's result.</li>
 *   <li>Overflow of a finite loss: {@code z − m} overflows for {@code z = −MAX} next to {@code m = +MAX};
 *       only when a row's loss comes out infinite are that call's losses recomputed from half
 *       log-probabilities {@code (z/2 − m/2) − (log S)/2} and doubled at the end.</li>
 * </ul>
 *
 * <h2>Accuracy</h2>
 * What {@link Nd4jProvider#accuracy} declares, from libnd4j 1.0.0-M2.1's CPU helpers
 * ({@code ops/declarable/helpers/cpu/softmax.cpp}, {@code helpers/Loops.h}): the softmax sums
 * {@code exp(x − max)} with one accumulator of the dtype per row in a sequential loop (the
 * {@code omp simd reduction} is not vectorised in the shipped binary: {@code call expf; addss}),
 * then divides; {@code Sum} along a dimension keeps one accumulator per row too. Recursive
 * summation, K − 1 roundings, along every axis.
 *
 * <h2>Memory and copies</h2>
 * Each thread keeps a small LRU cache of native buffers and op contexts per layout and dtype
 * ({@link ScratchCache}: at most {@value #CACHE_ENTRIES} layouts and {@value #CACHE_BYTES} bytes per
 * thread; larger calls use fresh buffers that are closed right after). Arrays are copied from the
 * Java arrays into native memory (one bulk {@code put}) and the results back (one bulk {@code get}).
 * Direct buffers of at least {@value #DEFAULT_ZERO_COPY_FROM_BYTES} bytes
 * ({@value #ZERO_COPY_PROPERTY}) are not copied at all: an ND4J array is made over the caller's memory
 * ({@code Nd4j.createBuffer(new FloatPointer(buffer), …)}, which ND4J does not own and never frees)
 * and ND4J's ops read the inputs there and write the result there (the softmax through a context
 * made for that call, so that nothing kept refers to the caller's memory); only small per-row
 * results (the losses) are copied. Heap buffers, and smaller direct ones (where making ND4J's arrays
 * costs more than the copy), are copied as arrays are.
 */
final class Nd4jKernel extends UntypedKernel {

    static final int CACHE_ENTRIES = 8;
    /**
     * Per thread: a 128×32000 float64 cross-entropy keeps six arrays of 33 MB; an entry over the budget is
     * allocated (and zeroed) for each call and closed after it, which cost 290 ms instead of 35 ms for
     * a float64 log-softmax of that size at the former 64 MiB.
     */
    static final long CACHE_BYTES = 256L << 20;

    /** The system property that sets the smallest direct buffer used in place: {@value}. */
    static final String ZERO_COPY_PROPERTY = "softmax.nd4j.zeroCopyFromBytes";

    /**
     * Direct buffers of at least this many bytes are used in place, smaller ones copied like heap
     * buffers: making ND4J's arrays and a context over the caller's memory costs 17–33 µs per call here
     * (two {@code Nd4j.create(DataBuffer, shape)} of 4–7 µs each, a fresh context, closing), while a
     * 1×10 softmax through the kept scratch takes 2 µs and copying 64 KiB both ways about 10 µs.
     */
    static final long DEFAULT_ZERO_COPY_FROM_BYTES = 64 << 10;

    private final long zeroCopyFromBytes;
    private final ThreadLocal<ScratchCache<Scratch.Key, Scratch>> caches =
            ThreadLocal.withInitial(() -> new ScratchCache<>(CACHE_ENTRIES, CACHE_BYTES));

    Nd4jKernel() {
        this(Long.getLong(ZERO_COPY_PROPERTY, DEFAULT_ZERO_COPY_FROM_BYTES));
    }

    /** A kernel that uses direct buffers of at least {@code zeroCopyFromBytes} bytes in place. */
    Nd4jKernel(long zeroCopyFromBytes) {
        this.zeroCopyFromBytes = zeroCopyFromBytes;
    }


    private interface Work {
        void run(Scratch s);
    }

    private void run(Layout l, Object data, Work work) {
        ScratchCache<Scratch.Key, Scratch> cache = caches.get();
        Scratch.Key key = new Scratch.Key(l, data instanceof double[] || data instanceof DoubleBuffer);
        Scratch s = cache.acquire(key, Scratch::new);
        try {
            work.run(s);
        } finally {
            s.releaseWrapped();
            cache.release(key);
        }
    }

    /** The current thread's cache (for tests). */
    ScratchCache<Scratch.Key, Scratch> cache() {
        return caches.get();
    }

    // ----------------------------------------------------------- operations

    @Override
    protected void softmaxOp(Object logits, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        boolean[][] emptyRows = {null};
        run(l, logits, s -> {
            INDArray x = load(s, 0, logits);
            INDArray y = output(s, out);
            if (o.isDefault()) {
                if (log) {
                    logSoftmax(s, x, y);
                } else {
                    softmax(s, x, y, "softmax", anyNegativeRow(logits, l) ? rowMax(s, x) : null);
                }
            } else {
                INDArray d = prepared(s, x, o);
                emptyRows[0] = emptyRows(s, o);
                if (log) {
                    logSoftmax(s, d, y);
                } else {
                    softmax(s, d, y, "softmax-options", shiftOfPrepared(s, o));
                }
            }
            store(s, y, out);
        });
        if (emptyRows[0] != null) {
            for (int row = 0; row < l.rows(); row++) {
                if (emptyRows[0][row]) {
                    fillRow(out, l, row, log ? Double.NEGATIVE_INFINITY : 0);
                }
            }
        }
    }

    /**
     * The logits as the options see them, in the scratch array "pd": masked entries −∞ ({@code replaceWhere}
     * over a flags array), then {@code (x − m)/T} ({@code Max}, {@code SubOp}, {@code ScalarDivision}) when
     * T ≠ 1; the per-row max of the kept entries stays in "pm".
     */
    private static INDArray prepared(Scratch s, INDArray x, SoftmaxOptions o) {
        INDArray d = s.temp("pd");
        if (o.hasMask()) {
            d.assign(s.flags("mask-inf", o, 1, Double.NEGATIVE_INFINITY));
            BooleanIndexing.replaceWhere(d, x, Conditions.greaterThan(0));   // kept: x, masked: -inf
        } else {
            d.assign(x);
        }
        INDArray m = s.perRow("pm");
        Nd4j.exec(new Max(d, m, true, 1));
        double t = o.temperature(s.float64 ? DType.FLOAT64 : DType.FLOAT32);
        if (t != 1) {
            Nd4j.exec(new SubOp(d, m, d));
            Nd4j.exec(new ScalarDivision(d, null, d, t));
        }
        return d;
    }

    /** Under the zero policy, the rows whose kept maximum ("pm") is −∞; else null. */
    private static boolean[] emptyRows(Scratch s, SoftmaxOptions o) {
        if (o.maskedRows() != MaskedRows.ZERO) {
            return null;
        }
        double[] m = s.perRow("pm").data().asDouble();
        boolean[] empty = new boolean[m.length];
        for (int i = 0; i < m.length; i++) {
            empty[i] = m[i] == Double.NEGATIVE_INFINITY;
        }
        return empty;
    }

    /**
     * ND4J's softmax op along dimension 1, through a context kept per layout under {@code role} (one
     * role per pair of scratch arrays); K = 1 fixed up.
     */
    private static void softmax(Scratch s, INDArray x, INDArray y, String role, INDArray shiftBy) {
        if (shiftBy != null && s.k > 1) {
            INDArray d = s.temp("softmax-shifted");
            Nd4j.exec(new SubOp(x, shiftBy, d));
            softmaxOp(s, d, y, role + "-shifted");
        } else {
            softmaxOp(s, x, y, role);
        }
        fixOneClass(s, x, y);
    }

    /**
     * Finding 15 (observed; libnd4j's source not read): ND4J's softmax does not always shift a row whose max is
     * negative: float64 rows below −745 in a batch come out NaN ([−900, −899]), float32 rows of −MAX and −∞ too,
     * even alone. Whether some row of the caller's logits has no entry ≥ 0, read in Java: each row's scan stops at its
     * first entry ≥ 0, so logits with a positive entry near the start of each row cost a few reads per row.
     */
    static boolean anyNegativeRow(Object data, Layout l) {
        int k = l.axisLength();
        int inner = l.inner();
        for (int row = 0; row < l.rows(); row++) {
            boolean nonNegative = false;
            for (int j = 0, idx = l.rowStart(row); j < k && !nonNegative; j++, idx += inner) {
                nonNegative = value(data, idx) >= 0;
            }
            if (!nonNegative) {
                return true;
            }
        }
        return false;
    }

    private static double value(Object data, int i) {
        if (data instanceof float[] f) {
            return f[i];
        } else if (data instanceof double[] d) {
            return d[i];
        } else if (data instanceof FloatBuffer f) {
            return f.get(i);
        }
        return ((DoubleBuffer) data).get(i);
    }

    /** Each row's max of x (ND4J's Max along dimension 1), to shift the rows by. */
    private static INDArray rowMax(Scratch s, INDArray x) {
        INDArray m = s.perRow("softmax-max");
        Nd4j.exec(new Max(x, m, true, 1));
        return m;
    }

    /** For prepared option logits: their kept rows' max "pm" when T = 1 and some is negative, else null. */
    private static INDArray shiftOfPrepared(Scratch s, SoftmaxOptions o) {
        INDArray m = s.perRow("pm");
        return o.temperature() == 1 && m.minNumber().doubleValue() < 0 ? m : null;
    }

    /** ND4J's softmax op of x into y along dimension 1, through the context kept for {@code role}. */
    private static void softmaxOp(Scratch s, INDArray x, INDArray y, String role) {
        if (s.owns(x) && s.owns(y)) {
            OpContext ctx = s.context(role, c -> {
                c.setInputArray(0, x);
                c.setOutputArray(0, y);
                c.setIArguments(1);
                c.shapeFunctionOverride(true);
            });
            Nd4j.getExecutioner().exec(new SoftMax(), ctx);
        } else {
            // the caller's memory: a context for this call only, so that none keeps a reference to it
            try (OpContext ctx = Nd4j.getExecutioner().buildContext()) {
                ctx.setInputArray(0, x);
                ctx.setOutputArray(0, y);
                ctx.setIArguments(1);
                ctx.shapeFunctionOverride(true);
                Nd4j.getExecutioner().exec(new SoftMax(), ctx);
                ctx.purge();
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        }
    }

    /** K = 1 fixed up from the logits x. */
    private static void fixOneClass(Scratch s, INDArray x, INDArray y) {
        if (s.k == 1) {
            // the contract's K = 1 result, 1 + (x - x): 1, or NaN for NaN and ±inf. ND4J writes 1 without reading x
            // along the last axis, and NaN for some finite x (−1e30) along an inner axis in float64 (finding 3)
            INDArray t = s.temp("k1");
            Nd4j.exec(new SubOp(x, x, t));
            Nd4j.exec(new ScalarAdd(t, null, y, 1.0));
        }
    }

    /** out = (x - max) - log Σ exp(x - max); never log(softmax). Leaves x - max in "d". */
    private static void logSoftmax(Scratch s, INDArray x, INDArray out) {
        INDArray m = s.perRow("m");
        INDArray sum = s.perRow("s");
        INDArray d = s.temp("d");
        INDArray e = s.temp("e");
        Nd4j.exec(new Max(x, m, true, 1));
        Nd4j.exec(new SubOp(x, m, d));
        Nd4j.exec(new Exp(d, e));
        Nd4j.exec(new Sum(e, sum, true, 1));
        Nd4j.exec(new Log(sum, sum));
        Nd4j.exec(new SubOp(d, sum, out));
    }

    @Override
    protected void jacobianOp(Object logits, Layout l, SoftmaxOptions o, Object out) {
        if (l.size() == 0) {
            return;
        }
        boolean[][] emptyRows = {null};
        run(l, logits, s -> {
            INDArray x = load(s, 0, logits);
            INDArray y = s.temp("y");
            if (o.isDefault()) {
                softmax(s, x, y, "softmax-y", anyNegativeRow(logits, l) ? rowMax(s, x) : null);
            } else {
                softmax(s, prepared(s, x, o), y, "softmax-y-options", shiftOfPrepared(s, o));
                emptyRows[0] = emptyRows(s, o);
            }
            int rows = s.rows;
            int k = s.k;
            INDArray rowsK = s.inner == 1 ? y : s.toRows("yRows", y);   // one row per slice
            boolean direct = inPlace(out);
            INDArray j = direct ? s.wrap((Buffer) out, rows, k, k) : s.array("jacobian", s.io, rows, k, k);
            INDArray col = s.view("col", () -> rowsK.reshape('c', rows, k, 1));
            INDArray row = s.view("row", () -> rowsK.reshape('c', rows, 1, k));
            Nd4j.matmul(col, row, j);                                   // y_i y_j
            Nd4j.exec(new Negative(j, j));                              // -y_i y_j
            java.util.function.Supplier<INDArray> diagonal = () -> k == 1 ? j.reshape('c', rows, 1)
                    : j.reshape('c', rows, (long) k * k).get(NDArrayIndex.all(),
                            NDArrayIndex.interval(0, k + 1, (long) k * k));
            INDArray diag = direct ? diagonal.get() : s.view("diag", diagonal);
            Nd4j.exec(new AddOp(diag, rowsK, diag));                    // y_i - y_i^2 on the diagonal
            double t = o.temperature(s.float64 ? DType.FLOAT64 : DType.FLOAT32);
            if (t != 1) {
                Nd4j.exec(new ScalarDivision(j, null, j, t));           // d softmax(z/T)/dz = J/T
            }
            store(s, j, out);
        });
        if (emptyRows[0] != null) {
            int kk = l.axisLength() * l.axisLength();
            for (int row = 0; row < l.rows(); row++) {
                if (emptyRows[0][row]) {
                    for (int i = row * kk; i < (row + 1) * kk; i++) {
                        if (out instanceof double[] d) {
                            d[i] = 0;
                        } else {
                            ((float[]) out)[i] = 0;
                        }
                    }
                }
            }
        }
    }

    @Override
    protected void backwardOp(Object first, Object upstream, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        run(l, first, s -> {
            INDArray a = load(s, 0, first);
            INDArray g = load(s, 1, upstream);
            if (!o.isDefault()) {
                // masked entries: y 0 (log-softmax -inf) and upstream 0, so the result is 0 there; upstream / T
                if (o.hasMask()) {
                    INDArray pa = s.temp("pa");
                    pa.assign(s.flags(log ? "mask-inf" : "mask-01", o, 1, log ? Double.NEGATIVE_INFINITY : 0));
                    BooleanIndexing.replaceWhere(pa, a, Conditions.greaterThan(0));
                    INDArray pg = s.temp("pg");
                    pg.assign(s.flags("mask-01", o, 1, 0));
                    BooleanIndexing.replaceWhere(pg, g, Conditions.greaterThan(0));
                    a = pa;
                    g = pg;
                }
                double t = o.temperature(s.float64 ? DType.FLOAT64 : DType.FLOAT32);
                if (t != 1) {
                    INDArray pg = s.temp("pg");
                    Nd4j.exec(new ScalarDivision(g, null, pg, t));
                    g = pg;
                }
            }
            INDArray sum = s.perRow("s");
            INDArray t = s.temp("t");
            INDArray r = output(s, out);
            if (log) {
                Nd4j.exec(new Exp(a, t));                // p = exp(l)
                Nd4j.exec(new Sum(g, sum, true, 1));     // Σ g
                Nd4j.exec(new MulOp(t, sum, t));         // p Σ g
                Nd4j.exec(new SubOp(g, t, r));           // g - p Σ g
            } else {
                Nd4j.exec(new MulOp(g, a, t));           // g y
                Nd4j.exec(new Sum(t, sum, true, 1));     // Σ g y
                Nd4j.exec(new SubOp(g, sum, t));         // g - Σ g y
                Nd4j.exec(new MulOp(a, t, r));           // y (g - Σ g y)
            }
            store(s, r, out);
        });
    }

    @Override
    protected void crossEntropyOp(Object logits, Layout l, Object targets, LossOptions options, Object lossOut,
                                Object gradientOut) {
        if (!options.isPlain()) {
            crossEntropyWithOptions(logits, l, targets, options, lossOut, gradientOut);
            return;
        }
        Reduction reduction = options.reduction();
        if (l.size() == 0) {
            // no rows: NaN mean (0/0) and 0 sum (K = 0 with rows cannot pass the facade's checks)
            fill(lossOut, reduction == Reduction.MEAN && l.rows() == 0 ? Double.NaN : 0);
            return;
        }
        run(l, logits, s -> {
            INDArray x = load(s, 0, logits);
            INDArray t = targets instanceof int[] labels ? oneHot(s, labels) : load(s, 1, targets);
            INDArray grad = output(s, gradientOut);
            softmax(s, x, grad, "softmax", anyNegativeRow(logits, l) ? rowMax(s, x) : null);
            Nd4j.exec(new SubOp(grad, t, grad));                   // y - t
            if (reduction == Reduction.MEAN) {
                Nd4j.exec(new ScalarDivision(grad, null, grad, s.rows));
            }
            store(s, grad, gradientOut);
            INDArray logY = s.temp("logY");
            logSoftmax(s, x, logY);
            INDArray rowLoss = rowLosses(s, logY, t);
            double scale = 1;
            if (anyInfinite(rowLoss)) {
                // z - m overflowed where the exact loss may be finite: half log-probabilities, doubled at the end
                INDArray half = s.temp("half");
                INDArray m = s.perRow("m");
                INDArray logS = s.perRow("s");          // log Σ exp(x - max) from logSoftmax
                Nd4j.exec(new ScalarMultiplication(x, null, half, 0.5));
                INDArray halfM = s.perRow("halfM");
                Nd4j.exec(new ScalarMultiplication(m, null, halfM, 0.5));
                Nd4j.exec(new SubOp(half, halfM, half));
                Nd4j.exec(new ScalarMultiplication(logS, null, halfM, 0.5));
                Nd4j.exec(new SubOp(half, halfM, half));
                rowLoss = rowLosses(s, half, t);
                scale = 2;
            }
            INDArray loss = rowLoss;
            if (reduction != Reduction.NONE) {
                INDArray terms = rowLoss;
                if (reduction == Reduction.MEAN) {
                    // divide first: the mean of finite losses near MAX_VALUE is finite, their sum is not
                    terms = s.perRow("across");
                    Nd4j.exec(new ScalarDivision(rowLoss, null, terms, s.rows));
                }
                loss = s.array("total", s.io);
                Nd4j.exec(new Sum(terms, loss));
            }
            if (scale != 1) {
                Nd4j.exec(new ScalarMultiplication(loss, null, loss, scale));
            }
            store(s, loss, lossOut);
        });
    }

    /**
     * Cross-entropy with weights, an ignored label or smoothing: the coefficients {@code c} of
     * {@link LossOptions} as an ND4J array ({@code OneHot} times the label's weight per row, plus
     * {@code ε/C·w} broadcast; or {@code w ⊙ ((1−ε)t + ε/C)}), the loss {@code −Σ c·log y} from the
     * composed log-softmax, the gradient {@code y·Σc − c} from ND4J's softmax, both scaled for the mean.
     * Unlike the plain path there is no recomputation from half log-probabilities for logits near ±MAX.
     */
    private void crossEntropyWithOptions(Object logits, Layout l, Object targets, LossOptions o, Object lossOut,
                                         Object gradientOut) {
        int[] labels = targets instanceof int[] t ? t : null;
        LossTerms terms = LossTerms.of(o, l, labels, logits instanceof double[]);
        Reduction reduction = o.reduction();
        double scale = terms.scale;
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        run(l, logits, s -> {
            INDArray x = load(s, 0, logits);
            INDArray c = s.temp("c");
            if (labels != null) {
                // (1-ε)·w[t] at the label
                Nd4j.exec(new MulOp(oneHot(s, terms.safeLabels), s.perRow("rowA", terms.labelCoefficient), c));
                if (terms.uniform != 0) {
                    INDArray u = s.temp("u");
                    Nd4j.exec(new MulOp(s.perRow("rowKeep", terms.rowCounts), s.perClass("bw", terms.uniformCoefficients()),
                            u));
                    Nd4j.exec(new AddOp(c, u, c));                                       // + ε/C·w[j]
                }
            } else {
                INDArray t = load(s, 1, targets);
                Nd4j.exec(new ScalarMultiplication(t, null, c, terms.keep));
                Nd4j.exec(new ScalarAdd(c, null, c, terms.uniform));
                Nd4j.exec(new MulOp(c, s.perClass("w", terms.weight), c));             // w ⊙ ((1-ε)t + ε/C)
            }
            INDArray cSum = s.perRow("cSum");
            if (labels == null && !o.hasWeight()) {
                cSum.assign(1);                                                         // the contract's y - t
            } else {
                Nd4j.exec(new Sum(c, cSum, true, 1));
            }
            INDArray grad = output(s, gradientOut);
            softmax(s, x, grad, "softmax", anyNegativeRow(logits, l) ? rowMax(s, x) : null);
            Nd4j.exec(new MulOp(grad, cSum, grad));
            Nd4j.exec(new SubOp(grad, c, grad));                                        // y Σc - c
            if (scale != 1) {
                Nd4j.exec(new ScalarMultiplication(grad, null, grad, scale));
            }
            store(s, grad, gradientOut);
            INDArray logY = s.temp("logY");
            logSoftmax(s, x, logY);
            store(s, reduced(s, rowLosses(s, logY, c), reduction, scale), lossOut);
        });
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    /** The per-row losses, or their sum (times {@code scale} first, for the mean). */
    private static INDArray reduced(Scratch s, INDArray rowLoss, Reduction reduction, double scale) {
        if (reduction == Reduction.NONE) {
            return rowLoss;
        }
        INDArray terms = rowLoss;
        if (scale != 1) {
            terms = s.perRow("across");
            Nd4j.exec(new ScalarMultiplication(rowLoss, null, terms, scale));
        }
        INDArray loss = s.array("total", s.io);
        Nd4j.exec(new Sum(terms, loss));
        return loss;
    }

    /**
     * NLL: {@code OneHot} of the labels picks {@code x_t} ({@code replaceWhere}, so non-finite entries
     * elsewhere do not leak), times {@code −w[t]} per row; the gradient is the one-hot times
     * {@code −w[t]·scale}.
     */
    @Override
    protected void nllOp(Object x, Layout l, int[] labels, LossOptions o, Object lossOut, Object gradientOut) {
        LossTerms terms = LossTerms.of(o, l, labels, x instanceof double[]);
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        double[] gradW = new double[l.rows()];
        for (int r = 0; r < gradW.length; r++) {
            gradW[r] = terms.nllCoefficient[r] * terms.scale;
        }
        run(l, x, s -> {
            INDArray in = load(s, 0, x);
            INDArray oh = oneHot(s, terms.safeLabels);
            INDArray grad = output(s, gradientOut);
            Nd4j.exec(new MulOp(oh, s.perRow("gradW", gradW), grad));
            store(s, grad, gradientOut);
            INDArray product = s.temp("e");
            Nd4j.exec(new MulOp(oh, in, product));
            INDArray picked = s.temp("d");
            picked.assign(oh);
            BooleanIndexing.replaceWhere(picked, product, Conditions.greaterThan(0));  // x_t at the label, 0 elsewhere
            INDArray rowLoss = s.perRow("rowLoss");
            Nd4j.exec(new Sum(picked, rowLoss, true, 1));
            Nd4j.exec(new MulOp(rowLoss, s.perRow("negW", terms.nllCoefficient), rowLoss));
            store(s, reduced(s, rowLoss, o.reduction(), terms.scale), lossOut);
        });
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    /**
     * −Σ t·log y per row, terms with t = 0 counted as 0 (also where log y = −∞). Uses the temporaries
     * "d" and "e" of {@link #logSoftmax}, which are free by then.
     */
    private static INDArray rowLosses(Scratch s, INDArray logY, INDArray t) {
        INDArray product = s.temp("e");
        Nd4j.exec(new MulOp(t, logY, product));                      // NaN for t = 0 on -inf
        INDArray terms = s.temp("d");
        terms.assign(t);
        BooleanIndexing.replaceWhere(terms, product, Conditions.greaterThan(0)); // t > 0 ? t·log y : 0
        INDArray rowLoss = s.perRow("rowLoss");
        Nd4j.exec(new Sum(terms, rowLoss, true, 1));
        Nd4j.exec(new Negative(rowLoss, rowLoss));
        return rowLoss;
    }

    private static boolean anyInfinite(INDArray a) {
        return BooleanIndexing.or(a, Conditions.isInfinite());
    }

    /** The one-hot targets of the labels in the caller's dtype and data shape, with ND4J's OneHot. */
    private static INDArray oneHot(Scratch s, int[] labels) {
        INDArray idx = s.labels(labels);
        INDArray t = s.temp("onehot");
        if (s.inner == 1) {
            Nd4j.exec(new OneHot(idx, t, s.k));
        } else {
            // labels run over [outer, inner]: one-hot as [rows, K], then into [outer, K, inner]
            INDArray oh = s.array("onehotRows", s.io, s.rows, s.k);
            Nd4j.exec(new OneHot(idx, oh, s.k));
            s.fromRows("onehotRows", oh, t);
        }
        return t;
    }

    // -------------------------------------------------------------- helpers

    /** Whether {@code data} is a direct buffer large enough to be used in place. */
    private boolean inPlace(Object data) {
        return data instanceof Buffer b && b.isDirect()
                && (long) b.remaining() * (b instanceof DoubleBuffer ? Double.BYTES : Float.BYTES) >= zeroCopyFromBytes;
    }

    /** An input in native memory: the caller's direct buffer itself, or a scratch array it is copied into. */
    private INDArray load(Scratch s, int slot, Object data) {
        if (data instanceof Buffer b) {
            return inPlace(b) ? s.wrapData(b) : s.load(slot, b);
        }
        return data instanceof double[] d ? s.load(slot, d) : s.load(slot, (float[]) data);
    }

    /** Where a result of the data's shape is computed: the caller's direct buffer itself, or a scratch array. */
    private INDArray output(Scratch s, Object out) {
        return inPlace(out) ? s.wrapData((Buffer) out) : s.out();
    }

    /** Copies a result into {@code dst}, unless it was computed in the caller's direct buffer already. */
    private static void store(Scratch s, INDArray src, Object dst) {
        if (dst instanceof Buffer b) {
            if (s.owns(src)) {
                s.store(src, b);
            }
        } else if (dst instanceof double[] d) {
            s.store(src, d);
        } else {
            s.store(src, (float[]) dst);
        }
    }
}
