package org.softmaxspi.onnxruntime;

import java.util.List;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.onnxruntime.OnnxGraph.Attribute;
import org.softmaxspi.onnxruntime.OnnxGraph.ElemType;

/**
 * The ONNX graph of every operation, one per {@link Key}: the data is viewed as {@code [N, K]} (axis last)
 * or {@code [N, K, D]} with symbolic dimensions, so one session serves every shape, and every op runs along
 * dimension 1.
 *
 * <ul>
 *   <li>softmax, log-softmax: ONNX {@code Softmax}/{@code LogSoftmax} (opset 13, axis 1); with options
 *       {@code Where(mask, x, −∞)}, then {@code (x − ReduceMax(x))/T}, and for the zero policy
 *       {@code Where(max == −∞, 0, y)}.</li>
 *   <li>Jacobian: {@code Softmax}, rows as {@code [R, K]} ({@code Transpose} + {@code Flatten} for an inner
 *       axis), {@code y_i(δ_ij − y_j)} by a broadcast {@code Sub} from {@code EyeLike} and a broadcast
 *       {@code Mul}, divided by T.</li>
 *   <li>backward: {@code y·(g − ReduceSum(g·y))}; log-softmax backward: {@code g − Exp(l)·ReduceSum(g)} (ONNX
 *       has no softmax-gradient op in the default domain; ONNX Runtime's {@code SoftmaxGrad} is a training
 *       op that its inference build does not have).</li>
 *   <li>cross-entropy with labels: ONNX {@code SoftmaxCrossEntropyLoss} (class weights as its input,
 *       {@code ignore_index} and {@code reduction} as its attributes) for the loss; the gradient
 *       {@code (Softmax(x) − onehot)·c_n·scale} with the one-hot from {@code Equal} against {@code Range}.
 *       Label smoothing (which the ONNX op lacks), probability targets (which it does not take) and the
 *       half-log recompute: {@code −ReduceSum(c·LogSoftmax(x))} with the coefficients {@code c} of
 *       {@link org.softmaxspi.api.LossTerms} formed in the graph.</li>
 *   <li>NLL: ONNX {@code NegativeLogLikelihoodLoss}; its gradient {@code onehot·c_n·scale}.</li>
 * </ul>
 * Scalars that change per call (T, the loss scale) and per-call arrays (mask, weights, per-row
 * coefficients) are graph inputs, not attributes, so they do not multiply sessions; {@code ignore_index} is
 * an attribute of the ONNX loss ops and so part of the key.
 */
final class OrtGraphs {

    // graph input names
    static final String X = "x";
    static final String UPSTREAM = "g";
    static final String MASK = "mask";
    static final String TEMPERATURE = "temperature";
    static final String LABELS = "labels";
    static final String WEIGHT = "weight";
    static final String TARGET = "target";
    static final String ROW_COEFFICIENT = "row_coefficient";
    static final String ROW_COUNTS = "row_counts";
    static final String UNIFORM = "uniform";
    static final String KEEP = "keep";
    static final String SCALE = "scale";
    // graph output names
    static final String Y = "y";
    static final String LOSS = "loss";
    static final String GRADIENT = "gradient";

    /** What a graph computes. */
    enum Kind {
        SOFTMAX, LOG_SOFTMAX, JACOBIAN, BACKWARD, LOG_SOFTMAX_BACKWARD,
        /** ONNX's SoftmaxCrossEntropyLoss with labels (weights and ignore_index its own), gradient composed. */
        CROSS_ENTROPY_LABELS,
        /** −Σ c·log y with labels and smoothing (coefficient inputs), composed. */
        CROSS_ENTROPY_SMOOTHED,
        /** −Σ c·log y with probability targets, composed. */
        CROSS_ENTROPY_TARGETS,
        NLL
    }

    /** Flags of {@link Key#flags()}. */
    static final int MASKED = 1;
    static final int SLICE_MASK = 2;
    static final int TEMPERED = 4;
    static final int ZERO_ROWS = 8;
    static final int WEIGHTED = 16;
    /** Cross-entropy from half log-probabilities, doubled (the overflow fix-up). */
    static final int HALF_LOG = 32;
    /** Probability targets with weights or smoothing. */
    static final int TARGET_OPTIONS = 64;

    /**
     * One graph: its kind, dtype, whether the axis is the last ({@code [N, K]}) or not ({@code [N, K, D]}),
     * the option flags, the loss reduction (null for the softmax family) and {@code ignore_index} (null
     * when none).
     */
    record Key(Kind kind, DType dtype, boolean lastAxis, int flags, Reduction reduction, Integer ignoreIndex) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        @Override
        public String toString() {
            return kind + " " + dtype + (lastAxis ? " [N,K]" : " [N,K,D]") + " flags " + flags
                    + (reduction == null ? "" : " " + reduction) + (ignoreIndex == null ? "" : " ignore " + ignoreIndex);
        }
    }

    private OrtGraphs() {
    }

    /**
     * Whether the graph of {@code key} takes per-row coefficients for its gradient: NLL's −w, smoothing's, or the
     * label's weight (0 on ignored rows); plain cross-entropy's are all 1, so its graph does not multiply by them.
     */
    static boolean takesRowCoefficient(Key key) {
        return key.kind() == Kind.NLL || key.kind() == Kind.CROSS_ENTROPY_SMOOTHED || key.has(WEIGHTED)
                || key.ignoreIndex() != null;
    }

    /** Whether the graph of {@code key} takes the mean's scale: the other reductions' is 1, not multiplied. */
    static boolean takesScale(Key key) {
        return key.reduction() == Reduction.MEAN;
    }

    /** The serialized ModelProto of {@code key}'s graph. */
    static byte[] model(Key key) {
        return new Builder(key).build().toModel();
    }

    /** Builds one graph. */
    private static final class Builder {
        private final Key key;
        private final OnnxGraph g;
        private final ElemType type;
        private final Object[] data;
        private final Object[] rowsWithAxis;
        private final Object[] rows;
        private final String axes;

        Builder(Key key) {
            this.key = key;
            this.g = new OnnxGraph(key.kind().name().toLowerCase(java.util.Locale.ROOT));
            this.type = key.dtype() == DType.FLOAT64 ? ElemType.DOUBLE : ElemType.FLOAT;
            this.data = key.lastAxis() ? new Object[] {"N", "K"} : new Object[] {"N", "K", "D"};
            this.rowsWithAxis = key.lastAxis() ? new Object[] {"N", 1} : new Object[] {"N", 1, "D"};
            this.rows = key.lastAxis() ? new Object[] {"N"} : new Object[] {"N", "D"};
            this.axes = g.int64s(1);
        }

        OnnxGraph build() {
            switch (key.kind()) {
                case SOFTMAX, LOG_SOFTMAX -> {
                    String x = g.input(X, type, data);
                    g.output(softmax(x, key.kind() == Kind.LOG_SOFTMAX), Y, type, data);
                }
                case JACOBIAN -> jacobian();
                case BACKWARD, LOG_SOFTMAX_BACKWARD -> backward(key.kind() == Kind.LOG_SOFTMAX_BACKWARD);
                case CROSS_ENTROPY_LABELS -> crossEntropyLabels();
                case CROSS_ENTROPY_SMOOTHED, CROSS_ENTROPY_TARGETS -> crossEntropyComposed();
                case NLL -> nll();
                default -> throw new AssertionError(key);
            }
            return g;
        }

        /** Softmax or log-softmax of {@code x} along axis 1, with the softmax options of the key. */
        private String softmax(String x, boolean log) {
            String d = x;
            if (key.has(MASKED)) {
                String mask = g.input(MASK, ElemType.BOOL, key.has(SLICE_MASK) ? classDims() : data);
                d = g.node("Where", List.of(mask, d, constant(Double.NEGATIVE_INFINITY)));
            }
            String max = null;
            if (key.has(TEMPERED) || key.has(ZERO_ROWS)) {
                max = g.node("ReduceMax", List.of(d), Attribute.integers("axes", 1), Attribute.integer("keepdims", 1));
            }
            if (key.has(TEMPERED)) {
                String t = g.input(TEMPERATURE, type);
                d = g.node("Div", List.of(g.node("Sub", List.of(d, max)), t));
            }
            String y = log ? logSoftmax(d) : g.node("Softmax", List.of(d), Attribute.integer("axis", 1));
            if (key.has(ZERO_ROWS)) {
                String empty = g.node("Equal", List.of(max, constant(Double.NEGATIVE_INFINITY)));
                y = g.node("Where", List.of(empty, constant(log ? Double.NEGATIVE_INFINITY : 0), y));
            }
            return y;
        }

        private void jacobian() {
            String x = g.input(X, type, data);
            String y = softmax(x, false);
            String rowsK = key.lastAxis() ? y
                    : g.node("Flatten", List.of(g.node("Transpose", List.of(y), Attribute.integers("perm", 0, 2, 1))),
                            Attribute.integer("axis", 2));
            String k = g.node("Slice", List.of(g.node("Shape", List.of(rowsK)), g.int64s(1), g.int64s(2)));
            String kk = g.node("Concat", List.of(k, k), Attribute.integer("axis", 0));
            String zeros = g.node("ConstantOfShape", List.of(kk), Attribute.tensor("value", type, 0));
            String eye = g.node("EyeLike", List.of(zeros));
            String column = g.node("Unsqueeze", List.of(rowsK, g.int64s(2)));
            String row = g.node("Unsqueeze", List.of(rowsK, g.int64s(1)));
            String j = g.node("Mul", List.of(column, g.node("Sub", List.of(eye, row))));
            if (key.has(TEMPERED)) {
                j = g.node("Div", List.of(j, g.input(TEMPERATURE, type)));
            }
            g.output(j, Y, type, "R", "K", "K");
        }

        private void backward(boolean log) {
            String a = g.input(X, type, data);
            String up = g.input(UPSTREAM, type, data);
            if (key.has(MASKED)) {
                // masked entries: y 0 (log-softmax −∞) and upstream 0, so the result is 0 there
                String mask = g.input(MASK, ElemType.BOOL, key.has(SLICE_MASK) ? classDims() : data);
                a = g.node("Where", List.of(mask, a, constant(log ? Double.NEGATIVE_INFINITY : 0)));
                up = g.node("Where", List.of(mask, up, constant(0)));
            }
            if (key.has(TEMPERED)) {
                up = g.node("Div", List.of(up, g.input(TEMPERATURE, type)));
            }
            String r;
            if (log) {
                r = g.node("Sub", List.of(up, g.node("Mul", List.of(g.node("Exp", List.of(a)), sumAlongAxis(up, true)))));
            } else {
                String dot = sumAlongAxis(g.node("Mul", List.of(up, a)), true);
                r = g.node("Mul", List.of(a, g.node("Sub", List.of(up, dot))));
            }
            g.output(r, Y, type, data);
        }

        private void crossEntropyLabels() {
            String x = g.input(X, type, data);
            String labels = g.input(LABELS, ElemType.INT64, rows);
            List<String> in = key.has(WEIGHTED) ? List.of(x, labels, g.input(WEIGHT, type, "K")) : List.of(x, labels);
            g.output(g.node("SoftmaxCrossEntropyLoss", in, lossAttributes()), LOSS, type, lossDims());
            String gradient = g.node("Sub", List.of(g.node("Softmax", List.of(x), Attribute.integer("axis", 1)),
                    oneHot(x, labels)));
            if (takesRowCoefficient(key)) {
                gradient = g.node("Mul", List.of(gradient, g.input(ROW_COEFFICIENT, type, rowsWithAxis)));
            }
            g.output(scaled(gradient), GRADIENT, type, data);
        }

        /** {@code v} times the mean's scale (a graph input) for the mean; {@code v} itself for the other reductions. */
        private String scaled(String v) {
            return takesScale(key) ? g.node("Mul", List.of(v, g.input(SCALE, type))) : v;
        }

        /** −Σ c·log y per row, with c from labels and smoothing or from probability targets. */
        private void crossEntropyComposed() {
            String x = g.input(X, type, data);
            String c;
            boolean plainTargets = key.kind() == Kind.CROSS_ENTROPY_TARGETS && !key.has(TARGET_OPTIONS);
            if (key.kind() == Kind.CROSS_ENTROPY_SMOOTHED) {
                String labels = g.input(LABELS, ElemType.INT64, rows);
                String picked = g.node("Mul", List.of(oneHot(x, labels), g.input(ROW_COEFFICIENT, type, rowsWithAxis)));
                String spread = g.node("Mul", List.of(g.input(ROW_COUNTS, type, rowsWithAxis),
                        g.input(UNIFORM, type, classDims())));
                c = g.node("Add", List.of(picked, spread));
            } else {
                c = g.input(TARGET, type, data);
                if (key.has(TARGET_OPTIONS)) {
                    String smoothed = g.node("Add", List.of(g.node("Mul", List.of(c, g.input(KEEP, type))),
                            g.input(UNIFORM, type)));
                    c = g.node("Mul", List.of(smoothed, g.input(WEIGHT, type, classDims())));
                }
            }
            String y = g.node("Softmax", List.of(x), Attribute.integer("axis", 1));
            String gradient = plainTargets ? g.node("Sub", List.of(y, c))
                    : g.node("Sub", List.of(g.node("Mul", List.of(y, sumAlongAxis(c, true))), c));
            g.output(scaled(gradient), GRADIENT, type, data);

            String logY = key.has(HALF_LOG) ? halfLogSoftmax(x) : logSoftmax(x);
            // terms with c = 0 count 0, also where log y is −∞ (0·log 0)
            String terms = g.node("Where", List.of(g.node("Equal", List.of(c, constant(0))), constant(0),
                    g.node("Mul", List.of(c, logY))));
            String perRow = g.node("Neg", List.of(sumAlongAxis(terms, false)));
            String loss = switch (key.reduction()) {
                case NONE -> perRow;
                case SUM -> sumAll(perRow);
                // scale first: the sum of the row losses may overflow where their mean does not
                case MEAN -> sumAll(scaled(perRow));
            };
            if (key.has(HALF_LOG)) {
                loss = g.node("Mul", List.of(loss, constant(2)));
            }
            g.output(loss, LOSS, type, lossDims());
        }

        /**
         * ONNX's {@code LogSoftmax} along axis 1. In float64 ONNX Runtime takes {@code log(max(Σ, 1e-20))}, so a row
         * holding NaN or +∞ comes out finite except at those entries (finding 2): such rows, the ones whose
         * log-probabilities sum to NaN, are set to NaN ({@code ReduceSum}, {@code IsNaN}, {@code Where}).
         */
        private String logSoftmax(String x) {
            String y = g.node("LogSoftmax", List.of(x), Attribute.integer("axis", 1));
            if (type != ElemType.DOUBLE) {
                return y;
            }
            String broken = g.node("IsNaN", List.of(sumAlongAxis(y, true)));
            return g.node("Where", List.of(broken, constant(Double.NaN), y));
        }

        /** {@code (x/2 − m/2) − (log Σ e^{x−m})/2}: half the log-probabilities, finite where x − m overflows. */
        private String halfLogSoftmax(String x) {
            String max = g.node("ReduceMax", List.of(x), Attribute.integers("axes", 1), Attribute.integer("keepdims", 1));
            String logSum = g.node("Log", List.of(sumAlongAxis(g.node("Exp", List.of(g.node("Sub", List.of(x, max)))), true)));
            String half = constant(0.5);
            String shifted = g.node("Sub", List.of(g.node("Mul", List.of(x, half)), g.node("Mul", List.of(max, half))));
            return g.node("Sub", List.of(shifted, g.node("Mul", List.of(logSum, half))));
        }

        private void nll() {
            String x = g.input(X, type, data);
            String labels = g.input(LABELS, ElemType.INT64, rows);
            List<String> in = key.has(WEIGHTED) ? List.of(x, labels, g.input(WEIGHT, type, "K")) : List.of(x, labels);
            g.output(g.node("NegativeLogLikelihoodLoss", in, lossAttributes()), LOSS, type, lossDims());
            String gradient = g.node("Mul", List.of(oneHot(x, labels), g.input(ROW_COEFFICIENT, type, rowsWithAxis)));
            g.output(scaled(gradient), GRADIENT, type, data);
        }

        private Attribute[] lossAttributes() {
            Attribute reduction = Attribute.string("reduction", key.reduction().name().toLowerCase(java.util.Locale.ROOT));
            return key.ignoreIndex() == null ? new Attribute[] {reduction}
                    : new Attribute[] {reduction, Attribute.integer("ignore_index", key.ignoreIndex())};
        }

        private Object[] lossDims() {
            return key.reduction() == Reduction.NONE ? rows : new Object[0];
        }

        /** The labels' one-hot in the dtype, shaped as the data: {@code Equal(labels[:, None], Range(0, K))}. */
        private String oneHot(String x, String labels) {
            String k = g.node("Gather", List.of(g.node("Shape", List.of(x)), g.scalar(ElemType.INT64, 1)));
            String range = g.node("Range", List.of(g.scalar(ElemType.INT64, 0), k, g.scalar(ElemType.INT64, 1)));
            String classes = g.node("Reshape", List.of(range, key.lastAxis() ? g.int64s(1, -1) : g.int64s(1, -1, 1)));
            String column = g.node("Unsqueeze", List.of(labels, axes));
            return g.node("Cast", List.of(g.node("Equal", List.of(column, classes))),
                    Attribute.integer("to", type.code));
        }

        private String sumAlongAxis(String v, boolean keep) {
            return g.node("ReduceSum", List.of(v, axes), Attribute.integer("keepdims", keep ? 1 : 0));
        }

        private String sumAll(String v) {
            return g.node("ReduceSum", List.of(v), Attribute.integer("keepdims", 0));
        }

        private String constant(double v) {
            return g.scalar(type, v);
        }

        /** One value per class, broadcast against the data: {@code [1, K]} or {@code [1, K, 1]}. */
        private Object[] classDims() {
            return key.lastAxis() ? new Object[] {1, "K"} : new Object[] {1, "K", 1};
        }
    }
}
