package org.softmaxspi.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;

/**
 * The DJL kernel: every operation is a sequence of DJL {@link NDArray} ops on the PyTorch engine.
 *
 * <h2>How</h2>
 * The array is viewed as {@code [outer, K, inner]} ({@code [outer, K]} when the axis is the last one,
 * so PyTorch takes its last-dimension kernels) and every op runs along dimension 1, so any axis works
 * without moving data. Each call opens a sub-manager of one base {@link NDManager}; every tensor of
 * the call lives in it and is freed when it closes, before the call returns.
 *
 * <h2>Accuracy: where PyTorch is not used as is</h2>
 * <ul>
 *   <li><b>float32 is computed in float64</b> ({@code toType}, then cast back once at the end).
 *       PyTorch's float32 softmax accumulates the sum in float lanes: 1045 ulps of error on the suite's
 *       long-row trap (K = 10^5; one 0, then 99 999 logits with e^z = 1e-8) against a bound of 38.
 *       Through float64 every float32 result of the suite is within 0.5 ulp.</li>
 *   <li><b>float64 rows longer than {@value #PAIRWISE_ABOVE}</b> are computed with explicit
 *       {@code max}, {@code sub}, {@code exp}, a pairwise sum ({@link #sum(NDArray, boolean)}, made of
 *       {@code reshape} + {@code sum}), {@code div} and {@code log}. PyTorch's own float64 softmax is
 *       off by 6833 ulps on the trap (54631 along axis 0): one accumulator per vector lane, each
 *       rounding the same way. Even its cascade {@code sum} leaves 8 to 12 ulps in the trap's sum;
 *       the pairwise fold leaves 2.2 (the provider's softmax: 4.0 ulps). Rows of up to
 *       {@value #PAIRWISE_ABOVE} use PyTorch's {@code softmax}/{@code logSoftmax} (at most 16 terms
 *       per sum). The sums of backward, log-softmax backward and cross-entropy (over K and over rows)
 *       are pairwise in the same way.</li>
 *   <li><b>Cross-entropy</b> works with half log-probabilities, {@code (z/2 - m/2) - (log S)/2}, and
 *       doubles the losses at the end: {@code z - m} overflows to {@code -inf} for {@code z = -MAX}
 *       next to {@code m = +MAX}, which would make a finite loss infinite; the mean divides each row
 *       loss by the row count before summing, so a finite mean of huge losses does not overflow.</li>
 * </ul>
 * Edge cases that PyTorch does differently from the contract: {@code max} over an empty axis throws
 * (so empty inputs return early, writing nothing, and a reduced cross-entropy of zero rows is NaN
 * (mean) or 0 (sum)); {@code 0 * -inf = NaN} in a probability-target cross-entropy (masked with
 * {@code where(t == 0, 0, t * log y)}; DJL's {@code where} does not broadcast, so the zeros are full
 * size). Everything else (-inf masks, NaN and +inf rows, all -inf rows, K = 1) PyTorch already does
 * as the contract says, and the explicit path inherits it: a NaN or +inf maximum, or {@code -inf - -inf},
 * makes the whole row NaN.
 *
 * <h2>Copies and allocations per call</h2>
 * Inputs are copied once, from the Java array into a reused per-thread direct buffer that the input
 * tensor aliases ({@link Scratch}: up to 4 MiB per input slot and thread; larger inputs are copied by
 * DJL into a fresh direct buffer). float32 inputs are then widened by one native cast. Results are
 * copied once, from the result tensor's memory straight into the caller's array
 * ({@code toByteBuffer(true)}, a view; float32 results after one native cast). Every op allocates its
 * result tensor natively (PyTorch's CPU allocator); the Java side allocates only small wrappers.
 *
 * <p>Thread-safe: the base manager is shared (DJL synchronizes attaching sub-managers), everything
 * else is per call or per thread.
 */
final class DjlKernel implements SoftmaxKernel {

    /** Rows longer than this are summed pairwise in float64. */
    static final int PAIRWISE_ABOVE = 16;

    private static final int[] AXIS = {1};

    private final NDManager base;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    DjlKernel(NDManager base) {
        this.base = base;
    }

    // ------------------------------------------------------------------ SPI

    @Override
    public void softmax(float[] logits, Layout layout, float[] out) {
        softmaxOp(logits, layout, out, false);
    }

    @Override
    public void softmax(double[] logits, Layout layout, double[] out) {
        softmaxOp(logits, layout, out, false);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, float[] out) {
        softmaxOp(logits, layout, out, true);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, double[] out) {
        softmaxOp(logits, layout, out, true);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, float[] out) {
        jacobianOp(logits, layout, out);
    }

    @Override
    public void jacobian(double[] logits, Layout layout, double[] out) {
        jacobianOp(logits, layout, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        backwardOp(y, upstream, layout, out, false);
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        backwardOp(y, upstream, layout, out, false);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        backwardOp(logSoftmax, upstream, layout, out, true);
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        backwardOp(logSoftmax, upstream, layout, out, true);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        crossEntropyOp(logits, layout, labels, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        crossEntropyOp(logits, layout, labels, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        crossEntropyOp(logits, layout, target, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        crossEntropyOp(logits, layout, target, reduction, lossOut, gradientOut);
    }

    // ----------------------------------------------------------- operations

    private void softmaxOp(Object logits, Layout l, Object out, boolean log) {
        if (l.size() == 0) {
            return; // empty axis or no rows: nothing to write (PyTorch's max would throw on K = 0)
        }
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            boolean exact = pairwise(logits, l.axisLength());
            NDArray r;
            if (!exact) {
                r = log ? x.logSoftmax(1) : x.softmax(1);
            } else {
                Shifted s = shifted(x);
                r = log ? s.log() : s.probabilities();
            }
            store(r, out);
        }
    }

    private void jacobianOp(Object logits, Layout l, Object out) {
        if (l.size() == 0) {
            return; // rows * K * K = 0 as well
        }
        int k = l.axisLength();
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            NDArray y = pairwise(logits, k) ? shifted(x).probabilities() : x.softmax(1);
            // one row per slice: [outer, inner, K] -> [rows, K]
            NDArray rowsK = (l.inner() == 1 ? y : y.swapAxes(1, 2)).reshape(l.rows(), k);
            // J = y_i (delta_ij - y_j), batched by broadcasting [rows, K, 1] * ([K, K] - [rows, 1, K])
            NDArray eye = m.eye(k, k, 0, DataType.FLOAT64);
            NDArray j = rowsK.expandDims(2).mul(eye.sub(rowsK.expandDims(1)));
            store(j, out);
        }
    }

    private void backwardOp(Object first, Object upstream, Layout l, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        boolean exact = first instanceof double[];
        try (NDManager m = base.newSubManager()) {
            NDArray a = load(m, 0, first, view(l));
            NDArray g = load(m, 1, upstream, view(l));
            NDArray r;
            if (log) {
                // g - exp(l) * sum(g)
                r = g.sub(a.exp().mul(sum(g, exact)));
            } else {
                // y * (g - sum(g * y))
                r = a.mul(g.sub(sum(g.mul(a), exact)));
            }
            store(r, out);
        }
    }

    private void crossEntropyOp(Object logits, Layout l, Object targets, Reduction reduction, Object lossOut,
                                Object gradientOut) {
        int rows = l.rows();
        if (l.size() == 0) {
            // zero rows (K = 0 with rows > 0 cannot pass the facade's label/target checks)
            fill(lossOut, reduction == Reduction.SUM && rows == 0 ? 0 : Double.NaN);
            return;
        }
        int k = l.axisLength();
        boolean exact = logits instanceof double[];
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            NDArray max = x.max(AXIS, true);
            NDArray e = x.sub(max).exp();
            NDArray sum = sum(e, exact);
            NDArray y = e.div(sum);
            // Half the log-probabilities, (z/2 - m/2) - (log S)/2: unlike z - m this cannot overflow, so
            // a loss whose terms exceed MAX_VALUE only in intermediate steps (z = -MAX next to m = +MAX)
            // stays finite when its exact value is. The losses are doubled at the very end.
            NDArray halfLog = x.mul(0.5).sub(max.mul(0.5)).sub(sum.log().mul(0.5));
            NDArray halfLoss; // per row, shaped as rowView
            NDArray t;
            if (targets instanceof int[] labels) {
                NDArray index = load(m, 2, labels, rowView(l)).toType(DataType.INT64, false);
                halfLoss = halfLog.gather(index, 1).neg();
                NDArray classes = m.arange(0, k, 1, DataType.INT64).reshape(l.inner() == 1
                        ? new Shape(1, k) : new Shape(1, k, 1));
                t = index.eq(classes).toType(DataType.FLOAT64, false);
            } else {
                t = load(m, 1, targets, view(l));
                // terms with t = 0 count as 0, even where log y = -inf (0 * -inf is NaN in IEEE); DJL's
                // where() does not broadcast, so the zeros are full size
                NDArray terms = NDArrays.where(t.eq(0), m.zeros(t.getShape(), DataType.FLOAT64), t.mul(halfLog));
                halfLoss = sum(terms, exact).neg();
            }
            NDArray gradient = y.sub(t);
            if (reduction == Reduction.MEAN) {
                gradient = gradient.div((double) rows);
            }
            store(gradient, gradientOut);
            NDArray perRow = halfLoss.reshape(1, rows);
            NDArray loss = switch (reduction) {
                case NONE -> perRow.mul(2.0);
                case SUM -> sum(perRow, exact).mul(2.0);
                // divide first: the sum of the row losses may overflow where their mean does not
                case MEAN -> sum(perRow.div((double) rows), exact).mul(2.0);
            };
            store(loss, lossOut);
        }
    }

    // -------------------------------------------------------------- helpers

    /** {@code z - max z} and its exponentials, with their pairwise sum along dimension 1. */
    private record Shifted(NDArray shifted, NDArray exp, NDArray sum) {

        NDArray probabilities() {
            return exp.div(sum);
        }

        NDArray log() {
            return shifted.sub(sum.log());
        }
    }

    /**
     * The float64 path for long rows. A row with NaN or +inf has max NaN or +inf, an all -inf row has
     * max -inf: either way every shifted value, and so every result, is NaN, as the contract says.
     */
    private static Shifted shifted(NDArray x) {
        NDArray d = x.sub(x.max(AXIS, true));
        NDArray e = d.exp();
        return new Shifted(d, e, sum(e, true));
    }

    /**
     * The sum along dimension 1, kept as a dimension of length 1. With {@code pairwise}, a dimension
     * longer than {@value #PAIRWISE_ABOVE} is first folded pairwise: zero-padded to a multiple of 2^j
     * with at most {@value #PAIRWISE_ABOVE}·2^j elements, then j times viewed as {@code [outer, 2, n/2, inner]}
     * and summed over the 2 (element i meets element i + n/2), so each element goes through j
     * roundings; PyTorch's sum adds the last ≤ {@value #PAIRWISE_ABOVE} partial sums. Two ops per level.
     */
    static NDArray sum(NDArray x, boolean pairwise) {
        Shape shape = x.getShape();
        long k = shape.get(1);
        if (!pairwise || k <= PAIRWISE_ABOVE) {
            return x.sum(AXIS, true);
        }
        long outer = shape.get(0);
        long inner = shape.dimension() == 3 ? shape.get(2) : 1;
        int levels = 64 - Long.numberOfLeadingZeros((k + PAIRWISE_ABOVE - 1) / PAIRWISE_ABOVE - 1); // ⌈log2⌉
        long step = 1L << levels;
        long n = (k + step - 1) / step * step;
        NDArray s = x.reshape(outer, k, inner);
        if (n != k) {
            s = s.concat(x.getManager().zeros(new Shape(outer, n - k, inner), x.getDataType()), 1);
        }
        for (int i = 0; i < levels; i++) {
            n >>= 1;
            s = s.reshape(outer, 2, n, inner).sum(new int[] {1});
        }
        s = s.sum(AXIS, true);
        return s.reshape(shape.dimension() == 3 ? new Shape(outer, 1, inner) : new Shape(outer, 1));
    }

    /** float64 inputs use the exact (pairwise) path for rows longer than {@value #PAIRWISE_ABOVE}. */
    private static boolean pairwise(Object array, int k) {
        return array instanceof double[] && k > PAIRWISE_ABOVE;
    }

    /** {@code [outer, K]} for the last axis, else {@code [outer, K, inner]}. */
    private static Shape view(Layout l) {
        return l.inner() == 1 ? new Shape(l.outer(), l.axisLength())
                : new Shape(l.outer(), l.axisLength(), l.inner());
    }

    /** The shape of one value per row, aligned with {@link #view(Layout)}. */
    private static Shape rowView(Layout l) {
        return l.inner() == 1 ? new Shape(l.outer(), 1) : new Shape(l.outer(), 1, l.inner());
    }

    /**
     * The input as a tensor: float32 and float64 data become float64 (float32 through one native
     * cast), labels int32. Aliases a per-thread direct buffer when it fits.
     */
    private NDArray load(NDManager m, int slot, Object array, Shape shape) {
        if (array instanceof double[] d) {
            ByteBuffer b = scratch.get().get(slot, d.length * Double.BYTES);
            if (b == null) {
                return m.create(d, shape);
            }
            b.asDoubleBuffer().put(d);
            return m.create(b, shape, DataType.FLOAT64);
        }
        if (array instanceof float[] f) {
            ByteBuffer b = scratch.get().get(slot, f.length * Float.BYTES);
            NDArray a;
            if (b == null) {
                a = m.create(f, shape);
            } else {
                b.asFloatBuffer().put(f);
                a = m.create(b, shape, DataType.FLOAT32);
            }
            return a.toType(DataType.FLOAT64, false);
        }
        int[] n = (int[]) array;
        ByteBuffer b = scratch.get().get(slot, n.length * Integer.BYTES);
        if (b == null) {
            return m.create(n, shape);
        }
        b.asIntBuffer().put(n);
        return m.create(b, shape, DataType.INT32);
    }

    /** Copies a float64 result into {@code out}, casting to float32 (one native cast) for a float[]. */
    private static void store(NDArray r, Object out) {
        if (out instanceof double[] d) {
            r.toByteBuffer(true).asDoubleBuffer().get(d, 0, d.length);
        } else {
            float[] f = (float[]) out;
            r.toType(DataType.FLOAT32, false).toByteBuffer(true).asFloatBuffer().get(f, 0, f.length);
        }
    }

    private static void fill(Object out, double v) {
        if (out instanceof double[] d) {
            Arrays.fill(d, v);
        } else {
            Arrays.fill((float[]) out, (float) v);
        }
    }
}
