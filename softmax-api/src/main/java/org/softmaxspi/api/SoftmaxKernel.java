package org.softmaxspi.api;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The object that does a provider's work, made once by {@link SoftmaxProvider#createKernel()}.
 *
 * <p>Users call {@link Softmax}, never a kernel: the facade checks every argument first (null,
 * lengths, axis, labels, targets, reductions, output arrays), so a kernel may assume that
 * <ul>
 *   <li>every array is non-null and its length matches the {@link Layout} (outputs included);</li>
 *   <li>output arrays are distinct from the inputs;</li>
 *   <li>labels lie in {@code [0, K)} and each target row is non-negative and sums to 1 within the
 *       tolerance stated in {@link Softmax};</li>
 *   <li>the operation and dtype are among the provider's {@link Capabilities}.</li>
 * </ul>
 * A kernel must not modify its inputs, must write every element of every output, and must be
 * safe to call from many threads at once. The semantics of each operation (edge cases, NaN and
 * infinities, empty arrays) are those documented on {@link Softmax}, and the conformance suite
 * enforces them.
 *
 * <h2>Buffers</h2>
 * Each operation also takes {@link FloatBuffer}s / {@link DoubleBuffer}s. The facade checks them as it
 * checks arrays and passes the kernel {@linkplain java.nio.Buffer#slice() slices}: position 0, limit and
 * capacity the operation's length, direct ones in the native byte order, outputs writable and sharing no
 * memory with an input. A kernel may move the slices' positions (the caller's buffers are not
 * affected). The default methods call the array methods: a heap buffer that wraps a whole array
 * ({@code FloatBuffer.wrap(array)}) is passed as that array, any other buffer is copied into an
 * array the calling thread keeps for the next call, and results are copied out; so a kernel that overrides none still works. A kernel on
 * native memory overrides them to use a direct buffer in place.
 *
 * <h2>Options</h2>
 * Temperature, masks and safe rows ({@link SoftmaxOptions}), class weights, ignored labels and label
 * smoothing ({@link LossOptions}) and NLL came later, as methods with an options argument whose
 * defaults keep older kernels compiling and working: with plain options they call the methods without
 * options; otherwise they throw {@link UnsupportedOperationException} naming the option, which the
 * conformance suite reports as a failure. The facade has checked the options against the call (mask
 * length, weight length, labels in {@code [0, C)} or equal to the ignored label, no ignored label or
 * NLL with probability targets, no smoothing for NLL).
 */
public interface SoftmaxKernel {

    /** Softmax of {@code logits} along the layout's axis into {@code out}. */
    void softmax(float[] logits, Layout layout, float[] out);

    /** Softmax of {@code logits} along the layout's axis into {@code out}. */
    void softmax(double[] logits, Layout layout, double[] out);

    /** Log-softmax of {@code logits} along the layout's axis into {@code out}. */
    void logSoftmax(float[] logits, Layout layout, float[] out);

    /** Log-softmax of {@code logits} along the layout's axis into {@code out}. */
    void logSoftmax(double[] logits, Layout layout, double[] out);

    /**
     * The softmax Jacobian of every slice into {@code out}, laid out as
     * {@link Layout#jacobianShape()} (row-major, {@code rows * K * K} elements).
     */
    void jacobian(float[] logits, Layout layout, float[] out);

    /** As {@link #jacobian(float[], Layout, float[])}, for float64. */
    void jacobian(double[] logits, Layout layout, double[] out);

    /** {@code out = y * (upstream - sum(upstream * y))} along the axis; {@code y} is a softmax output. */
    void backward(float[] y, float[] upstream, Layout layout, float[] out);

    /** As {@link #backward(float[], float[], Layout, float[])}, for float64. */
    void backward(double[] y, double[] upstream, Layout layout, double[] out);

    /** {@code out = upstream - exp(logSoftmax) * sum(upstream)} along the axis. */
    void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out);

    /** As {@link #logSoftmaxBackward(float[], float[], Layout, float[])}, for float64. */
    void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out);

    /**
     * Cross-entropy with class-index targets: {@code lossOut} gets one value per row
     * ({@link Reduction#NONE}) or one value, and {@code gradientOut} gets {@code (y - onehot) * scale}.
     */
    void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction,
                      float[] lossOut, float[] gradientOut);

    /** As {@link #crossEntropy(float[], Layout, int[], Reduction, float[], float[])}, for float64. */
    void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction,
                      double[] lossOut, double[] gradientOut);

    /** Cross-entropy with probability targets shaped as the logits; otherwise as with labels. */
    void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction,
                      float[] lossOut, float[] gradientOut);

    /** As {@link #crossEntropy(float[], Layout, float[], Reduction, float[], float[])}, for float64. */
    void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction,
                      double[] lossOut, double[] gradientOut);

    // ---------------------------------------------------------------- options

    /** Softmax with options; by default only the plain options (see the class comment). */
    default void softmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        plain(options, "softmax");
        softmax(logits, layout, out);
    }

    /** Softmax with options; by default only the plain options. */
    default void softmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        plain(options, "softmax");
        softmax(logits, layout, out);
    }

    /** Log-softmax with options; by default only the plain options. */
    default void logSoftmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        plain(options, "log_softmax");
        logSoftmax(logits, layout, out);
    }

    /** Log-softmax with options; by default only the plain options. */
    default void logSoftmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        plain(options, "log_softmax");
        logSoftmax(logits, layout, out);
    }

    /** The Jacobian with options; by default only the plain options. */
    default void jacobian(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        plain(options, "jacobian");
        jacobian(logits, layout, out);
    }

    /** The Jacobian with options; by default only the plain options. */
    default void jacobian(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        plain(options, "jacobian");
        jacobian(logits, layout, out);
    }

    /** The softmax backward with options; by default only the plain options. */
    default void backward(float[] y, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        plain(options, "backward");
        backward(y, upstream, layout, out);
    }

    /** The softmax backward with options; by default only the plain options. */
    default void backward(double[] y, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        plain(options, "backward");
        backward(y, upstream, layout, out);
    }

    /** The log-softmax backward with options; by default only the plain options. */
    default void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, SoftmaxOptions options,
                                    float[] out) {
        plain(options, "log_softmax_backward");
        logSoftmaxBackward(logSoftmax, upstream, layout, out);
    }

    /** The log-softmax backward with options; by default only the plain options. */
    default void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, SoftmaxOptions options,
                                    double[] out) {
        plain(options, "log_softmax_backward");
        logSoftmaxBackward(logSoftmax, upstream, layout, out);
    }

    /** Cross-entropy with labels and loss options; by default only the plain options. */
    default void crossEntropy(float[] logits, Layout layout, int[] labels, LossOptions options,
                              float[] lossOut, float[] gradientOut) {
        plain(options, "cross_entropy");
        crossEntropy(logits, layout, labels, options.reduction(), lossOut, gradientOut);
    }

    /** Cross-entropy with labels and loss options; by default only the plain options. */
    default void crossEntropy(double[] logits, Layout layout, int[] labels, LossOptions options,
                              double[] lossOut, double[] gradientOut) {
        plain(options, "cross_entropy");
        crossEntropy(logits, layout, labels, options.reduction(), lossOut, gradientOut);
    }

    /** Cross-entropy with probability targets and loss options; by default only the plain options. */
    default void crossEntropy(float[] logits, Layout layout, float[] target, LossOptions options,
                              float[] lossOut, float[] gradientOut) {
        plain(options, "cross_entropy");
        crossEntropy(logits, layout, target, options.reduction(), lossOut, gradientOut);
    }

    /** Cross-entropy with probability targets and loss options; by default only the plain options. */
    default void crossEntropy(double[] logits, Layout layout, double[] target, LossOptions options,
                              double[] lossOut, double[] gradientOut) {
        plain(options, "cross_entropy");
        crossEntropy(logits, layout, target, options.reduction(), lossOut, gradientOut);
    }

    /**
     * NLL from log-probabilities along the layout's axis and one label per row: {@code lossOut} as for
     * cross-entropy, {@code gradientOut} shaped as the input. By default unsupported.
     */
    default void nll(float[] logProbabilities, Layout layout, int[] labels, LossOptions options,
                     float[] lossOut, float[] gradientOut) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement nll");
    }

    /** As {@link #nll(float[], Layout, int[], LossOptions, float[], float[])}, for float64. */
    default void nll(double[] logProbabilities, Layout layout, int[] labels, LossOptions options,
                     double[] lossOut, double[] gradientOut) {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement nll");
    }

    private void plain(SoftmaxOptions options, String op) {
        if (!options.isDefault()) {
            throw new UnsupportedOperationException(getClass().getName() + " does not implement " + op
                    + " with " + options);
        }
    }

    private void plain(LossOptions options, String op) {
        if (!options.isPlain()) {
            throw new UnsupportedOperationException(getClass().getName() + " does not implement " + op
                    + " with " + options);
        }
    }

    // ---------------------------------------------------------------- buffers

    /** Softmax from and into buffers; by default through arrays. */
    default void softmax(FloatBuffer logits, Layout layout, FloatBuffer out) {
        float[] o = outputArray(out, 2);
        softmax(array(logits, 0), layout, o);
        written(o, out);
    }

    /** Softmax from and into buffers; by default through arrays. */
    default void softmax(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        double[] o = outputArray(out, 2);
        softmax(array(logits, 0), layout, o);
        written(o, out);
    }

    /** Log-softmax from and into buffers; by default through arrays. */
    default void logSoftmax(FloatBuffer logits, Layout layout, FloatBuffer out) {
        float[] o = outputArray(out, 2);
        logSoftmax(array(logits, 0), layout, o);
        written(o, out);
    }

    /** Log-softmax from and into buffers; by default through arrays. */
    default void logSoftmax(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        double[] o = outputArray(out, 2);
        logSoftmax(array(logits, 0), layout, o);
        written(o, out);
    }

    /** The Jacobian from and into buffers; by default through arrays. */
    default void jacobian(FloatBuffer logits, Layout layout, FloatBuffer out) {
        float[] o = outputArray(out, 2);
        jacobian(array(logits, 0), layout, o);
        written(o, out);
    }

    /** The Jacobian from and into buffers; by default through arrays. */
    default void jacobian(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        double[] o = outputArray(out, 2);
        jacobian(array(logits, 0), layout, o);
        written(o, out);
    }

    /** The softmax backward from and into buffers; by default through arrays. */
    default void backward(FloatBuffer y, FloatBuffer upstream, Layout layout, FloatBuffer out) {
        float[] o = outputArray(out, 2);
        backward(array(y, 0), array(upstream, 1), layout, o);
        written(o, out);
    }

    /** The softmax backward from and into buffers; by default through arrays. */
    default void backward(DoubleBuffer y, DoubleBuffer upstream, Layout layout, DoubleBuffer out) {
        double[] o = outputArray(out, 2);
        backward(array(y, 0), array(upstream, 1), layout, o);
        written(o, out);
    }

    /** The log-softmax backward from and into buffers; by default through arrays. */
    default void logSoftmaxBackward(FloatBuffer logSoftmax, FloatBuffer upstream, Layout layout, FloatBuffer out) {
        float[] o = outputArray(out, 2);
        logSoftmaxBackward(array(logSoftmax, 0), array(upstream, 1), layout, o);
        written(o, out);
    }

    /** The log-softmax backward from and into buffers; by default through arrays. */
    default void logSoftmaxBackward(DoubleBuffer logSoftmax, DoubleBuffer upstream, Layout layout,
                                    DoubleBuffer out) {
        double[] o = outputArray(out, 2);
        logSoftmaxBackward(array(logSoftmax, 0), array(upstream, 1), layout, o);
        written(o, out);
    }

    /** Cross-entropy with labels from and into buffers; by default through arrays. */
    default void crossEntropy(FloatBuffer logits, Layout layout, int[] labels, Reduction reduction,
                              FloatBuffer lossOut, FloatBuffer gradientOut) {
        float[] loss = outputArray(lossOut, 2);
        float[] gradient = outputArray(gradientOut, 3);
        crossEntropy(array(logits, 0), layout, labels, reduction, loss, gradient);
        written(loss, lossOut);
        written(gradient, gradientOut);
    }

    /** Cross-entropy with labels from and into buffers; by default through arrays. */
    default void crossEntropy(DoubleBuffer logits, Layout layout, int[] labels, Reduction reduction,
                              DoubleBuffer lossOut, DoubleBuffer gradientOut) {
        double[] loss = outputArray(lossOut, 2);
        double[] gradient = outputArray(gradientOut, 3);
        crossEntropy(array(logits, 0), layout, labels, reduction, loss, gradient);
        written(loss, lossOut);
        written(gradient, gradientOut);
    }

    /** Cross-entropy with probability targets from and into buffers; by default through arrays. */
    default void crossEntropy(FloatBuffer logits, Layout layout, FloatBuffer target, Reduction reduction,
                              FloatBuffer lossOut, FloatBuffer gradientOut) {
        float[] loss = outputArray(lossOut, 2);
        float[] gradient = outputArray(gradientOut, 3);
        crossEntropy(array(logits, 0), layout, array(target, 1), reduction, loss, gradient);
        written(loss, lossOut);
        written(gradient, gradientOut);
    }

    /** Cross-entropy with probability targets from and into buffers; by default through arrays. */
    default void crossEntropy(DoubleBuffer logits, Layout layout, DoubleBuffer target, Reduction reduction,
                              DoubleBuffer lossOut, DoubleBuffer gradientOut) {
        double[] loss = outputArray(lossOut, 2);
        double[] gradient = outputArray(gradientOut, 3);
        crossEntropy(array(logits, 0), layout, array(target, 1), reduction, loss, gradient);
        written(loss, lossOut);
        written(gradient, gradientOut);
    }

    // A heap buffer over a whole array (FloatBuffer.wrap(array)) is used as that array, with no copy;
    // any other buffer is copied into an array kept by the thread (ThreadArrays) and results copied out.

    private static boolean wholeArray(java.nio.Buffer b) {
        return b.hasArray() && b.arrayOffset() == 0 && java.lang.reflect.Array.getLength(b.array()) == b.remaining();
    }

    private static float[] array(FloatBuffer b, int slot) {
        if (wholeArray(b)) {
            return b.array();
        }
        float[] a = ThreadArrays.floats(slot, b.remaining());
        b.get(0, a);
        return a;
    }

    private static double[] array(DoubleBuffer b, int slot) {
        if (wholeArray(b)) {
            return b.array();
        }
        double[] a = ThreadArrays.doubles(slot, b.remaining());
        b.get(0, a);
        return a;
    }

    private static float[] outputArray(FloatBuffer out, int slot) {
        return wholeArray(out) ? out.array() : ThreadArrays.floats(slot, out.remaining());
    }

    private static double[] outputArray(DoubleBuffer out, int slot) {
        return wholeArray(out) ? out.array() : ThreadArrays.doubles(slot, out.remaining());
    }

    private static void written(float[] result, FloatBuffer out) {
        if (!out.hasArray() || result != out.array()) {
            out.put(0, result);
        }
    }

    private static void written(double[] result, DoubleBuffer out) {
        if (!out.hasArray() || result != out.array()) {
            out.put(0, result);
        }
    }
}
