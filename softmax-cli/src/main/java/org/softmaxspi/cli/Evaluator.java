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

/**
 * Computes one {@link Request} with one provider and writes the result as one line of JSON:
 * {@code {"provider", "op", "dtype", "shape", "output"}}, or for cross_entropy
 * {@code {"provider", "op", "dtype", "shape", "loss", "gradient"}} where {@code shape} is the
 * gradient's and {@code loss} is a number, or an array for reduction none. The backward ops
 * compute y = softmax(input) (or log-softmax) with the same provider first.
 */
final class Evaluator {

    private Evaluator() {
    }

    static String evaluate(Softmax s, Request r) {
        int[] shape = r.shape();
        int axis = r.axis();
        StringWriter w = new StringWriter();
        try (JsonGenerator g = Json.MAPPER.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("provider", s.name());
            g.writeStringField("op", r.op().label());
            g.writeStringField("dtype", r.dtype().label());
            if (r.dtype() == DType.FLOAT32) {
                write32(g, s, r, shape, axis);
            } else {
                write64(g, s, r, shape, axis);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void write32(JsonGenerator g, Softmax s, Request r, int[] shape, int axis) throws IOException {
        float[] z = toFloat(r.input());
        if (r.op() == Op.CROSS_ENTROPY) {
            FloatCrossEntropy ce = r.labels() != null
                    ? s.crossEntropy(z, shape, axis, r.labels(), r.reduction())
                    : s.crossEntropy(z, shape, axis, toFloat(r.target()), r.reduction());
            g.writeFieldName("shape");
            Json.writeArray(g, shape);
            g.writeFieldName("loss");
            if (r.reduction() == Reduction.NONE) {
                Json.writeArray(g, ce.loss());
            } else {
                g.writeNumber(ce.scalarLoss());
            }
            g.writeFieldName("gradient");
            Json.writeArray(g, ce.gradient());
            return;
        }
        float[] out = switch (r.op()) {
            case SOFTMAX -> s.softmax(z, shape, axis);
            case LOG_SOFTMAX -> s.logSoftmax(z, shape, axis);
            case JACOBIAN -> s.jacobian(z, shape, axis);
            case BACKWARD -> s.backward(s.softmax(z, shape, axis), toFloat(r.upstream()), shape, axis);
            case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(s.logSoftmax(z, shape, axis), toFloat(r.upstream()),
                    shape, axis);
            case CROSS_ENTROPY -> throw new AssertionError();
        };
        g.writeFieldName("shape");
        Json.writeArray(g, r.op() == Op.JACOBIAN ? Softmax.jacobianShape(shape, axis) : shape);
        g.writeFieldName("output");
        Json.writeArray(g, out);
    }

    private static void write64(JsonGenerator g, Softmax s, Request r, int[] shape, int axis) throws IOException {
        double[] z = r.input();
        if (r.op() == Op.CROSS_ENTROPY) {
            DoubleCrossEntropy ce = r.labels() != null
                    ? s.crossEntropy(z, shape, axis, r.labels(), r.reduction())
                    : s.crossEntropy(z, shape, axis, r.target(), r.reduction());
            g.writeFieldName("shape");
            Json.writeArray(g, shape);
            g.writeFieldName("loss");
            if (r.reduction() == Reduction.NONE) {
                Json.writeArray(g, ce.loss());
            } else {
                g.writeNumber(ce.scalarLoss());
            }
            g.writeFieldName("gradient");
            Json.writeArray(g, ce.gradient());
            return;
        }
        double[] out = switch (r.op()) {
            case SOFTMAX -> s.softmax(z, shape, axis);
            case LOG_SOFTMAX -> s.logSoftmax(z, shape, axis);
            case JACOBIAN -> s.jacobian(z, shape, axis);
            case BACKWARD -> s.backward(s.softmax(z, shape, axis), r.upstream(), shape, axis);
            case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(s.logSoftmax(z, shape, axis), r.upstream(), shape, axis);
            case CROSS_ENTROPY -> throw new AssertionError();
        };
        g.writeFieldName("shape");
        Json.writeArray(g, r.op() == Op.JACOBIAN ? Softmax.jacobianShape(shape, axis) : shape);
        g.writeFieldName("output");
        Json.writeArray(g, out);
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
