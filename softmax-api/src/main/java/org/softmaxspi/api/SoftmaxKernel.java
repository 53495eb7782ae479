package org.softmaxspi.api;

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
 * <p>Room to grow: options such as temperature or masking will arrive as an extra value argument
 * on new methods, so existing kernels keep compiling.
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
}
