package org.softmaxspi.simd;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The {@code simd} provider's kernel: dispatches each call to {@link FloatOps} or {@link DoubleOps}.
 * Stateless apart from the thread pool, so safe for concurrent calls. Loaded only after the Vector
 * API module was found (see {@link SimdProvider}).
 *
 * <h2>Buffers</h2>
 * The buffer methods are the SPI's defaults: a heap buffer over a whole array is computed in place,
 * any other buffer (direct, sliced, read-only) is copied into an array the thread keeps and the
 * result copied back. The copies cost more than the op: from and into direct buffers a float32
 * softmax took 2.2× (64×1000) to 3.7× (128×32000) the array call in the 2026-11-28 buffers report.
 * Why not
 * read direct buffers with vectors: the JDK 17 Vector API loads from {@code ByteBuffer}s and arrays
 * only, there is no public way from a {@code FloatBuffer} to its bytes before Java 22
 * ({@code MemorySegment.ofBuffer}), and the kernels' C2 rules ({@link FloatRows}) are tuned on
 * array loops; a second set of loops over buffers would double the generated code for a gain the
 * adapters, not this provider, are asked for. Measured in the benchmark report.
 */
final class SimdKernel implements SoftmaxKernel {

    private final FloatOps f;
    private final DoubleOps d;
    private final FloatOptions fo;
    private final DoubleOptions dO;
    final Parallel parallel;

    SimdKernel(SimdConfig config) {
        this.parallel = new Parallel(config.threads, config.threshold);
        this.f = new FloatOps(parallel);
        this.d = new DoubleOps(parallel);
        this.fo = new FloatOptions(f, parallel);
        this.dO = new DoubleOptions(d, parallel);
    }

    /** The vector shape in use, e.g. "512-bit vectors (16 float, 8 double lanes)". */
    static String vectors() {
        return VectorProbe.describe();
    }

    @Override
    public void softmax(float[] logits, Layout layout, float[] out) {
        f.softmax(logits, null, layout, out, false);
    }

    @Override
    public void softmax(double[] logits, Layout layout, double[] out) {
        d.softmax(logits, null, layout, out, false);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, float[] out) {
        f.softmax(logits, null, layout, out, true);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, double[] out) {
        d.softmax(logits, null, layout, out, true);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, float[] out) {
        f.jacobian(logits, null, layout, out);
    }

    @Override
    public void jacobian(double[] logits, Layout layout, double[] out) {
        d.jacobian(logits, null, layout, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        f.backward(y, upstream, layout, out, false);
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        d.backward(y, upstream, layout, out, false);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        f.backward(logSoftmax, upstream, layout, out, true);
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        d.backward(logSoftmax, upstream, layout, out, true);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        f.crossEntropy(logits, layout, labels, null, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        d.crossEntropy(logits, layout, labels, null, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        f.crossEntropy(logits, layout, null, target, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        d.crossEntropy(logits, layout, null, target, reduction, lossOut, gradientOut);
    }

    // ---------------------------------------------------------------- options (FloatOptions, DoubleOptions)

    @Override
    public void softmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        if (options.isDefault()) {
            softmax(logits, layout, out);
        } else {
            fo.softmax(logits, layout, options, out, false);
        }
    }

    @Override
    public void softmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        if (options.isDefault()) {
            softmax(logits, layout, out);
        } else {
            dO.softmax(logits, layout, options, out, false);
        }
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        if (options.isDefault()) {
            logSoftmax(logits, layout, out);
        } else {
            fo.softmax(logits, layout, options, out, true);
        }
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        if (options.isDefault()) {
            logSoftmax(logits, layout, out);
        } else {
            dO.softmax(logits, layout, options, out, true);
        }
    }

    @Override
    public void jacobian(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        if (options.isDefault()) {
            jacobian(logits, layout, out);
        } else {
            fo.jacobian(logits, layout, options, out);
        }
    }

    @Override
    public void jacobian(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        if (options.isDefault()) {
            jacobian(logits, layout, out);
        } else {
            dO.jacobian(logits, layout, options, out);
        }
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        if (options.isDefault()) {
            backward(y, upstream, layout, out);
        } else {
            fo.backward(y, upstream, layout, options, out, false);
        }
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        if (options.isDefault()) {
            backward(y, upstream, layout, out);
        } else {
            dO.backward(y, upstream, layout, options, out, false);
        }
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, SoftmaxOptions options,
                                   float[] out) {
        if (options.isDefault()) {
            logSoftmaxBackward(logSoftmax, upstream, layout, out);
        } else {
            fo.backward(logSoftmax, upstream, layout, options, out, true);
        }
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, SoftmaxOptions options,
                                   double[] out) {
        if (options.isDefault()) {
            logSoftmaxBackward(logSoftmax, upstream, layout, out);
        } else {
            dO.backward(logSoftmax, upstream, layout, options, out, true);
        }
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                             float[] gradientOut) {
        if (options.isPlain()) {
            crossEntropy(logits, layout, labels, options.reduction(), lossOut, gradientOut);
        } else {
            fo.crossEntropy(logits, layout, labels, options, lossOut, gradientOut);
        }
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                             double[] gradientOut) {
        if (options.isPlain()) {
            crossEntropy(logits, layout, labels, options.reduction(), lossOut, gradientOut);
        } else {
            dO.crossEntropy(logits, layout, labels, options, lossOut, gradientOut);
        }
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, LossOptions options, float[] lossOut,
                             float[] gradientOut) {
        if (options.isPlain()) {
            crossEntropy(logits, layout, target, options.reduction(), lossOut, gradientOut);
        } else {
            fo.crossEntropy(logits, layout, target, options, lossOut, gradientOut);
        }
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, LossOptions options, double[] lossOut,
                             double[] gradientOut) {
        if (options.isPlain()) {
            crossEntropy(logits, layout, target, options.reduction(), lossOut, gradientOut);
        } else {
            dO.crossEntropy(logits, layout, target, options, lossOut, gradientOut);
        }
    }

    @Override
    public void nll(float[] logProbabilities, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                    float[] gradientOut) {
        fo.nll(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public void nll(double[] logProbabilities, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                    double[] gradientOut) {
        dO.nll(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }
}
