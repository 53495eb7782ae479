package org.softmaxspi.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.DoubleCrossEntropy;
import org.softmaxspi.api.FloatCrossEntropy;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * Computes one {@link Request} with one provider and writes the result as one line of JSON:
 * {@code {"provider", "op", "dtype", "shape", "output"}}, or for cross_entropy and nll
 * {@code {"provider", "op", "dtype", "shape", "loss", "gradient"}} where {@code shape} is the
 * gradient's and {@code loss} is a number, or an array for reduction none. The backward ops
 * compute y = softmax(input) (or log-softmax) with the same provider and options first.
 */
final class Evaluator {

    private Evaluator() {
    }

    static String evaluate(Softmax s, Request r) {
        boolean f32 = r.dtype() == DType.FLOAT32;
        Outputs out = f32 ? compute32(s, r) : compute64(s, r);
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.MAPPER.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("provider", s.name());
            g.writeStringField("op", r.op().label());
            g.writeStringField("dtype", r.dtype().label());
            g.writeFieldName("shape");
            Json.writeArray(g, r.op() == Op.JACOBIAN ? Softmax.jacobianShape(r.shape(), r.axis()) : r.shape());
            if (r.op() == Op.CROSS_ENTROPY || r.op() == Op.NLL) {
                g.writeFieldName("loss");
                if (r.reduction() == Reduction.NONE) {
                    Json.writeArray(g, out.loss(), f32);
                } else {
                    Json.writeNumber(g, out.loss()[0], f32);
                }
                g.writeFieldName("gradient");
            } else {
                g.writeFieldName("output");
            }
            Json.writeArray(g, out.values(), f32);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** The result widened to double (exact for float32): the output or gradient, and the loss (or null). */
    private record Outputs(double[] values, double[] loss) {
    }

    private static Outputs compute32(Softmax s, Request r) {
        int[] shape = r.shape();
        int axis = r.axis();
        float[] z = toFloat(r.input());
        SoftmaxOptions o = r.softmaxOptions();
        FloatCrossEntropy ce = switch (r.op()) {
            case CROSS_ENTROPY -> r.labels() != null
                    ? s.crossEntropy(z, shape, axis, r.labels(), r.lossOptions())
                    : s.crossEntropy(z, shape, axis, toFloat(r.target()), r.lossOptions());
            case NLL -> s.nll(z, shape, axis, r.labels(), r.lossOptions());
            default -> null;
        };
        if (ce != null) {
            return new Outputs(widen(ce.gradient()), widen(ce.loss()));
        }
        float[] out = switch (r.op()) {
            case SOFTMAX -> s.softmax(z, shape, axis, o);
            case LOG_SOFTMAX -> s.logSoftmax(z, shape, axis, o);
            case JACOBIAN -> s.jacobian(z, shape, axis, o);
            case BACKWARD -> s.backward(s.softmax(z, shape, axis, o), toFloat(r.upstream()), shape, axis, o);
            case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(s.logSoftmax(z, shape, axis, o), toFloat(r.upstream()),
                    shape, axis, o);
            case CROSS_ENTROPY, NLL -> throw new AssertionError();
        };
        return new Outputs(widen(out), null);
    }

    private static Outputs compute64(Softmax s, Request r) {
        int[] shape = r.shape();
        int axis = r.axis();
        double[] z = r.input();
        SoftmaxOptions o = r.softmaxOptions();
        DoubleCrossEntropy ce = switch (r.op()) {
            case CROSS_ENTROPY -> r.labels() != null
                    ? s.crossEntropy(z, shape, axis, r.labels(), r.lossOptions())
                    : s.crossEntropy(z, shape, axis, r.target(), r.lossOptions());
            case NLL -> s.nll(z, shape, axis, r.labels(), r.lossOptions());
            default -> null;
        };
        if (ce != null) {
            return new Outputs(ce.gradient(), ce.loss());
        }
        double[] out = switch (r.op()) {
            case SOFTMAX -> s.softmax(z, shape, axis, o);
            case LOG_SOFTMAX -> s.logSoftmax(z, shape, axis, o);
            case JACOBIAN -> s.jacobian(z, shape, axis, o);
            case BACKWARD -> s.backward(s.softmax(z, shape, axis, o), r.upstream(), shape, axis, o);
            case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(s.logSoftmax(z, shape, axis, o), r.upstream(), shape,
                    axis, o);
            case CROSS_ENTROPY, NLL -> throw new AssertionError();
        };
        return new Outputs(out, null);
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
