package org.softmaxspi.conformance;

import java.util.Arrays;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.FloatCrossEntropy;
import org.softmaxspi.api.DoubleCrossEntropy;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * Calls one operation of one provider on a case's inputs in one dtype, through the public
 * {@link Softmax} facade, on fresh copies of the inputs, and reports whether the copies were left
 * unchanged.
 *
 * @param op        the operation
 * @param labels    for cross-entropy: class-index targets (true) or probability targets (false)
 * @param reduction for cross-entropy
 */
record Invocation(Op op, boolean labels, Reduction reduction) {

    static Invocation of(Op op) {
        return new Invocation(op, false, null);
    }

    String label() {
        return op != Op.CROSS_ENTROPY ? op.label()
                : "cross_entropy(" + (labels ? "labels" : "target") + ", " + reduction.label() + ")";
    }

    /** The outputs (one array; two for cross-entropy: loss, gradient) widened to double. */
    record Outputs(double[][] values, boolean inputsUnchanged) {
    }

    Outputs run(Softmax s, CaseData d) {
        int[] shape = d.testCase.shape();
        int axis = d.testCase.axis();
        double[][] inputs = inputs(d);
        double[][] copies = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            copies[i] = inputs[i].clone();
        }
        int[] labelsCopy = d.labels.clone();
        double[][] out;
        if (d.dtype == DType.FLOAT32) {
            float[][] f = new float[inputs.length][];
            for (int i = 0; i < f.length; i++) {
                f[i] = CaseData.toFloat(inputs[i]);
            }
            float[][] fCopies = new float[f.length][];
            for (int i = 0; i < f.length; i++) {
                fCopies[i] = f[i].clone();
            }
            out = run32(s, f, labelsCopy, shape, axis);
            boolean same = Arrays.equals(labelsCopy, d.labels);
            for (int i = 0; i < f.length; i++) {
                same &= Arrays.equals(f[i], fCopies[i]);
            }
            return new Outputs(out, same);
        }
        out = run64(s, copies, labelsCopy, shape, axis);
        boolean same = Arrays.equals(labelsCopy, d.labels);
        for (int i = 0; i < copies.length; i++) {
            same &= Arrays.equals(copies[i], inputs[i]);
        }
        return new Outputs(out, same);
    }

    /** The outputs of one call through the buffer methods, and what it broke of the buffer rules (or empty). */
    record BufferOutputs(double[][] values, String problems) {
    }

    /** Calls the buffer method of the operation with buffers of {@code kind} holding the case's inputs. */
    BufferOutputs runBuffers(Softmax s, CaseData d, BufferCall.Kind kind) {
        int[] shape = d.testCase.shape();
        int axis = d.testCase.axis();
        int size = d.layout.size();
        int[] lengths = switch (op) {
            case JACOBIAN -> new int[] {d.layout.jacobianSize()};
            case CROSS_ENTROPY -> new int[] {reduction == Reduction.NONE ? d.layout.rows() : 1, size};
            default -> new int[] {size};
        };
        BufferCall c = new BufferCall(d.dtype, kind, inputs(d), lengths);
        int[] labelArray = d.labels.clone();
        if (d.dtype == DType.FLOAT32) {
            switch (op) {
                case SOFTMAX -> s.softmax(c.floatInput(0), shape, axis, c.floatOutput(0));
                case LOG_SOFTMAX -> s.logSoftmax(c.floatInput(0), shape, axis, c.floatOutput(0));
                case JACOBIAN -> s.jacobian(c.floatInput(0), shape, axis, c.floatOutput(0));
                case BACKWARD -> s.backward(c.floatInput(0), c.floatInput(1), shape, axis, c.floatOutput(0));
                case LOG_SOFTMAX_BACKWARD ->
                        s.logSoftmaxBackward(c.floatInput(0), c.floatInput(1), shape, axis, c.floatOutput(0));
                case CROSS_ENTROPY -> {
                    if (labels) {
                        s.crossEntropy(c.floatInput(0), shape, axis, labelArray, reduction, c.floatOutput(0),
                                c.floatOutput(1));
                    } else {
                        s.crossEntropy(c.floatInput(0), shape, axis, c.floatInput(1), reduction, c.floatOutput(0),
                                c.floatOutput(1));
                    }
                }
            }
        } else {
            switch (op) {
                case SOFTMAX -> s.softmax(c.doubleInput(0), shape, axis, c.doubleOutput(0));
                case LOG_SOFTMAX -> s.logSoftmax(c.doubleInput(0), shape, axis, c.doubleOutput(0));
                case JACOBIAN -> s.jacobian(c.doubleInput(0), shape, axis, c.doubleOutput(0));
                case BACKWARD -> s.backward(c.doubleInput(0), c.doubleInput(1), shape, axis, c.doubleOutput(0));
                case LOG_SOFTMAX_BACKWARD ->
                        s.logSoftmaxBackward(c.doubleInput(0), c.doubleInput(1), shape, axis, c.doubleOutput(0));
                case CROSS_ENTROPY -> {
                    if (labels) {
                        s.crossEntropy(c.doubleInput(0), shape, axis, labelArray, reduction, c.doubleOutput(0),
                                c.doubleOutput(1));
                    } else {
                        s.crossEntropy(c.doubleInput(0), shape, axis, c.doubleInput(1), reduction,
                                c.doubleOutput(0), c.doubleOutput(1));
                    }
                }
            }
        }
        String problems = c.problems();
        if (problems.isEmpty() && !Arrays.equals(labelArray, d.labels)) {
            problems = "the labels array was modified";
        }
        return new BufferOutputs(c.results(), problems);
    }

    private double[][] inputs(CaseData d) {
        return switch (op) {
            case SOFTMAX, LOG_SOFTMAX, JACOBIAN -> new double[][] {d.logits};
            case BACKWARD -> new double[][] {d.y(), d.upstream};
            case LOG_SOFTMAX_BACKWARD -> new double[][] {d.logY(), d.upstream};
            case CROSS_ENTROPY -> labels ? new double[][] {d.logits} : new double[][] {d.logits, d.target};
            case NLL -> throw notInTable();
        };
    }

    private double[][] run32(Softmax s, float[][] in, int[] labelArray, int[] shape, int axis) {
        return switch (op) {
            case SOFTMAX -> new double[][] {widen(s.softmax(in[0], shape, axis))};
            case LOG_SOFTMAX -> new double[][] {widen(s.logSoftmax(in[0], shape, axis))};
            case JACOBIAN -> new double[][] {widen(s.jacobian(in[0], shape, axis))};
            case BACKWARD -> new double[][] {widen(s.backward(in[0], in[1], shape, axis))};
            case LOG_SOFTMAX_BACKWARD -> new double[][] {widen(s.logSoftmaxBackward(in[0], in[1], shape, axis))};
            case CROSS_ENTROPY -> {
                FloatCrossEntropy r = labels ? s.crossEntropy(in[0], shape, axis, labelArray, reduction)
                        : s.crossEntropy(in[0], shape, axis, in[1], reduction);
                yield new double[][] {widen(r.loss()), widen(r.gradient())};
            }
            case NLL -> throw notInTable();
        };
    }

    private double[][] run64(Softmax s, double[][] in, int[] labelArray, int[] shape, int axis) {
        return switch (op) {
            case SOFTMAX -> new double[][] {s.softmax(in[0], shape, axis)};
            case LOG_SOFTMAX -> new double[][] {s.logSoftmax(in[0], shape, axis)};
            case JACOBIAN -> new double[][] {s.jacobian(in[0], shape, axis)};
            case BACKWARD -> new double[][] {s.backward(in[0], in[1], shape, axis)};
            case LOG_SOFTMAX_BACKWARD -> new double[][] {s.logSoftmaxBackward(in[0], in[1], shape, axis)};
            case CROSS_ENTROPY -> {
                DoubleCrossEntropy r = labels ? s.crossEntropy(in[0], shape, axis, labelArray, reduction)
                        : s.crossEntropy(in[0], shape, axis, in[1], reduction);
                yield new double[][] {r.loss(), r.gradient()};
            }
            case NLL -> throw notInTable();
        };
    }

    /** NLL and the options run in {@link LossChecks} and {@link OptionChecks}, not through the case table. */
    private static IllegalStateException notInTable() {
        return new IllegalStateException("nll is not run through the case table");
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
