package org.softmaxspi.reference;

import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.reference.ReferenceProvider;

/** Test-only: a kernel that forwards everything to the reference, so a subclass can break one op. */
abstract class DelegatingKernel implements SoftmaxKernel {

    final SoftmaxKernel reference = new ReferenceProvider().createKernel();

    @Override
    public void softmax(float[] logits, Layout layout, float[] out) {
        reference.softmax(logits, layout, out);
    }

    @Override
    public void softmax(double[] logits, Layout layout, double[] out) {
        reference.softmax(logits, layout, out);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, float[] out) {
        reference.logSoftmax(logits, layout, out);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, double[] out) {
        reference.logSoftmax(logits, layout, out);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, float[] out) {
        reference.jacobian(logits, layout, out);
    }

    @Override
    public void jacobian(double[] logits, Layout layout, double[] out) {
        reference.jacobian(logits, layout, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, float[] out) {
        reference.backward(y, upstream, layout, out);
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, double[] out) {
        reference.backward(y, upstream, layout, out);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, float[] out) {
        reference.logSoftmaxBackward(logSoftmax, upstream, layout, out);
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, double[] out) {
        reference.logSoftmaxBackward(logSoftmax, upstream, layout, out);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        reference.crossEntropy(logits, layout, labels, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        reference.crossEntropy(logits, layout, labels, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, Reduction reduction, float[] lossOut,
                             float[] gradientOut) {
        reference.crossEntropy(logits, layout, target, reduction, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, Reduction reduction, double[] lossOut,
                             double[] gradientOut) {
        reference.crossEntropy(logits, layout, target, reduction, lossOut, gradientOut);
    }

    @Override
    public void softmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        reference.softmax(logits, layout, options, out);
    }

    @Override
    public void logSoftmax(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        reference.logSoftmax(logits, layout, options, out);
    }

    @Override
    public void jacobian(float[] logits, Layout layout, SoftmaxOptions options, float[] out) {
        reference.jacobian(logits, layout, options, out);
    }

    @Override
    public void backward(float[] y, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        reference.backward(y, upstream, layout, options, out);
    }

    @Override
    public void logSoftmaxBackward(float[] logSoftmax, float[] upstream, Layout layout, SoftmaxOptions options, float[] out) {
        reference.logSoftmaxBackward(logSoftmax, upstream, layout, options, out);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                             float[] gradientOut) {
        reference.crossEntropy(logits, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(float[] logits, Layout layout, float[] target, LossOptions options, float[] lossOut,
                             float[] gradientOut) {
        reference.crossEntropy(logits, layout, target, options, lossOut, gradientOut);
    }

    @Override
    public void nll(float[] logProbabilities, Layout layout, int[] labels, LossOptions options, float[] lossOut,
                    float[] gradientOut) {
        reference.nll(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public void softmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        reference.softmax(logits, layout, options, out);
    }

    @Override
    public void logSoftmax(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        reference.logSoftmax(logits, layout, options, out);
    }

    @Override
    public void jacobian(double[] logits, Layout layout, SoftmaxOptions options, double[] out) {
        reference.jacobian(logits, layout, options, out);
    }

    @Override
    public void backward(double[] y, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        reference.backward(y, upstream, layout, options, out);
    }

    @Override
    public void logSoftmaxBackward(double[] logSoftmax, double[] upstream, Layout layout, SoftmaxOptions options, double[] out) {
        reference.logSoftmaxBackward(logSoftmax, upstream, layout, options, out);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                             double[] gradientOut) {
        reference.crossEntropy(logits, layout, labels, options, lossOut, gradientOut);
    }

    @Override
    public void crossEntropy(double[] logits, Layout layout, double[] target, LossOptions options, double[] lossOut,
                             double[] gradientOut) {
        reference.crossEntropy(logits, layout, target, options, lossOut, gradientOut);
    }

    @Override
    public void nll(double[] logProbabilities, Layout layout, int[] labels, LossOptions options, double[] lossOut,
                    double[] gradientOut) {
        reference.nll(logProbabilities, layout, labels, options, lossOut, gradientOut);
    }
}
