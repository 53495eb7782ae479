package org.softmaxspi.api;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A {@link SoftmaxKernel} for providers that run one code path for both dtypes and for arrays and
 * buffers alike (library adapters, which hand all of them to native code): every typed method of
 * the SPI funnels into one of four operations that take the data as {@code Object}. Data is a
 * {@code float[]}, {@code double[]}, {@link FloatBuffer} or {@link DoubleBuffer} (buffers as
 * {@link SoftmaxKernel} describes them: position 0, the exact length, direct ones in native order),
 * all of one dtype within a call; class-index targets are an {@code int[]}. The facade's checks hold
 * as for any kernel. The options arrive as values ({@link SoftmaxOptions#defaults()} and
 * {@link LossOptions#of(Reduction)} for the methods without options), so one code path serves both.
 */
public abstract class UntypedKernel implements SoftmaxKernel {

    /**
     * Softmax ({@code log} false) or log-softmax of {@code logits} along the layout's axis into {@code out}, with
     * {@code options} ({@link SoftmaxOptions#defaults()} for the methods without options).
     */
    protected abstract void softmaxOp(Object logits, Layout layout, SoftmaxOptions options, Object out, boolean log);

    /** The Jacobian of every slice into {@code out} ({@code rows * K * K} elements), with options. */
    protected abstract void jacobianOp(Object logits, Layout layout, SoftmaxOptions options, Object out);

    /**
     * The softmax backward from {@code first} = y ({@code log} false), or the log-softmax backward from
     * {@code first} = the log-softmax ({@code log} true), with {@code upstream}, into {@code out}, with options.
     */
    protected abstract void backwardOp(Object first, Object upstream, Layout layout, SoftmaxOptions options,
                                       Object out, boolean log);

    /**
     * Cross-entropy with {@code targets} an {@code int[]} of labels or probability data shaped as the logits
     * ({@link LossOptions#of(Reduction)} for the methods without options).
     */
    protected abstract void crossEntropyOp(Object logits, Layout layout, Object targets, LossOptions options,
                                           Object lossOut, Object gradientOut);

    /** NLL from log-probabilities with one label per row (arrays only). */
    protected abstract void nllOp(Object logProbabilities, Layout layout, int[] labels, LossOptions options,
                                  Object lossOut, Object gradientOut);

    @Override
    public final void softmax(float[] logits, Layout layout, float[] out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void softmax(double[] logits, Layout layout, double[] out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void softmax(FloatBuffer logits, Layout layout, FloatBuffer out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void softmax(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void logSoftmax(float[] logits, Layout layout, float[] out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmax(double[] logits, Layout layout, double[] out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmax(FloatBuffer logits, Layout layout, FloatBuffer out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmax(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        softmaxOp(logits, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void jacobian(float[] logits, Layout layout, float[] out) {
        jacobianOp(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public final void jacobian(double[] logits, Layout layout, double[] out) {
        jacobianOp(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public final void jacobian(FloatBuffer logits, Layout layout, FloatBuffer out) {
        jacobianOp(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public final void jacobian(DoubleBuffer logits, Layout layout, DoubleBuffer out) {
        jacobianOp(logits, layout, SoftmaxOptions.defaults(), out);
    }

    @Override
    public final void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        backwardOp(y, upstream, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        backwardOp(y, upstream, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void backward(FloatBuffer y, FloatBuffer upstream, Layout layout, FloatBuffer out) {
        backwardOp(y, upstream, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void backward(DoubleBuffer y, DoubleBuffer upstream, Layout layout, DoubleBuffer out) {
        backwardOp(y, upstream, layout, SoftmaxOptions.defaults(), out, false);
    }

    @Override
    public final void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        backwardOp(logSoftmax, upstream, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        backwardOp(logSoftmax, upstream, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmaxBackward(FloatBuffer logSoftmax, FloatBuffer upstream, Layout layout, FloatBuffer out) {
        backwardOp(logSoftmax, upstream, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void logSoftmaxBackward(DoubleBuffer logSoftmax, DoubleBuffer upstream, Layout layout, DoubleBuffer out) {
        backwardOp(logSoftmax, upstream, layout, SoftmaxOptions.defaults(), out, true);
    }

    @Override
    public final void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction, float[] lossOut,
                                   float[] gradientOut) {
        crossEntropyOp(logits, layout, labels, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction, float[] lossOut,
                                   float[] gradientOut) {
        crossEntropyOp(logits, layout, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction, double[] lossOut,
                                   double[] gradientOut) {
        crossEntropyOp(logits, layout, labels, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction, double[] lossOut,
                                   double[] gradientOut) {
        crossEntropyOp(logits, layout, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(FloatBuffer logits, Layout layout, int[] labels, Reduction reduction, FloatBuffer lossOut,
                                   FloatBuffer gradientOut) {
        crossEntropyOp(logits, layout, labels, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(FloatBuffer logits, Layout layout, FloatBuffer target, Reduction reduction, FloatBuffer lossOut,
                                   FloatBuffer gradientOut) {
        crossEntropyOp(logits, layout, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(DoubleBuffer logits, Layout layout, int[] labels, Reduction reduction, DoubleBuffer lossOut,
                                   DoubleBuffer gradientOut) {
        crossEntropyOp(logits, layout, labels, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(DoubleBuffer logits, Layout layout, DoubleBuffer target, Reduction reduction, DoubleBuffer lossOut,
                                   DoubleBuffer gradientOut) {
        crossEntropyOp(logits, layout, target, LossOptions.of(reduction), lossOut, gradientOut);
    }

    @Override
    public final void softmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        softmaxOp(logits, layout, options, out, false);
    }

    @Override
    public final void logSoftmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        softmaxOp(logits, layout, options, out, true);
    }

    @Override
    public final void jacobian(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        jacobianOp(logits, layout, options, out);
    }

    @Override
    public final void backward(float[] y, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        backwardOp(y, upstream, layout, options, out, false);
    }

    @Override
    public final void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, SoftmaxOptions options,
                                         float[] out) {
        backwardOp(logSoftmax, upstream, layout, options, out, true);
    }

    @Override
    public final void crossEntropy(float[] logits, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                                   float[] gradientOut) {
        crossEntropyOp(logits, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(float[] logits, Layout layout, float[] target, LossOptions options, float[] lossOut,
                                   float[] gradientOut) {
        crossEntropyOp(logits, layout, target, options, lossOut, gradientOut);
    }

    @Override
    public final void nll(float[] logProbabilities, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                          float[] gradientOut) {
        nllOp(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public final void softmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        softmaxOp(logits, layout, options, out, false);
    }

    @Override
    public final void logSoftmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        softmaxOp(logits, layout, options, out, true);
    }

    @Override
    public final void jacobian(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        jacobianOp(logits, layout, options, out);
    }

    @Override
    public final void backward(double[] y, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        backwardOp(y, upstream, layout, options, out, false);
    }

    @Override
    public final void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, SoftmaxOptions options,
                                         double[] out) {
        backwardOp(logSoftmax, upstream, layout, options, out, true);
    }

    @Override
    public final void crossEntropy(double[] logits, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                                   double[] gradientOut) {
        crossEntropyOp(logits, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public final void crossEntropy(double[] logits, Layout layout, double[] target, LossOptions options, double[] lossOut,
                                   double[] gradientOut) {
        crossEntropyOp(logits, layout, target, options, lossOut, gradientOut);
    }

    @Override
    public final void nll(double[] logProbabilities, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                          double[] gradientOut) {
        nllOp(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }

    /** Sets the elements of slice {@code row} of {@code out} (an array of the data's layout) to {@code value}. */
    protected static void fillRow(Object out, Layout layout, int row, double value) {
        for (int j = 0, idx = layout.rowStart(row); j < layout.axisLength(); j++, idx += layout.inner()) {
            if (out instanceof double[] d) {
                d[idx] = value;
            } else {
                ((float[]) out)[idx] = (float) value;
            }
        }
    }

    /** Sets every element of {@code out} (an array, or a buffer from index 0 to its limit) to {@code value}. */
    protected static void fill(Object out, double value) {
        if (out instanceof double[] d) {
            Arrays.fill(d, value);
        } else if (out instanceof float[] f) {
            Arrays.fill(f, (float) value);
        } else if (out instanceof FloatBuffer f) {
            for (int i = 0; i < f.limit(); i++) {
                f.put(i, (float) value);
            }
        } else {
            DoubleBuffer d = (DoubleBuffer) out;
            for (int i = 0; i < d.limit(); i++) {
                d.put(i, value);
            }
        }
    }
}
