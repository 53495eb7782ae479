package org.softmaxspi.api;

import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * Softmax and its relatives, computed by one provider. Get one from {@link SoftmaxProviders}
 * ({@code SoftmaxProviders.get("reference")}, {@code SoftmaxProviders.getDefault()}) or wrap a
 * provider instance with {@link #of(SoftmaxProvider)}.
 *
 * <h2>Arrays, shapes and axes</h2>
 * Every operation takes a row-major array with its {@code shape} and an {@code axis}, with ONNX
 * opset-13 semantics: the operation runs along that one axis; a negative axis counts from the end
 * ({@code -1} is the last); a vector is shape {@code [K]}, a batch {@code [rows, K]} with axis -1;
 * any axis of any rank works. Each slice along the axis is a "row" of K elements.
 *
 * <h2>Buffers</h2>
 * Every operation also takes {@link FloatBuffer}s / {@link DoubleBuffer}s, heap or direct, for data
 * that already lives in native memory (an ONNX Runtime tensor's {@code getFloatBuffer()}, DJL's
 * {@code NDArray.toByteBuffer()}, ND4J's {@code DataBuffer.asNio()}, a memory-mapped file):
 * <ul>
 *   <li>an input is its elements between position and limit, row-major, with the same shape and axis
 *       rules as an array ({@code remaining()} is the product of the shape);</li>
 *   <li>a result is written from the output buffer's position, and its {@code remaining()} must be the
 *       result's length, as an output array's length must;</li>
 *   <li>no buffer's position, limit or mark changes, as with NIO's absolute bulk methods, so the same
 *       buffers can be passed again;</li>
 *   <li>direct buffers must be in the native byte order ({@link ByteOrder#nativeOrder()}); a view made
 *       with {@code ByteBuffer.allocateDirect(n).asFloatBuffer()} without {@code .order(...)} is
 *       big-endian and is refused rather than silently copied; heap buffers may have either order;</li>
 *   <li>an output must be writable and share no memory with an input or with the other output, also
 *       through another view (slice, duplicate, read-only view) of the same memory.</li>
 * </ul>
 * Results are identical, bit for bit, to the array methods'. Providers on native libraries use a
 * direct buffer in place (see each provider's documentation); the others copy through arrays.
 *
 * <h2>Semantics, for every provider (the conformance suite enforces them)</h2>
 * <ul>
 *   <li>Stable for every finite input: the maximum is subtracted first, so {@code [1000, 1000]}
 *       gives {@code [0.5, 0.5]} and entries of {@code ±MAX_VALUE} give finite, correct results.</li>
 *   <li>{@code -∞} entries get probability 0 and log-probability {@code -∞}. A row whose entries are
 *       all {@code -∞}, or that holds any {@code +∞} or NaN, gives a row of NaN.</li>
 *   <li>An empty axis (K = 0) or zero rows gives an empty result, no error. K = 1 gives {@code [1]}
 *       (log-softmax {@code [0]}, Jacobian {@code [[0]]}).</li>
 *   <li>Inputs are never modified; methods with an output parameter write only into it, and it
 *       must not be one of the input arrays. Methods without one return a fresh array.</li>
 *   <li>Instances are thread-safe.</li>
 *   <li>The backward passes take {@code y} (or the log-softmax) and {@code upstream} as given: a
 *       non-finite entry there gives what the formula gives in IEEE arithmetic in the provider's order
 *       of operations (the reference returns a row of NaN; a library adapter returns its library's
 *       result), and the conformance suite does not check it.</li>
 * </ul>
 *
 * <h2>Accuracy</h2>
 * Each provider declares, per operation, dtype and layout, the error bound its algorithm guarantees
 * ({@link SoftmaxProvider#accuracy}, {@link Accuracy}); the conformance suite holds it to that, and
 * {@code softmax verify} shows the measured error beside it. Providers therefore differ in their
 * last bits, and library adapters carry their library's error (hundreds to tens of thousands of ulps
 * on rows of 10^5 terms); the reference is correctly rounded.
 *
 * <h2>Errors</h2>
 * Bad arguments give {@link IllegalArgumentException} naming the parameter and showing the value,
 * before the provider is called: null arrays, a length that is not the product of the shape, an
 * axis out of range, {@code y}/{@code upstream} length mismatch, a label outside {@code [0, K)}, a
 * target entry outside {@code [0, 1]} or a target row whose sum differs from 1 by more than
 * {@code max(K, 16)} ulps of 1 in the dtype, a null reduction, an output of the wrong length; for
 * buffers also a {@code remaining()} that is not the product of the shape, a read-only output, a
 * direct buffer not in the native byte order, an output sharing memory with an input.
 * An operation or dtype the provider does not support gives {@link UnsupportedOperationException};
 * a provider that cannot work here gives {@link ProviderUnavailableException} with its reason.
 */
public final class Softmax {

    private final SoftmaxProvider provider;
    private final Object lock = new Object();
    private volatile Availability availability;
    private volatile SoftmaxKernel kernel;
    private volatile ProviderUnavailableException failure;
    /** The provider's capabilities, asked once at the first operation (they are a constant of the provider). */
    private volatile Capabilities capabilities;
    /**
     * The layout of the latest call: a call with the same shape and axis reuses it instead of checking
     * and allocating anew (small arrays spend a third of a call there). Racy on purpose: a Layout is
     * immutable and safely published through its final fields, and a lost update only costs a check.
     */
    private Layout lastLayout;

    private Softmax(SoftmaxProvider provider) {
        this.provider = provider;
    }

    /**
     * Wraps a provider instance (for example one not registered with {@code ServiceLoader}). Nothing
     * is loaded until the first operation or {@link #availability()}.
     */
    public static Softmax of(SoftmaxProvider provider) {
        return new Softmax(Objects.requireNonNull(provider, "provider"));
    }

    /** The provider's name. */
    public String name() {
        return provider.name();
    }

    /** The provider this instance computes with. */
    public SoftmaxProvider provider() {
        return provider;
    }

    /**
     * Whether the provider works here, asked once and cached. Never throws: a provider whose check
     * throws is reported unavailable with the exception as its reason.
     */
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (lock) {
                a = availability;
                if (a == null) {
                    try {
                        a = Objects.requireNonNull(provider.availability(), "availability() returned null");
                    } catch (RuntimeException | LinkageError e) {
                        a = Availability.unavailable("availability check failed", e);
                    }
                    availability = a;
                }
            }
        }
        return a;
    }

    private SoftmaxKernel kernel() {
        SoftmaxKernel k = kernel;
        if (k != null) {
            return k;
        }
        synchronized (lock) {
            if (kernel == null) {
                if (failure != null) {
                    throw failure;
                }
                Availability a = availability();
                if (!a.available()) {
                    failure = new ProviderUnavailableException("provider '" + name() + "' is unavailable: "
                            + a.reason(), null);
                    throw failure;
                }
                try {
                    kernel = Objects.requireNonNull(provider.createKernel(), "createKernel() returned null");
                } catch (RuntimeException | LinkageError e) {
                    failure = new ProviderUnavailableException("provider '" + name() + "' failed to start: "
                            + e, e);
                    throw failure;
                }
            }
            return kernel;
        }
    }

    private SoftmaxKernel kernel(Op op, DType dtype) {
        Capabilities c = capabilities;
        if (c == null) {
            c = Objects.requireNonNull(provider.capabilities(), "capabilities() returned null");
            capabilities = c;
        }
        if (!c.supports(op, dtype)) {
            throw new UnsupportedOperationException("provider '" + name() + "' does not support "
                    + op.label() + " for " + dtype.label());
        }
        return kernel();
    }

    /** The checked layout of {@code shape} and {@code axis}; the previous call's when they match. */
    private Layout layout(int[] shape, int axis) {
        Layout l = lastLayout;
        if (l != null && l.describes(shape, axis)) {
            return l;
        }
        l = Checks.layout(shape, axis);
        lastLayout = l;
        return l;
    }

    /** The shape of {@link #jacobian} results: {@code shape} without the axis, then {@code [K, K]}. */
    public static int[] jacobianShape(int[] shape, int axis) {
        return Checks.layout(shape, axis).jacobianShape();
    }

    /** The shape of unreduced cross-entropy losses and of labels: {@code shape} without the axis. */
    public static int[] rowShape(int[] shape, int axis) {
        return Checks.layout(shape, axis).rowShape();
    }

    // ---------------------------------------------------------------- softmax

    /** Softmax of a vector (shape {@code [K]}). */
    public float[] softmax(float[] logits) {
        Checks.notNull("logits", logits);
        return softmax(logits, new int[] {logits.length}, -1);
    }

    /** Softmax of a vector (shape {@code [K]}). */
    public double[] softmax(double[] logits) {
        Checks.notNull("logits", logits);
        return softmax(logits, new int[] {logits.length}, -1);
    }

    /**
     * Softmax along {@code axis}: {@code y_i = e^(z_i - m) / sum_k e^(z_k - m)}, {@code m = max z}.
     *
     * @return a fresh array shaped as {@code logits}
     */
    public float[] softmax(float[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        float[] out = new float[l.size()];
        kernel(Op.SOFTMAX, DType.FLOAT32).softmax(logits, l, out);
        return out;
    }

    /** As {@link #softmax(float[], int[], int)}, for float64. */
    public double[] softmax(double[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        double[] out = new double[l.size()];
        kernel(Op.SOFTMAX, DType.FLOAT64).softmax(logits, l, out);
        return out;
    }

    /** As {@link #softmax(float[], int[], int)}, writing into {@code out} (same length, not {@code logits}). */
    public void softmax(float[] logits, int[] shape, int axis, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.SOFTMAX, DType.FLOAT32).softmax(logits, l, out);
    }

    /** As {@link #softmax(float[], int[], int, float[])}, for float64. */
    public void softmax(double[] logits, int[] shape, int axis, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.SOFTMAX, DType.FLOAT64).softmax(logits, l, out);
    }

    // ------------------------------------------------------------ log-softmax

    /** Log-softmax of a vector (shape {@code [K]}). */
    public float[] logSoftmax(float[] logits) {
        Checks.notNull("logits", logits);
        return logSoftmax(logits, new int[] {logits.length}, -1);
    }

    /** Log-softmax of a vector (shape {@code [K]}). */
    public double[] logSoftmax(double[] logits) {
        Checks.notNull("logits", logits);
        return logSoftmax(logits, new int[] {logits.length}, -1);
    }

    /**
     * Log-softmax along {@code axis}: {@code z_i - m - log sum_k e^(z_k - m)}, never computed as
     * {@code log(softmax)} (which underflows to {@code -∞} for small probabilities).
     *
     * @return a fresh array shaped as {@code logits}
     */
    public float[] logSoftmax(float[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        float[] out = new float[l.size()];
        kernel(Op.LOG_SOFTMAX, DType.FLOAT32).logSoftmax(logits, l, out);
        return out;
    }

    /** As {@link #logSoftmax(float[], int[], int)}, for float64. */
    public double[] logSoftmax(double[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        double[] out = new double[l.size()];
        kernel(Op.LOG_SOFTMAX, DType.FLOAT64).logSoftmax(logits, l, out);
        return out;
    }

    /** As {@link #logSoftmax(float[], int[], int)}, writing into {@code out}. */
    public void logSoftmax(float[] logits, int[] shape, int axis, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT32).logSoftmax(logits, l, out);
    }

    /** As {@link #logSoftmax(float[], int[], int, float[])}, for float64. */
    public void logSoftmax(double[] logits, int[] shape, int axis, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT64).logSoftmax(logits, l, out);
    }

    // --------------------------------------------------------------- jacobian

    /**
     * The softmax Jacobian of every slice, {@code J_ij = y_i (δ_ij - y_j)} with {@code y} the softmax
     * of {@code logits} along {@code axis}.
     *
     * @return a fresh array of shape {@link #jacobianShape(int[], int)}: {@code shape} without the
     *         axis, followed by {@code [K, K]}
     * @throws IllegalArgumentException also when the result would exceed {@link Integer#MAX_VALUE} elements
     */
    public float[] jacobian(float[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        float[] out = new float[l.jacobianSize()];
        kernel(Op.JACOBIAN, DType.FLOAT32).jacobian(logits, l, out);
        return out;
    }

    /** As {@link #jacobian(float[], int[], int)}, for float64. */
    public double[] jacobian(double[] logits, int[] shape, int axis) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        double[] out = new double[l.jacobianSize()];
        kernel(Op.JACOBIAN, DType.FLOAT64).jacobian(logits, l, out);
        return out;
    }

    /** As {@link #jacobian(float[], int[], int)}, writing into {@code out} of {@code rows * K * K} elements. */
    public void jacobian(float[] logits, int[] shape, int axis, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.jacobianSize(), logits);
        kernel(Op.JACOBIAN, DType.FLOAT32).jacobian(logits, l, out);
    }

    /** As {@link #jacobian(float[], int[], int, float[])}, for float64. */
    public void jacobian(double[] logits, int[] shape, int axis, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.jacobianSize(), logits);
        kernel(Op.JACOBIAN, DType.FLOAT64).jacobian(logits, l, out);
    }

    // --------------------------------------------------------------- backward

    /**
     * The vector-Jacobian product of softmax: from {@code y} (a softmax output) and
     * {@code upstream} g = dL/dy, returns dL/dz = {@code y ⊙ (g - Σ g⊙y)} along {@code axis}.
     *
     * @return a fresh array shaped as {@code y}
     */
    public float[] backward(float[] y, float[] upstream, int[] shape, int axis) {
        Layout l = pair("y", y, upstream, shape, axis);
        float[] out = new float[l.size()];
        kernel(Op.BACKWARD, DType.FLOAT32).backward(y, upstream, l, out);
        return out;
    }

    /** As {@link #backward(float[], float[], int[], int)}, for float64. */
    public double[] backward(double[] y, double[] upstream, int[] shape, int axis) {
        Layout l = pair("y", y, upstream, shape, axis);
        double[] out = new double[l.size()];
        kernel(Op.BACKWARD, DType.FLOAT64).backward(y, upstream, l, out);
        return out;
    }

    /** As {@link #backward(float[], float[], int[], int)}, writing into {@code out}. */
    public void backward(float[] y, float[] upstream, int[] shape, int axis, float[] out) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), y, upstream);
        kernel(Op.BACKWARD, DType.FLOAT32).backward(y, upstream, l, out);
    }

    /** As {@link #backward(float[], float[], int[], int, float[])}, for float64. */
    public void backward(double[] y, double[] upstream, int[] shape, int axis, double[] out) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), y, upstream);
        kernel(Op.BACKWARD, DType.FLOAT64).backward(y, upstream, l, out);
    }

    /**
     * The backward of log-softmax: from {@code logSoftmax} (a log-softmax output) and
     * {@code upstream} g, returns {@code g - exp(logSoftmax) ⊙ Σ g} along {@code axis}.
     *
     * @return a fresh array shaped as {@code logSoftmax}
     */
    public float[] logSoftmaxBackward(float[] logSoftmax, float[] upstream, int[] shape, int axis) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        float[] out = new float[l.size()];
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT32).logSoftmaxBackward(logSoftmax, upstream, l, out);
        return out;
    }

    /** As {@link #logSoftmaxBackward(float[], float[], int[], int)}, for float64. */
    public double[] logSoftmaxBackward(double[] logSoftmax, double[] upstream, int[] shape, int axis) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        double[] out = new double[l.size()];
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64).logSoftmaxBackward(logSoftmax, upstream, l, out);
        return out;
    }

    /** As {@link #logSoftmaxBackward(float[], float[], int[], int)}, writing into {@code out}. */
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, int[] shape, int axis, float[] out) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logSoftmax, upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT32).logSoftmaxBackward(logSoftmax, upstream, l, out);
    }

    /** As {@link #logSoftmaxBackward(float[], float[], int[], int, float[])}, for float64. */
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, int[] shape, int axis, double[] out) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logSoftmax, upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64).logSoftmaxBackward(logSoftmax, upstream, l, out);
    }

    private Layout pair(String name, float[] a, float[] upstream, int[] shape, int axis) {
        Checks.notNull(name, a);
        Checks.notNull("upstream", upstream);
        Checks.sameLength("upstream", upstream.length, name, a.length);
        Layout l = layout(shape, axis);
        Checks.data(name, a, l);
        return l;
    }

    private Layout pair(String name, double[] a, double[] upstream, int[] shape, int axis) {
        Checks.notNull(name, a);
        Checks.notNull("upstream", upstream);
        Checks.sameLength("upstream", upstream.length, name, a.length);
        Layout l = layout(shape, axis);
        Checks.data(name, a, l);
        return l;
    }

    // ---------------------------------------------------------- cross-entropy

    /**
     * Cross-entropy from logits with class-index targets, {@code L_row = -log softmax(z)[label]},
     * and its gradient {@code (softmax(z) - onehot(label)) * scale}; {@code scale = 1/rows} for
     * {@link Reduction#MEAN}, 1 otherwise. The class axis is {@code axis}; {@code labels} has one
     * entry per row (shape {@link #rowShape(int[], int)}), each in {@code [0, K)}. A label on a
     * {@code -∞} logit gives loss {@code +∞}.
     */
    public FloatCrossEntropy crossEntropy(float[] logits, int[] shape, int axis, int[] labels,
                                          Reduction reduction) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l);
        float[] loss = new float[Checks.lossLength(l, reduction)];
        float[] gradient = new float[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, labels, reduction, loss, gradient);
        return new FloatCrossEntropy(loss, gradient);
    }

    /** As {@link #crossEntropy(float[], int[], int, int[], Reduction)}, for float64. */
    public DoubleCrossEntropy crossEntropy(double[] logits, int[] shape, int axis, int[] labels,
                                           Reduction reduction) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l);
        double[] loss = new double[Checks.lossLength(l, reduction)];
        double[] gradient = new double[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, labels, reduction, loss, gradient);
        return new DoubleCrossEntropy(loss, gradient);
    }

    /**
     * Cross-entropy from logits with probability targets shaped as the logits,
     * {@code L_row = -Σ t_i log softmax(z)_i} (terms with {@code t_i = 0} count as 0, even on a
     * {@code -∞} logit), and its gradient {@code (softmax(z) - t) * scale}. Each target row must be
     * in {@code [0, 1]} and sum to 1 within {@code max(K, 16)} ulps of 1.
     */
    public FloatCrossEntropy crossEntropy(float[] logits, int[] shape, int axis, float[] target,
                                          Reduction reduction) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        float[] loss = new float[Checks.lossLength(l, reduction)];
        float[] gradient = new float[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, target, reduction, loss, gradient);
        return new FloatCrossEntropy(loss, gradient);
    }

    /** As {@link #crossEntropy(float[], int[], int, float[], Reduction)}, for float64. */
    public DoubleCrossEntropy crossEntropy(double[] logits, int[] shape, int axis, double[] target,
                                           Reduction reduction) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        double[] loss = new double[Checks.lossLength(l, reduction)];
        double[] gradient = new double[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, target, reduction, loss, gradient);
        return new DoubleCrossEntropy(loss, gradient);
    }

    /**
     * As {@link #crossEntropy(float[], int[], int, int[], Reduction)}, writing the loss into
     * {@code lossOut} (1 element, or one per row for {@link Reduction#NONE}) and the gradient into
     * {@code gradientOut} (shaped as the logits).
     */
    public void crossEntropy(float[] logits, int[] shape, int axis, int[] labels, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l);
        crossEntropyOutputs(l, reduction, lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, labels, reduction, lossOut, gradientOut);
    }

    /** As {@link #crossEntropy(float[], int[], int, int[], Reduction, float[], float[])}, for float64. */
    public void crossEntropy(double[] logits, int[] shape, int axis, int[] labels, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l);
        crossEntropyOutputs(l, reduction, lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, labels, reduction, lossOut, gradientOut);
    }

    /** As {@link #crossEntropy(float[], int[], int, float[], Reduction)}, writing into the outputs. */
    public void crossEntropy(float[] logits, int[] shape, int axis, float[] target, Reduction reduction,
                             float[] lossOut, float[] gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        crossEntropyOutputs(l, reduction, lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, target, reduction, lossOut, gradientOut);
    }

    /** As {@link #crossEntropy(float[], int[], int, float[], Reduction, float[], float[])}, for float64. */
    public void crossEntropy(double[] logits, int[] shape, int axis, double[] target, Reduction reduction,
                             double[] lossOut, double[] gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        crossEntropyOutputs(l, reduction, lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, target, reduction, lossOut, gradientOut);
    }

    private Layout crossEntropyLayout(int[] shape, int axis, Reduction reduction) {
        Checks.reduction(reduction);
        return layout(shape, axis);
    }

    private static void crossEntropyOutputs(Layout l, Reduction reduction, Object lossOut, int lossLength,
                                            Object gradientOut, int gradientLength, Object... inputs) {
        Checks.output("lossOut", lossOut, lossLength, Checks.lossLength(l, reduction), inputs);
        Checks.output("gradientOut", gradientOut, gradientLength, l.size(), inputs);
        if (lossOut == gradientOut) {
            throw new IllegalArgumentException("gradientOut must not be the same array as lossOut");
        }
    }

    // ---------------------------------------------------------------- options

    /**
     * Softmax along {@code axis} with {@link SoftmaxOptions}: temperature, mask, policy for rows with
     * nothing to normalize. Plain options give exactly {@link #softmax(float[], int[], int)}.
     *
     * @return a fresh array shaped as {@code logits}
     * @throws IllegalArgumentException also for null options or a mask whose length is neither the
     *         data's nor the axis length
     */
    public float[] softmax(float[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        float[] out = new float[l.size()];
        kernel(Op.SOFTMAX, DType.FLOAT32).softmax(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void softmax(float[] logits, int[] shape, int axis, SoftmaxOptions options, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.SOFTMAX, DType.FLOAT32).softmax(logits, l, options, out);
    }

    /** As the float32 method with options, for float64. */
    public double[] softmax(double[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        double[] out = new double[l.size()];
        kernel(Op.SOFTMAX, DType.FLOAT64).softmax(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void softmax(double[] logits, int[] shape, int axis, SoftmaxOptions options, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.SOFTMAX, DType.FLOAT64).softmax(logits, l, options, out);
    }

    /** As {@link #logSoftmax(float[], int[], int)} with {@link SoftmaxOptions} (see {@link #softmax(float[], int[], int, SoftmaxOptions)}). */
    public float[] logSoftmax(float[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        float[] out = new float[l.size()];
        kernel(Op.LOG_SOFTMAX, DType.FLOAT32).logSoftmax(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void logSoftmax(float[] logits, int[] shape, int axis, SoftmaxOptions options, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT32).logSoftmax(logits, l, options, out);
    }

    /** As the float32 method with options, for float64. */
    public double[] logSoftmax(double[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        double[] out = new double[l.size()];
        kernel(Op.LOG_SOFTMAX, DType.FLOAT64).logSoftmax(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void logSoftmax(double[] logits, int[] shape, int axis, SoftmaxOptions options, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT64).logSoftmax(logits, l, options, out);
    }

    /** As {@link #jacobian(float[], int[], int)} with {@link SoftmaxOptions} (see {@link #softmax(float[], int[], int, SoftmaxOptions)}). */
    public float[] jacobian(float[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        float[] out = new float[l.jacobianSize()];
        kernel(Op.JACOBIAN, DType.FLOAT32).jacobian(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void jacobian(float[] logits, int[] shape, int axis, SoftmaxOptions options, float[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.jacobianSize(), logits);
        kernel(Op.JACOBIAN, DType.FLOAT32).jacobian(logits, l, options, out);
    }

    /** As the float32 method with options, for float64. */
    public double[] jacobian(double[] logits, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        double[] out = new double[l.jacobianSize()];
        kernel(Op.JACOBIAN, DType.FLOAT64).jacobian(logits, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void jacobian(double[] logits, int[] shape, int axis, SoftmaxOptions options, double[] out) {
        Layout l = layout(shape, axis);
        Checks.data("logits", logits, l);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.jacobianSize(), logits);
        kernel(Op.JACOBIAN, DType.FLOAT64).jacobian(logits, l, options, out);
    }

    /** As {@link #backward(float[], float[], int[], int)} with {@link SoftmaxOptions} (see {@link #softmax(float[], int[], int, SoftmaxOptions)}). */
    public float[] backward(float[] y, float[] upstream, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.options(options, l);
        float[] out = new float[l.size()];
        kernel(Op.BACKWARD, DType.FLOAT32).backward(y, upstream, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void backward(float[] y, float[] upstream, int[] shape, int axis, SoftmaxOptions options, float[] out) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), y, upstream);
        kernel(Op.BACKWARD, DType.FLOAT32).backward(y, upstream, l, options, out);
    }

    /** As the float32 method with options, for float64. */
    public double[] backward(double[] y, double[] upstream, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.options(options, l);
        double[] out = new double[l.size()];
        kernel(Op.BACKWARD, DType.FLOAT64).backward(y, upstream, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void backward(double[] y, double[] upstream, int[] shape, int axis, SoftmaxOptions options, double[] out) {
        Layout l = pair("y", y, upstream, shape, axis);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), y, upstream);
        kernel(Op.BACKWARD, DType.FLOAT64).backward(y, upstream, l, options, out);
    }

    /** As {@link #logSoftmaxBackward(float[], float[], int[], int)} with {@link SoftmaxOptions} (see {@link #softmax(float[], int[], int, SoftmaxOptions)}). */
    public float[] logSoftmaxBackward(float[] logSoftmax, float[] upstream, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.options(options, l);
        float[] out = new float[l.size()];
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT32).logSoftmaxBackward(logSoftmax, upstream, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, int[] shape, int axis, SoftmaxOptions options, float[] out) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logSoftmax, upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT32).logSoftmaxBackward(logSoftmax, upstream, l, options, out);
    }

    /** As the float32 method with options, for float64. */
    public double[] logSoftmaxBackward(double[] logSoftmax, double[] upstream, int[] shape, int axis, SoftmaxOptions options) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.options(options, l);
        double[] out = new double[l.size()];
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64).logSoftmaxBackward(logSoftmax, upstream, l, options, out);
        return out;
    }

    /** As the method with options returning an array, writing into {@code out} (not an input). */
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, int[] shape, int axis, SoftmaxOptions options, double[] out) {
        Layout l = pair("logSoftmax", logSoftmax, upstream, shape, axis);
        Checks.options(options, l);
        Checks.output("out", out, out == null ? 0 : out.length, l.size(), logSoftmax, upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64).logSoftmaxBackward(logSoftmax, upstream, l, options, out);
    }

    /**
     * Cross-entropy from logits with class labels and {@link LossOptions}: class weights, an ignored
     * label, label smoothing, the reduction (semantics on {@link LossOptions}, PyTorch's
     * {@code F.cross_entropy}). Labels lie in {@code [0, K)} or equal the ignored label.
     *
     * @throws IllegalArgumentException also for null options or a weight array whose length is not K
     */
    public FloatCrossEntropy crossEntropy(float[] logits, int[] shape, int axis, int[] labels, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, true, false);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l, options);
        float[] loss = new float[Checks.lossLength(l, options.reduction())];
        float[] gradient = new float[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, labels, options, loss, gradient);
        return new FloatCrossEntropy(loss, gradient);
    }

    /** As the method returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void crossEntropy(float[] logits, int[] shape, int axis, int[] labels, LossOptions options,
                             float[] lossOut, float[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, true, false);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l, options);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, labels, options, lossOut, gradientOut);
    }

    /** Cross-entropy with labels and {@link LossOptions}, double64 (see the labels method for float32). */
    public DoubleCrossEntropy crossEntropy(double[] logits, int[] shape, int axis, int[] labels, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, true, false);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l, options);
        double[] loss = new double[Checks.lossLength(l, options.reduction())];
        double[] gradient = new double[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, labels, options, loss, gradient);
        return new DoubleCrossEntropy(loss, gradient);
    }

    /** As the method returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void crossEntropy(double[] logits, int[] shape, int axis, int[] labels, LossOptions options,
                             double[] lossOut, double[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, true, false);
        Checks.data("logits", logits, l);
        Checks.labels(labels, l, options);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, labels, options, lossOut, gradientOut);
    }

    /** Cross-entropy with probability targets shaped as the logits and {@link LossOptions}, float32 (see the labels method for float32). */
    public FloatCrossEntropy crossEntropy(float[] logits, int[] shape, int axis, float[] target, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, false, false);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        float[] loss = new float[Checks.lossLength(l, options.reduction())];
        float[] gradient = new float[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, target, options, loss, gradient);
        return new FloatCrossEntropy(loss, gradient);
    }

    /** As the method returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void crossEntropy(float[] logits, int[] shape, int axis, float[] target, LossOptions options,
                             float[] lossOut, float[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, false, false);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(logits, l, target, options, lossOut, gradientOut);
    }

    /** Cross-entropy with probability targets shaped as the logits and {@link LossOptions}, double64 (see the labels method for float32). */
    public DoubleCrossEntropy crossEntropy(double[] logits, int[] shape, int axis, double[] target, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, false, false);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        double[] loss = new double[Checks.lossLength(l, options.reduction())];
        double[] gradient = new double[l.size()];
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, target, options, loss, gradient);
        return new DoubleCrossEntropy(loss, gradient);
    }

    /** As the method returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void crossEntropy(double[] logits, int[] shape, int axis, double[] target, LossOptions options,
                             double[] lossOut, double[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, false, false);
        Checks.data("logits", logits, l);
        Checks.target(target, l);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(logits, l, target, options, lossOut, gradientOut);
    }

    /**
     * Negative log-likelihood from log-probabilities along {@code axis} (PyTorch's {@code F.nll_loss},
     * ONNX {@code NegativeLogLikelihoodLoss}: the class axis is 1 in ONNX's N×C×d1×…×dk layout), with
     * class weights, an ignored label and the reduction of {@link LossOptions} (no label smoothing):
     * {@code loss_n = -w[t_n]·logProbabilities[n, t_n]}, and its gradient with respect to the
     * log-probabilities ({@code -w[t_n]·scale} at the label, 0 elsewhere). The input is taken as given:
     * it need not be normalized.
     *
     * @throws IllegalArgumentException as cross-entropy, and for label smoothing
     */
    public FloatCrossEntropy nll(float[] logProbabilities, int[] shape, int axis, int[] labels, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, true, true);
        Checks.data("logProbabilities", logProbabilities, l);
        Checks.labels(labels, l, options);
        float[] loss = new float[Checks.lossLength(l, options.reduction())];
        float[] gradient = new float[l.size()];
        kernel(Op.NLL, DType.FLOAT32).nll(logProbabilities, l, labels, options, loss, gradient);
        return new FloatCrossEntropy(loss, gradient);
    }

    /** As the NLL returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void nll(float[] logProbabilities, int[] shape, int axis, int[] labels, LossOptions options,
                    float[] lossOut, float[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, true, true);
        Checks.data("logProbabilities", logProbabilities, l);
        Checks.labels(labels, l, options);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logProbabilities);
        kernel(Op.NLL, DType.FLOAT32).nll(logProbabilities, l, labels, options, lossOut, gradientOut);
    }

    /** As the float32 NLL, for float64. */
    public DoubleCrossEntropy nll(double[] logProbabilities, int[] shape, int axis, int[] labels, LossOptions options) {
        Layout l = lossLayout(shape, axis, options, true, true);
        Checks.data("logProbabilities", logProbabilities, l);
        Checks.labels(labels, l, options);
        double[] loss = new double[Checks.lossLength(l, options.reduction())];
        double[] gradient = new double[l.size()];
        kernel(Op.NLL, DType.FLOAT64).nll(logProbabilities, l, labels, options, loss, gradient);
        return new DoubleCrossEntropy(loss, gradient);
    }

    /** As the NLL returning the loss and gradient, writing them into {@code lossOut} and {@code gradientOut}. */
    public void nll(double[] logProbabilities, int[] shape, int axis, int[] labels, LossOptions options,
                    double[] lossOut, double[] gradientOut) {
        Layout l = lossLayout(shape, axis, options, true, true);
        Checks.data("logProbabilities", logProbabilities, l);
        Checks.labels(labels, l, options);
        crossEntropyOutputs(l, options.reduction(), lossOut, lossOut == null ? 0 : lossOut.length, gradientOut,
                gradientOut == null ? 0 : gradientOut.length, logProbabilities);
        kernel(Op.NLL, DType.FLOAT64).nll(logProbabilities, l, labels, options, lossOut, gradientOut);
    }

    private Layout lossLayout(int[] shape, int axis, LossOptions options, boolean labels, boolean nll) {
        Checks.notNull("options", options);
        Layout l = layout(shape, axis);
        Checks.options(options, l, labels, nll);
        return l;
    }


    // ---------------------------------------------------------------- buffers

    /**
     * Softmax from {@code logits}' remaining elements into {@code out} from its position (see the class
     * documentation on buffers; no position changes).
     */
    public void softmax(FloatBuffer logits, int[] shape, int axis, FloatBuffer out) {
        Layout l = layout(shape, axis);
        FloatBuffer in = Checks.input("logits", logits, l);
        FloatBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.SOFTMAX, DType.FLOAT32).softmax(in, l, o);
    }

    /** As {@link #softmax(FloatBuffer, int[], int, FloatBuffer)}, for float64. */
    public void softmax(DoubleBuffer logits, int[] shape, int axis, DoubleBuffer out) {
        Layout l = layout(shape, axis);
        DoubleBuffer in = Checks.input("logits", logits, l);
        DoubleBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.SOFTMAX, DType.FLOAT64).softmax(in, l, o);
    }

    /** Log-softmax, as {@link #logSoftmax(float[], int[], int)}, from and into buffers. */
    public void logSoftmax(FloatBuffer logits, int[] shape, int axis, FloatBuffer out) {
        Layout l = layout(shape, axis);
        FloatBuffer in = Checks.input("logits", logits, l);
        FloatBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT32).logSoftmax(in, l, o);
    }

    /** As {@link #logSoftmax(FloatBuffer, int[], int, FloatBuffer)}, for float64. */
    public void logSoftmax(DoubleBuffer logits, int[] shape, int axis, DoubleBuffer out) {
        Layout l = layout(shape, axis);
        DoubleBuffer in = Checks.input("logits", logits, l);
        DoubleBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.LOG_SOFTMAX, DType.FLOAT64).logSoftmax(in, l, o);
    }

    /** The Jacobian, as {@link #jacobian(float[], int[], int)}, into {@code out} of {@code rows * K * K} remaining elements. */
    public void jacobian(FloatBuffer logits, int[] shape, int axis, FloatBuffer out) {
        Layout l = layout(shape, axis);
        FloatBuffer in = Checks.input("logits", logits, l);
        FloatBuffer o = Checks.output("out", out, l.jacobianSize());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.JACOBIAN, DType.FLOAT32).jacobian(in, l, o);
    }

    /** As {@link #jacobian(FloatBuffer, int[], int, FloatBuffer)}, for float64. */
    public void jacobian(DoubleBuffer logits, int[] shape, int axis, DoubleBuffer out) {
        Layout l = layout(shape, axis);
        DoubleBuffer in = Checks.input("logits", logits, l);
        DoubleBuffer o = Checks.output("out", out, l.jacobianSize());
        Checks.disjoint("out", out, "logits", logits);
        kernel(Op.JACOBIAN, DType.FLOAT64).jacobian(in, l, o);
    }

    /** The softmax backward, as {@link #backward(float[], float[], int[], int)}, from and into buffers. */
    public void backward(FloatBuffer y, FloatBuffer upstream, int[] shape, int axis, FloatBuffer out) {
        Layout l = layout(shape, axis);
        FloatBuffer a = Checks.input("y", y, l);
        Checks.sameRemaining("upstream", upstream, "y", y);
        FloatBuffer g = Checks.input("upstream", upstream, l);
        FloatBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "y", y);
        Checks.disjoint("out", out, "upstream", upstream);
        kernel(Op.BACKWARD, DType.FLOAT32).backward(a, g, l, o);
    }

    /** As {@link #backward(FloatBuffer, FloatBuffer, int[], int, FloatBuffer)}, for float64. */
    public void backward(DoubleBuffer y, DoubleBuffer upstream, int[] shape, int axis, DoubleBuffer out) {
        Layout l = layout(shape, axis);
        DoubleBuffer a = Checks.input("y", y, l);
        Checks.sameRemaining("upstream", upstream, "y", y);
        DoubleBuffer g = Checks.input("upstream", upstream, l);
        DoubleBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "y", y);
        Checks.disjoint("out", out, "upstream", upstream);
        kernel(Op.BACKWARD, DType.FLOAT64).backward(a, g, l, o);
    }

    /** The log-softmax backward, as {@link #logSoftmaxBackward(float[], float[], int[], int)}, from and into buffers. */
    public void logSoftmaxBackward(FloatBuffer logSoftmax, FloatBuffer upstream, int[] shape, int axis,
                                   FloatBuffer out) {
        Layout l = layout(shape, axis);
        FloatBuffer a = Checks.input("logSoftmax", logSoftmax, l);
        Checks.sameRemaining("upstream", upstream, "logSoftmax", logSoftmax);
        FloatBuffer g = Checks.input("upstream", upstream, l);
        FloatBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logSoftmax", logSoftmax);
        Checks.disjoint("out", out, "upstream", upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT32).logSoftmaxBackward(a, g, l, o);
    }

    /** As {@link #logSoftmaxBackward(FloatBuffer, FloatBuffer, int[], int, FloatBuffer)}, for float64. */
    public void logSoftmaxBackward(DoubleBuffer logSoftmax, DoubleBuffer upstream, int[] shape, int axis,
                                   DoubleBuffer out) {
        Layout l = layout(shape, axis);
        DoubleBuffer a = Checks.input("logSoftmax", logSoftmax, l);
        Checks.sameRemaining("upstream", upstream, "logSoftmax", logSoftmax);
        DoubleBuffer g = Checks.input("upstream", upstream, l);
        DoubleBuffer o = Checks.output("out", out, l.size());
        Checks.disjoint("out", out, "logSoftmax", logSoftmax);
        Checks.disjoint("out", out, "upstream", upstream);
        kernel(Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64).logSoftmaxBackward(a, g, l, o);
    }

    /**
     * Cross-entropy with class-index targets, as {@link #crossEntropy(float[], int[], int, int[], Reduction)},
     * from a logits buffer into {@code lossOut} (1 element remaining, or one per row for
     * {@link Reduction#NONE}) and {@code gradientOut} (shaped as the logits).
     */
    public void crossEntropy(FloatBuffer logits, int[] shape, int axis, int[] labels, Reduction reduction,
                             FloatBuffer lossOut, FloatBuffer gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        FloatBuffer in = Checks.input("logits", logits, l);
        Checks.labels(labels, l);
        FloatBuffer loss = Checks.output("lossOut", lossOut, Checks.lossLength(l, reduction));
        FloatBuffer gradient = Checks.output("gradientOut", gradientOut, l.size());
        crossEntropyDisjoint(lossOut, gradientOut, logits, null);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(in, l, labels, reduction, loss, gradient);
    }

    /** As {@link #crossEntropy(FloatBuffer, int[], int, int[], Reduction, FloatBuffer, FloatBuffer)}, for float64. */
    public void crossEntropy(DoubleBuffer logits, int[] shape, int axis, int[] labels, Reduction reduction,
                             DoubleBuffer lossOut, DoubleBuffer gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        DoubleBuffer in = Checks.input("logits", logits, l);
        Checks.labels(labels, l);
        DoubleBuffer loss = Checks.output("lossOut", lossOut, Checks.lossLength(l, reduction));
        DoubleBuffer gradient = Checks.output("gradientOut", gradientOut, l.size());
        crossEntropyDisjoint(lossOut, gradientOut, logits, null);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(in, l, labels, reduction, loss, gradient);
    }

    /**
     * Cross-entropy with probability targets, as {@link #crossEntropy(float[], int[], int, float[], Reduction)},
     * from buffers into buffers.
     */
    public void crossEntropy(FloatBuffer logits, int[] shape, int axis, FloatBuffer target, Reduction reduction,
                             FloatBuffer lossOut, FloatBuffer gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        FloatBuffer in = Checks.input("logits", logits, l);
        FloatBuffer t = Checks.input("target", target, l);
        Checks.target(t, l);
        FloatBuffer loss = Checks.output("lossOut", lossOut, Checks.lossLength(l, reduction));
        FloatBuffer gradient = Checks.output("gradientOut", gradientOut, l.size());
        crossEntropyDisjoint(lossOut, gradientOut, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT32).crossEntropy(in, l, t, reduction, loss, gradient);
    }

    /** As {@link #crossEntropy(FloatBuffer, int[], int, FloatBuffer, Reduction, FloatBuffer, FloatBuffer)}, for float64. */
    public void crossEntropy(DoubleBuffer logits, int[] shape, int axis, DoubleBuffer target, Reduction reduction,
                             DoubleBuffer lossOut, DoubleBuffer gradientOut) {
        Layout l = crossEntropyLayout(shape, axis, reduction);
        DoubleBuffer in = Checks.input("logits", logits, l);
        DoubleBuffer t = Checks.input("target", target, l);
        Checks.target(t, l);
        DoubleBuffer loss = Checks.output("lossOut", lossOut, Checks.lossLength(l, reduction));
        DoubleBuffer gradient = Checks.output("gradientOut", gradientOut, l.size());
        crossEntropyDisjoint(lossOut, gradientOut, logits, target);
        kernel(Op.CROSS_ENTROPY, DType.FLOAT64).crossEntropy(in, l, t, reduction, loss, gradient);
    }

    private static void crossEntropyDisjoint(Buffer lossOut, Buffer gradientOut, Buffer logits, Buffer target) {
        Checks.disjoint("gradientOut", gradientOut, "lossOut", lossOut);
        Checks.disjoint("lossOut", lossOut, "logits", logits);
        Checks.disjoint("gradientOut", gradientOut, "logits", logits);
        if (target != null) {
            Checks.disjoint("lossOut", lossOut, "target", target);
            Checks.disjoint("gradientOut", gradientOut, "target", target);
        }
    }

    @Override
    public String toString() {
        return "Softmax[" + name() + "]";
    }
}
