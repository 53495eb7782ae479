package org.softmaxspi.fuzz;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * Generated invalid calls on every provider: each must throw exactly {@link IllegalArgumentException}
 * (not a subclass of another kind, not a native crash, not a result) whose message names the parameter
 * (and, where there is one, shows the value), before any native call. The defects: a wrong length of the
 * input, of the upstream gradient, of the output, of the labels or of the target; an axis out of range;
 * a negative dimension; null input, shape or output; an output that is the input array; a label out of
 * range; a target entry that is not a probability, or a row that does not sum to 1.
 */
class InvalidArgumentsTest {

    enum Defect {
        INPUT_LENGTH("logits.length"), UPSTREAM_LENGTH("upstream.length"), OUTPUT_LENGTH("out.length"),
        AXIS("axis"), NEGATIVE_DIMENSION("is negative"), NULL_INPUT("logits: null"), NULL_SHAPE("shape: null"),
        NULL_OUTPUT("out: null"), OUTPUT_IS_INPUT("must not be the same array"), LABELS_LENGTH("labels.length"),
        LABEL_RANGE("labels["), TARGET_LENGTH("target.length"), TARGET_VALUE("target["), TARGET_ROW("target row");

        final String named;

        Defect(String named) {
            this.named = named;
        }
    }

    /** A valid call's shape and axis with at least one row of K ≥ 2, the dtype and the defect to plant. */
    record Call(int[] shape, int axis, boolean float32, Defect defect, int offset) {
        @Override
        public String toString() {
            return defect + " shape " + Arrays.toString(shape) + " axis " + axis + (float32 ? " float32" : " float64")
                    + " offset " + offset;
        }
    }

    @Provide
    Arbitrary<Call> calls() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(2, 9).list().ofMinSize(1).ofMaxSize(3)
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
        return shapes.flatMap(shape -> Combinators.combine(
                Arbitraries.integers().between(-shape.length, shape.length - 1),
                Arbitraries.of(true, false),
                Arbitraries.of(Defect.class),
                Arbitraries.integers().between(1, 1000))
                .as((axis, f32, defect, offset) -> new Call(shape, axis, f32, defect, offset)));
    }

    @Property(seed = "20261207")
    @Label("every invalid call is an IllegalArgumentException naming the parameter, on every provider")
    void invalidCallsAreRefused(@ForAll("calls") Call call, @ForAll @IntRange(min = 0, max = 5) int op) {
        for (Softmax s : FuzzProviders.all()) {
            Throwable thrown = null;
            try {
                invoke(s, call, op);
            } catch (Throwable t) {
                thrown = t;
            }
            if (thrown == null) {
                // this op has no such parameter: the defect does not apply (e.g. upstream for softmax)
                if (!applies(call.defect(), op)) {
                    continue;
                }
                throw new AssertionError(s.name() + ": " + call + " op " + op + " returned instead of throwing");
            }
            String named = expectedName(call.defect(), op);
            if (!(thrown instanceof IllegalArgumentException) || thrown.getMessage() == null
                    || !thrown.getMessage().contains(named)) {
                throw new AssertionError(s.name() + ": " + call + " op " + op + " threw " + thrown
                        + " (expected an IllegalArgumentException naming '" + named + "')", thrown);
            }
        }
    }

    /** What the message must contain: the parameter's name as the facade spells it. */
    private static String expectedName(Defect d, int op) {
        String out = op == 5 ? "gradientOut" : "out";
        return switch (d) {
            case INPUT_LENGTH -> param(op) + ".length";
            case NULL_INPUT -> param(op) + ": null";
            case OUTPUT_LENGTH -> out + ".length";
            case NULL_OUTPUT -> out + ": null";
            case OUTPUT_IS_INPUT -> op == 2 ? "out.length" : out + " must not be the same array";
            default -> d.named;
        };
    }

    /** The name the facade gives the first input of op. */
    private static String param(int op) {
        return switch (op) {
            case 3 -> "y";
            case 4 -> "logSoftmax";
            default -> "logits";
        };
    }

    /** Whether op has the parameter the defect breaks (0 softmax, 1 log-softmax, 2 Jacobian, 3 backward, 4 LSB, 5 CE). */
    private static boolean applies(Defect d, int op) {
        return switch (d) {
            case UPSTREAM_LENGTH -> op == 3 || op == 4;
            case LABELS_LENGTH, LABEL_RANGE, TARGET_LENGTH, TARGET_VALUE, TARGET_ROW -> op == 5;
            default -> true;
        };
    }

    private static void invoke(Softmax s, Call c, int op) {
        int[] shape = c.shape().clone();
        int axis = c.axis();
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        int rank = shape.length;
        int a = axis < 0 ? axis + rank : axis;
        int k = shape[a];
        int rows = n / k;
        int inLength = n;
        int upLength = n;
        int outLength = op == 2 ? n * k : n;
        switch (c.defect()) {
            case INPUT_LENGTH -> inLength = n + (c.offset() % 2 == 0 ? c.offset() : -Math.min(n, c.offset()));
            case UPSTREAM_LENGTH -> upLength = n + c.offset();
            case OUTPUT_LENGTH -> outLength += c.offset() % 2 == 0 ? c.offset() : -Math.min(outLength, c.offset());
            case AXIS -> axis = c.offset() % 2 == 0 ? rank + c.offset() % 5 : -rank - 1 - c.offset() % 5;
            case NEGATIVE_DIMENSION -> shape[c.offset() % rank] = -c.offset();
            default -> { }
        }
        float[] zf = new float[Math.max(inLength, 0)];
        double[] zd = new double[Math.max(inLength, 0)];
        float[] zfIn = c.defect() == Defect.NULL_INPUT ? null : zf;
        double[] zdIn = c.defect() == Defect.NULL_INPUT ? null : zd;
        int[] shapeIn = c.defect() == Defect.NULL_SHAPE ? null : shape;
        if (op == 5) {
            cross(s, c, zfIn, zdIn, shapeIn, axis, rows, k, n);
            return;
        }
        float[] of = c.defect() == Defect.NULL_OUTPUT ? null
                : c.defect() == Defect.OUTPUT_IS_INPUT && op != 2 ? zf : new float[outLength];
        double[] od = c.defect() == Defect.NULL_OUTPUT ? null
                : c.defect() == Defect.OUTPUT_IS_INPUT && op != 2 ? zd : new double[outLength];
        if (c.defect() == Defect.OUTPUT_IS_INPUT && op == 2) {
            // the Jacobian's output is K times larger: the same array cannot fit both; use the input as output
            of = zf;
            od = zd;
        }
        float[] gf = new float[upLength];
        double[] gd = new double[upLength];
        if (c.float32()) {
            switch (op) {
                case 0 -> s.softmax(zfIn, shapeIn, axis, of);
                case 1 -> s.logSoftmax(zfIn, shapeIn, axis, of);
                case 2 -> s.jacobian(zfIn, shapeIn, axis, of);
                case 3 -> s.backward(zfIn, gf, shapeIn, axis, of);
                default -> s.logSoftmaxBackward(zfIn, gf, shapeIn, axis, of);
            }
        } else {
            switch (op) {
                case 0 -> s.softmax(zdIn, shapeIn, axis, od);
                case 1 -> s.logSoftmax(zdIn, shapeIn, axis, od);
                case 2 -> s.jacobian(zdIn, shapeIn, axis, od);
                case 3 -> s.backward(zdIn, gd, shapeIn, axis, od);
                default -> s.logSoftmaxBackward(zdIn, gd, shapeIn, axis, od);
            }
        }
    }

    private static void cross(Softmax s, Call c, float[] zf, double[] zd, int[] shape, int axis, int rows, int k,
                              int n) {
        Defect d = c.defect();
        boolean labels = d == Defect.LABELS_LENGTH || d == Defect.LABEL_RANGE || c.offset() % 2 == 0
                && d != Defect.TARGET_LENGTH && d != Defect.TARGET_VALUE && d != Defect.TARGET_ROW;
        float[] loss32 = new float[1];
        double[] loss64 = new double[1];
        int gradLength = d == Defect.OUTPUT_LENGTH ? n + c.offset() : n;
        float[] g32 = d == Defect.NULL_OUTPUT ? null : d == Defect.OUTPUT_IS_INPUT ? zf : new float[gradLength];
        double[] g64 = d == Defect.NULL_OUTPUT ? null : d == Defect.OUTPUT_IS_INPUT ? zd : new double[gradLength];
        if (labels) {
            int[] l = new int[d == Defect.LABELS_LENGTH ? rows + c.offset() : rows];
            if (d == Defect.LABEL_RANGE) {
                l[c.offset() % rows] = c.offset() % 2 == 0 ? k + c.offset() : -c.offset();
            }
            if (c.float32()) {
                s.crossEntropy(zf, shape, axis, l, Reduction.MEAN, loss32, g32);
            } else {
                s.crossEntropy(zd, shape, axis, l, Reduction.MEAN, loss64, g64);
            }
            return;
        }
        int tLength = d == Defect.TARGET_LENGTH ? n + c.offset() : n;
        double[] t = new double[tLength];
        // a valid one-hot target along the (valid) axis of the call's shape, then the planted defect
        int[] valid = c.shape();
        int a = c.axis() < 0 ? c.axis() + valid.length : c.axis();
        int inner = 1;
        for (int i = a + 1; i < valid.length; i++) {
            inner *= valid[i];
        }
        for (int r = 0; r < rows; r++) {
            t[(r / inner) * k * inner + r % inner] = 1;
        }
        if (d == Defect.TARGET_VALUE) {
            t[c.offset() % n] = c.offset() % 2 == 0 ? -0.5 : Double.NaN;
        } else if (d == Defect.TARGET_ROW) {
            t[0] = 0.5;
        }
        if (c.float32()) {
            float[] tf = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                tf[i] = (float) t[i];
            }
            s.crossEntropy(zf, shape, axis, tf, Reduction.MEAN, loss32, g32);
        } else {
            s.crossEntropy(zd, shape, axis, t, Reduction.MEAN, loss64, g64);
        }
    }
}
