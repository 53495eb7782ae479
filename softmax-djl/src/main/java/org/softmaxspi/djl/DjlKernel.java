package org.softmaxspi.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Native;
import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.softmaxspi.api.BulkCopy;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.LossTerms;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.UntypedKernel;

/**
 * The DJL kernel: every operation runs PyTorch's own CPU kernels through DJL {@link NDArray}s, in the
 * caller's dtype (float32 data as float32, float64 as float64), so a user who swaps to {@code djl}
 * gets PyTorch's speed and {@code softmax verify} shows PyTorch's real accuracy.
 *
 * <h2>Which ops</h2>
 * The array is viewed as {@code [outer, K, inner]} ({@code [outer, K]} when the axis is the last one,
 * so PyTorch takes its last-dimension kernels) and every op runs along dimension 1.
 * <ul>
 *   <li>softmax and log-softmax: PyTorch's {@code softmax} / {@code log_softmax}
 *       ({@code NDArray.softmax}, {@code logSoftmax}).</li>
 *   <li>backward: {@code y·(g − Σ g·y)} as {@code mul}, {@code sum}, {@code sub}, {@code mul}; log-softmax
 *       backward: {@code g − exp(l)·Σ g}. PyTorch's {@code _softmax_backward_data(g, y)} computes the
 *       same from the same inputs, but DJL 0.35.1 exposes no JNI call for it (only autograd, which
 *       needs the logits), so these are the shortest compositions of PyTorch ops.</li>
 *   <li>Jacobian: PyTorch's softmax, then {@code y_i(δ_ij − y_j)} by one broadcast {@code sub} from an
 *       identity matrix and one broadcast {@code mul}, batched over all rows.</li>
 *   <li>cross-entropy: PyTorch's {@code log_softmax}, then {@code gather} of the labels (or
 *       {@code −Σ t·log y} for probability targets) as the loss, and PyTorch's {@code softmax} minus the
 *       targets as the gradient; reductions are PyTorch's {@code sum} (the mean divides each row's
 *       loss first).</li>
 * </ul>
 *
 * <h2>Where the contract's semantics need a fix-up (the README's findings; each has a test)</h2>
 * <ul>
 *   <li>Empty inputs return early: PyTorch's {@code max} over an empty axis throws; a reduced
 *       cross-entropy of zero rows is NaN (mean) or 0 (sum).</li>
 *   <li>{@code 0·log 0}: a probability target of 0 on a {@code −∞} logit makes {@code t·log y} NaN in
 *       IEEE arithmetic; such terms count 0 ({@code where(t == 0, 0, t·log y)}; DJL's {@code where}
 *       does not broadcast, so the zeros are full size).</li>
 *   <li>Overflow of a finite loss: {@code z − m} overflows to {@code −∞} for {@code z = −MAX} next to
 *       {@code m = +MAX}, so {@code t·log y} is infinite where the exact loss is finite. Only when a
 *       row's loss comes out infinite, that call's losses are recomputed from half log-probabilities,
 *       {@code (z/2 − m/2) − (log S)/2}, and doubled at the end.</li>
 * </ul>
 * NaN, {@code +∞} and all-{@code −∞} rows, {@code −∞} entries and K = 1 PyTorch already does as the
 * contract says (a NaN or {@code +∞} maximum, or {@code −∞ − −∞}, makes the row NaN).
 *
 * <h2>Accuracy</h2>
 * What {@link DjlProvider#accuracy} declares, from ATen's CPU kernels (aten/src/ATen/native/cpu/
 * SoftMaxKernel.cpp, SumKernel.cpp): every sum is accumulated in the dtype. Along the last axis the
 * exponentials are summed by {@code vec::reduce_all}: one accumulator per SIMD lane (8 floats or
 * 4 doubles on AVX2 and the default build, twice as many on AVX-512), then the lanes folded (a
 * shuffle tree for float, a sequential loop for double). Along an inner axis one accumulator per
 * column adds the K terms in order. {@code torch.sum} (the backward passes, the losses over rows) is
 * a multi-level cascade whose first level is lane-blocked like {@code reduce_all}.
 *
 * <h2>Copies and allocations per call</h2>
 * A direct buffer of at least {@value #DEFAULT_ZERO_COPY_FROM_BYTES} bytes ({@value #ZERO_COPY_PROPERTY})
 * is not copied in: it becomes the input tensor itself (DJL's {@code create} of a
 * direct {@code ByteBuffer} is PyTorch's {@code from_blob}; JNA gives the bytes over a float or
 * double view's memory). Results are always copied once into the output (array or buffer): PyTorch
 * allocates each op's result and DJL's JNI has no {@code out=} variant that would write into the
 * caller's memory; into a large direct output by PyTorch's own copy. Arrays, heap buffers and small
 * direct buffers: each input is copied once, from the Java array into a per-thread direct buffer that a kept input
 * tensor aliases ({@link InputTensors}); each result is copied once, from the result tensor's memory
 * straight into the caller's array. Every op allocates its result tensor natively (PyTorch's CPU
 * allocator); the Java side allocates only small wrappers. Each call's tensors live in a sub-manager
 * of one base {@link NDManager} and are freed when it closes, before the call returns.
 *
 * <p>Thread-safe: the base manager is shared (DJL synchronizes attaching sub-managers), everything
 * else is per call or per thread.
 */
final class DjlKernel extends UntypedKernel {

    private static final int[] AXIS = {1};

    /**
     * Results of at least this many bytes go into a direct output by PyTorch's own copy (a tensor over the
     * output, {@code set}); smaller ones by a Java bulk copy: PyTorch's indexed copy costs tens of
     * microseconds to set up (djl from direct buffers at 64×1000 float32 took 114 µs against 72 µs from
     * arrays), and gains 0.4 ms at 16 MB.
     */
    static final int NATIVE_COPY_FROM_BYTES = 4 << 20;

    /** Results larger than this are read through a direct view of tensor memory, smaller ones copied. */
    static final int VIEW_ABOVE_BYTES = 64 << 10;

    /** The system property that sets the smallest direct input used in place: {@value}. */
    static final String ZERO_COPY_PROPERTY = "softmax.djl.zeroCopyFromBytes";

    /**
     * Direct inputs of at least this many bytes become PyTorch's tensor in place, smaller ones are copied
     * into the kept input tensors like arrays: a tensor over the caller's memory costs about 5 µs per
     * call here (JNA's view, {@code from_blob}, closing), a 1×10 softmax from a kept tensor 3 µs.
     */
    static final long DEFAULT_ZERO_COPY_FROM_BYTES = 64 << 10;

    private final NDManager base;
    private final ThreadLocal<InputTensors> inputs;
    private final long zeroCopyFromBytes;

    DjlKernel(NDManager base) {
        this(base, Long.getLong(ZERO_COPY_PROPERTY, DEFAULT_ZERO_COPY_FROM_BYTES));
    }

    /** A kernel that uses direct inputs of at least {@code zeroCopyFromBytes} bytes in place. */
    DjlKernel(NDManager base, long zeroCopyFromBytes) {
        this.base = base;
        this.zeroCopyFromBytes = zeroCopyFromBytes;
        this.inputs = ThreadLocal.withInitial(() -> new InputTensors(base));
    }

    /** The current thread's kept input tensors (for tests). */
    InputTensors inputs() {
        return inputs.get();
    }

    // ----------------------------------------------------------- operations

    @Override
    protected void softmaxOp(Object logits, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return; // empty axis or no rows: nothing to write
        }
        if (!o.isDefault()) {
            try (NDManager m = base.newSubManager()) {
                Prepared p = prepare(m, load(m, 0, logits, view(l)), l, o);
                NDArray y = log ? p.logits().logSoftmax(1) : p.logits().softmax(1);
                store(p.emptyRows(y, log ? Double.NEGATIVE_INFINITY : 0), out);
            }
            return;
        }
        Shape shape = view(l);
        if (inPlace(logits)) {
            // the caller's memory as the input tensor: one op, its result copied into out
            try (NDArray x = fromBlob(base, (Buffer) logits, shape);
                 NDArray y = log ? x.logSoftmax(1) : x.softmax(1)) {
                store(y, out);
            } finally {
                Reference.reachabilityFence(logits);
            }
            return;
        }
        NDArray kept = inputs.get().load(0, logits, shape);
        if (kept != null) {
            // one op on a kept input tensor: its result is closed right here, no per-call manager
            try (NDArray y = log ? kept.logSoftmax(1) : kept.softmax(1)) {
                store(y, out);
            }
            return;
        }
        try (NDManager m = base.newSubManager()) {
            NDArray x = create(m, logits, shape);
            store(log ? x.logSoftmax(1) : x.softmax(1), out);
        }
    }

    /**
     * The logits as the options see them: masked entries −∞ ({@code where} with the mask as a boolean
     * tensor, shaped as the data or broadcast from one slice), then {@code (x − max)/T} when T ≠ 1.
     */
    private record Prepared(NDArray logits, NDArray emptyRowFlags) {
        /** {@code y} with the rows that have nothing to normalize set to {@code value} (zero policy only). */
        NDArray emptyRows(NDArray y, double value) {
            return emptyRowFlags == null ? y
                    : NDArrays.where(emptyRowFlags.broadcast(y.getShape()),
                            y.getManager().full(y.getShape(), (float) value, y.getDataType()), y);
        }
    }

    /**
     * The options' mask as a boolean tensor of {@code shape} (a per-slice mask made as {@link #classView} and
     * broadcast: DJL's {@code where} does not broadcast its condition, finding 5).
     */
    private static NDArray mask(NDManager m, Layout l, SoftmaxOptions o, Shape shape) {
        return m.create(o.mask(), o.isSliceMask(l) ? classView(l) : view(l)).broadcast(shape);
    }

    private static Prepared prepare(NDManager m, NDArray x, Layout l, SoftmaxOptions o) {
        DataType dtype = x.getDataType();
        NDArray d = x;
        if (o.hasMask()) {
            d = NDArrays.where(mask(m, l, o, x.getShape()), x, m.full(x.getShape(), Float.NEGATIVE_INFINITY, dtype));
        }
        double t = o.temperature(dtype == DataType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32);
        NDArray max = t != 1 || o.maskedRows() == MaskedRows.ZERO ? d.max(AXIS, true) : null;
        if (t != 1) {
            d = d.sub(max).div(t);
        }
        NDArray empty = o.maskedRows() == MaskedRows.ZERO ? max.eq(Double.NEGATIVE_INFINITY) : null;
        return new Prepared(d, empty);
    }

    @Override
    protected void jacobianOp(Object logits, Layout l, SoftmaxOptions o, Object out) {
        if (l.size() == 0) {
            return; // rows * K * K = 0 as well
        }
        int k = l.axisLength();
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            NDArray y;
            double t = o.temperature(x.getDataType() == DataType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32);
            if (o.isDefault()) {
                y = x.softmax(1);
            } else {
                Prepared p = prepare(m, x, l, o);
                y = p.emptyRows(p.logits().softmax(1), 0);        // empty rows: y = 0 gives a zero block
            }
            // one row per slice: [outer, inner, K] -> [rows, K]
            NDArray rowsK = (l.inner() == 1 ? y : y.swapAxes(1, 2)).reshape(l.rows(), k);
            // J = y_i (delta_ij - y_j), batched by broadcasting [rows, K, 1] * ([K, K] - [rows, 1, K])
            NDArray eye = m.eye(k, k, 0, x.getDataType());
            NDArray j = rowsK.expandDims(2).mul(eye.sub(rowsK.expandDims(1)));
            store(t == 1 ? j : j.div(t), out);                      // d softmax(z/T)/dz = J/T
        } finally {
            Reference.reachabilityFence(logits);
        }
    }

    @Override
    protected void backwardOp(Object first, Object upstream, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        try (NDManager m = base.newSubManager()) {
            NDArray a = load(m, 0, first, view(l));
            NDArray g = load(m, 1, upstream, view(l));
            if (!o.isDefault()) {
                DataType dtype = a.getDataType();
                if (o.hasMask()) {
                    // masked entries: y 0 (log-softmax -inf) and upstream 0, so the result is 0 there
                    NDArray keep = mask(m, l, o, a.getShape());
                    a = NDArrays.where(keep, a, m.full(a.getShape(), log ? Float.NEGATIVE_INFINITY : 0f, dtype));
                    g = NDArrays.where(keep, g, m.zeros(g.getShape(), dtype));
                }
                double t = o.temperature(dtype == DataType.FLOAT64 ? DType.FLOAT64 : DType.FLOAT32);
                if (t != 1) {
                    g = g.div(t);
                }
            }
            NDArray r = log
                    ? g.sub(a.exp().mul(g.sum(AXIS, true)))        // g - exp(l) * sum(g)
                    : a.mul(g.sub(g.mul(a).sum(AXIS, true)));      // y * (g - sum(g * y))
            store(r, out);
        } finally {
            Reference.reachabilityFence(first);
            Reference.reachabilityFence(upstream);
        }
    }

    @Override
    protected void crossEntropyOp(Object logits, Layout l, Object targets, LossOptions options, Object lossOut,
                                Object gradientOut) {
        if (!options.isPlain()) {
            crossEntropyWithOptions(logits, l, targets, options, lossOut, gradientOut);
            return;
        }
        Reduction reduction = options.reduction();
        int rows = l.rows();
        if (l.size() == 0) {
            // zero rows (K = 0 with rows > 0 cannot pass the facade's label/target checks)
            fill(lossOut, reduction == Reduction.SUM && rows == 0 ? 0 : Double.NaN);
            return;
        }
        int k = l.axisLength();
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            DataType dtype = x.getDataType();
            NDArray index = null;
            NDArray t;
            if (targets instanceof int[] labels) {
                index = load(m, 2, labels, rowView(l)).toType(DataType.INT64, false);
                t = oneHot(m, index, l, dtype);
            } else {
                t = load(m, 1, targets, view(l));
            }
            NDArray gradient = x.softmax(1).sub(t);
            if (reduction == Reduction.MEAN) {
                gradient = gradient.div((double) rows);
            }
            store(gradient, gradientOut);
            NDArray perRow = rowLosses(x.logSoftmax(1), index, t).reshape(1, rows);
            double scale = 1;
            if (anyInfinite(perRow)) {
                // z - m overflowed where the exact loss may be finite: half log-probabilities, doubled at the end
                NDArray max = x.max(AXIS, true);
                NDArray logS = x.sub(max).exp().sum(AXIS, true).log();
                NDArray halfLog = x.mul(0.5).sub(max.mul(0.5)).sub(logS.mul(0.5));
                perRow = rowLosses(halfLog, index, t).reshape(1, rows);
                scale = 2;
            }
            NDArray loss = switch (reduction) {
                case NONE -> perRow;
                case SUM -> perRow.sum(AXIS, true);
                // divide first: the sum of the row losses may overflow where their mean does not
                case MEAN -> perRow.div((double) rows).sum(AXIS, true);
            };
            store(scale == 1 ? loss : loss.mul(scale), lossOut);
        } finally {
            Reference.reachabilityFence(logits);
            Reference.reachabilityFence(targets);
        }
    }

    /**
     * Cross-entropy with weights, an ignored label or smoothing, from PyTorch's {@code softmax} and
     * {@code log_softmax}: the coefficients {@code c} of {@link LossOptions} ({@code eq} of the labels
     * against {@code arange} for the one-hot, times the label's weight per row, plus {@code ε/C·w}; or
     * {@code w ⊙ ((1−ε)t + ε/C)}), the loss {@code −Σ c·log y} and the gradient {@code y·Σc − c}, scaled for
     * the mean. DJL's {@code SoftmaxCrossEntropyLoss} has no class weights, ignored label or smoothing.
     */
    private void crossEntropyWithOptions(Object logits, Layout l, Object targets, LossOptions o, Object lossOut,
                                         Object gradientOut) {
        int rows = l.rows();
        int[] labels = targets instanceof int[] t ? t : null;
        LossTerms terms = LossTerms.of(o, l, labels, logits instanceof double[]);
        Reduction reduction = o.reduction();
        double scale = terms.scale;
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        try (NDManager m = base.newSubManager()) {
            NDArray x = load(m, 0, logits, view(l));
            DataType dtype = x.getDataType();
            NDArray c;
            if (labels != null) {
                NDArray index = load(m, 2, terms.safeLabels, rowView(l)).toType(DataType.INT64, false);
                c = oneHot(m, index, l, dtype).mul(values(m, terms.labelCoefficient, rowView(l), dtype));
                if (terms.uniform != 0) {
                    c = c.add(values(m, terms.rowCounts, rowView(l), dtype)
                            .mul(values(m, terms.uniformCoefficients(), classView(l), dtype)));
                }
            } else {
                c = load(m, 1, targets, view(l)).mul(terms.keep).add(terms.uniform)
                        .mul(values(m, terms.weight, classView(l), dtype));
            }
            NDArray y = x.softmax(1);
            NDArray gradient = labels == null && !o.hasWeight() ? y.sub(c) : y.mul(c.sum(AXIS, true)).sub(c);
            store(scale == 1 ? gradient : gradient.mul(scale), gradientOut);
            NDArray perRow = rowLosses(x.logSoftmax(1), null, c).reshape(1, rows);
            NDArray loss = switch (reduction) {
                case NONE -> perRow;
                case SUM -> perRow.sum(AXIS, true);
                case MEAN -> perRow.mul(scale).sum(AXIS, true);
            };
            store(loss, lossOut);
        } finally {
            Reference.reachabilityFence(logits);
            Reference.reachabilityFence(targets);
        }
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    /**
     * NLL: PyTorch's {@code gather} picks {@code x[label]} per row, times {@code −w[label]} (0 for ignored rows,
     * by {@code where}); the gradient is the one-hot times {@code −w[label]·scale}.
     */
    @Override
    protected void nllOp(Object x, Layout l, int[] labels, LossOptions o, Object lossOut, Object gradientOut) {
        int rows = l.rows();
        LossTerms terms = LossTerms.of(o, l, labels, x instanceof double[]);
        Reduction reduction = o.reduction();
        double scale = terms.scale;
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        boolean[] kept = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            kept[r] = terms.rowCounts[r] != 0;
        }
        try (NDManager m = base.newSubManager()) {
            NDArray in = load(m, 0, x, view(l));
            DataType dtype = in.getDataType();
            NDArray index = load(m, 2, terms.safeLabels, rowView(l)).toType(DataType.INT64, false);
            NDArray weights = values(m, terms.nllCoefficient, rowView(l), dtype);
            store(oneHot(m, index, l, dtype).mul(weights.mul(scale)), gradientOut);
            NDArray picked = in.gather(index, 1).mul(weights);
            NDArray perRow = NDArrays.where(m.create(kept, rowView(l)).broadcast(picked.getShape()), picked,
                            m.zeros(picked.getShape(), dtype))
                    .reshape(1, rows);
            NDArray loss = switch (reduction) {
                case NONE -> perRow;
                case SUM -> perRow.sum(AXIS, true);
                case MEAN -> perRow.mul(scale).sum(AXIS, true);
            };
            store(loss, lossOut);
        } finally {
            Reference.reachabilityFence(x);
        }
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    /** A small tensor of {@code values} in the dtype (per row or per class). */
    private static NDArray values(NDManager m, double[] values, Shape shape, DataType dtype) {
        if (dtype == DataType.FLOAT64) {
            return m.create(values, shape);
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return m.create(f, shape);
    }

    /** The one-hot of int64 class indices (shaped as {@link #rowView}) in the dtype: {@code eq} against {@code arange}. */
    private static NDArray oneHot(NDManager m, NDArray index, Layout l, DataType dtype) {
        return index.eq(m.arange(0, l.axisLength(), 1, DataType.INT64).reshape(classView(l))).toType(dtype, false);
    }

    /** One value per class, aligned with {@link #view(Layout)}: {@code [1, K]} or {@code [1, K, 1]}. */
    private static Shape classView(Layout l) {
        return l.inner() == 1 ? new Shape(1, l.axisLength()) : new Shape(1, l.axisLength(), 1);
    }

    /** {@code −log y[label]} per row (labels), or {@code −Σ t·log y} with terms of t = 0 counted as 0. */
    private static NDArray rowLosses(NDArray logY, NDArray index, NDArray t) {
        if (index != null) {
            return logY.gather(index, 1).neg();
        }
        NDArray terms = NDArrays.where(t.eq(0), t.getManager().zeros(t.getShape(), t.getDataType()), t.mul(logY));
        return terms.sum(AXIS, true).neg();
    }

    private static boolean anyInfinite(NDArray a) {
        return a.abs().eq(Double.POSITIVE_INFINITY).any().getBoolean();
    }

    // -------------------------------------------------------------- helpers

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
     * The input as a tensor of the caller's dtype (labels int32) in the call's manager {@code m}: a
     * kept per-thread tensor refilled with one bulk put ({@link InputTensors}), or, for inputs over
     * {@link InputTensors#MAX_BYTES}, a fresh one DJL copies the array into.
     */
    private NDArray load(NDManager m, int slot, Object array, Shape shape) {
        if (inPlace(array)) {
            return fromBlob(m, (Buffer) array, shape);
        }
        NDArray kept = inputs.get().load(slot, array, shape);
        if (kept != null) {
            kept.tempAttach(m); // results computed from it belong to m; it returns to the thread when m closes
            return kept;
        }
        return create(m, array, shape);
    }

    /** A fresh tensor of {@code m} that DJL copies {@code array} into (for inputs too large to keep). */
    private static NDArray create(NDManager m, Object array, Shape shape) {
        if (array instanceof double[] d) {
            return m.create(d, shape);
        }
        if (array instanceof float[] f) {
            return m.create(f, shape);
        }
        if (array instanceof FloatBuffer f) {
            return m.create(f, shape, DataType.FLOAT32);
        }
        if (array instanceof DoubleBuffer d) {
            return m.create(d, shape, DataType.FLOAT64);
        }
        return m.create((int[]) array, shape);
    }

    private static boolean isDirect(Object data) {
        return data instanceof Buffer b && b.isDirect();
    }

    /** Whether {@code data} is a direct buffer large enough to be used in place. */
    private boolean inPlace(Object data) {
        return isDirect(data) && (long) ((Buffer) data).remaining()
                * (data instanceof DoubleBuffer ? Double.BYTES : Float.BYTES) >= zeroCopyFromBytes;
    }

    /**
     * A tensor over the caller's direct buffer (position 0, native order): DJL aliases a direct
     * {@code ByteBuffer} (PyTorch's {@code from_blob}), so the float or double view is turned back
     * into bytes over the same memory with JNA. The caller's buffer must stay reachable until the
     * tensor is closed (the kernel's methods fence it).
     */
    private static NDArray fromBlob(NDManager m, Buffer direct, Shape shape) {
        boolean f64 = direct instanceof DoubleBuffer;
        long bytes = (long) direct.remaining() * (f64 ? Double.BYTES : Float.BYTES);
        ByteBuffer memory = Native.getDirectBufferPointer(direct).getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
        return m.create(memory, shape, f64 ? DataType.FLOAT64 : DataType.FLOAT32);
    }

    /**
     * Copies a result of the caller's dtype into {@code out}: large results into a direct buffer by
     * PyTorch's copy into a tensor over it, into arrays straight from tensor memory
     * (a direct view, {@code toByteBuffer(true)}: five JNI calls to check device, layout and
     * contiguity), small ones through one JNI copy into a heap buffer ({@code toByteBuffer(false)}),
     * which costs less below {@value #VIEW_ABOVE_BYTES} bytes.
     */
    private static void store(NDArray r, Object out) {
        int bytes = out instanceof double[] d ? d.length * Double.BYTES
                : out instanceof float[] f ? f.length * Float.BYTES
                : ((Buffer) out).remaining() * (out instanceof DoubleBuffer ? Double.BYTES : Float.BYTES);
        if (bytes >= NATIVE_COPY_FROM_BYTES && isDirect(out)) {
            // PyTorch's own copy (parallel) into a tensor over the caller's memory: 16 MB took 0.85 ms
            // here against 1.25 ms for one Java bulk copy
            try (NDArray o = fromBlob(r.getManager(), (Buffer) out, r.getShape())) {
                o.set(new NDIndex("..."), r);
            } finally {
                Reference.reachabilityFence(out);
            }
            return;
        }
        ByteBuffer b = r.toByteBuffer(bytes > VIEW_ABOVE_BYTES);
        if (out instanceof FloatBuffer f) {
            f.put(0, b.asFloatBuffer(), 0, f.remaining());
        } else if (out instanceof DoubleBuffer d) {
            d.put(0, b.asDoubleBuffer(), 0, d.remaining());
        } else if (out instanceof double[] d) {
            BulkCopy.get(b.asDoubleBuffer(), d);
        } else {
            float[] f = (float[]) out;
            BulkCopy.get(b.asFloatBuffer(), f);
        }
    }
}
