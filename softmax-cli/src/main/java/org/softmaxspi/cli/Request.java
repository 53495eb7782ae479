package org.softmaxspi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * One {@code eval} request, parsed and checked field by field. Every problem is an
 * {@link IllegalArgumentException} whose message names the field and shows the value.
 *
 * <pre>{"op": "softmax", "dtype": "float32", "shape": [2, 3], "axis": -1, "input": [...],
 *  "upstream": [...], "labels": [...], "target": [...], "reduction": "mean",
 *  "temperature": 2, "mask": [true, false, ...], "masked_rows": "zero",
 *  "weight": [...], "ignore_index": -100, "label_smoothing": 0.1}</pre>
 * {@code input} is the logits (for nll: the log-probabilities); {@code dtype} defaults to float32,
 * {@code shape} to {@code [input.length]}, {@code axis} to -1 and {@code reduction} to mean.
 * {@code upstream} is required by the backward ops, cross_entropy takes exactly one of {@code labels}
 * (class indices) and {@code target} (probability rows shaped as the input), nll takes {@code labels}.
 * {@code temperature}, {@code mask} (one flag per element or per position along the axis) and
 * {@code masked_rows} ({@code nan} or {@code zero}) are options of the softmax ops ({@link SoftmaxOptions});
 * {@code weight}, {@code ignore_index} and {@code label_smoothing} of the losses ({@link LossOptions}).
 */
record Request(Op op, DType dtype, int[] shape, int axis, double[] input, double[] upstream, int[] labels,
               double[] target, Reduction reduction, SoftmaxOptions softmaxOptions, LossOptions lossOptions) {

    private static final java.util.Set<String> FIELDS = java.util.Set.of("op", "dtype", "shape", "axis", "input",
            "upstream", "labels", "target", "reduction", "temperature", "mask", "masked_rows", "weight",
            "ignore_index", "label_smoothing");
    private static final java.util.Set<String> SOFTMAX_OPTIONS = java.util.Set.of("temperature", "mask",
            "masked_rows");
    private static final java.util.Set<String> LOSS_FIELDS = java.util.Set.of("labels", "target", "reduction",
            "weight", "ignore_index", "label_smoothing");

    /** The most values one result may hold: 16 Mi (the Jacobian is the only result larger than its input). */
    static final long MAX_RESULT_VALUES = 16L << 20;

    static Request parse(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("request: expected a JSON object, got " + describe(n));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(f + ": unknown field");
            }
        }
        Op op = Op.fromLabel(text(n, "op", null));
        DType dtype = DType.fromLabel(text(n, "dtype", "float32"));
        double[] input = numbers(n, "input", dtype, true);
        int[] shape = n.has("shape") ? ints(n, "shape") : new int[] {input.length};
        int axis = n.has("axis") ? integer(n.get("axis"), "axis") : -1;
        long size = 1;
        for (int d : shape) {
            size *= Math.max(d, 0);
        }
        if (size != input.length) {
            throw new IllegalArgumentException("input: " + input.length + " values for shape "
                    + java.util.Arrays.toString(shape) + " (needs " + size + ")");
        }
        if (op == Op.JACOBIAN && shape.length > 0) {
            int a = axis < 0 ? axis + shape.length : axis;
            long k = a >= 0 && a < shape.length ? Math.max(shape[a], 0) : 0;
            if (size * k > MAX_RESULT_VALUES) {
                throw new IllegalArgumentException("shape: the Jacobian of shape " + java.util.Arrays.toString(shape)
                        + " along axis " + axis + " holds " + size * k + " values, more than the " + MAX_RESULT_VALUES
                        + " one result of this command may hold (call the library for larger ones)");
            }
        }
        boolean backward = op == Op.BACKWARD || op == Op.LOG_SOFTMAX_BACKWARD;
        double[] upstream = numbers(n, "upstream", dtype, backward);
        if (!backward && upstream != null) {
            throw new IllegalArgumentException("upstream: only for backward and log_softmax_backward, not " + op.label());
        }
        int[] labels = null;
        double[] target = null;
        Reduction reduction = Reduction.MEAN;
        boolean loss = op == Op.CROSS_ENTROPY || op == Op.NLL;
        SoftmaxOptions softmaxOptions = SoftmaxOptions.defaults();
        LossOptions lossOptions = LossOptions.of(reduction);
        if (loss) {
            labels = n.has("labels") ? ints(n, "labels") : null;
            target = numbers(n, "target", dtype, false);
            if (op == Op.NLL && labels == null) {
                throw new IllegalArgumentException("labels: missing (nll takes class labels)");
            }
            if (op == Op.NLL && target != null) {
                throw new IllegalArgumentException("target: nll takes class labels, not probability targets");
            }
            if ((labels == null) == (target == null)) {
                throw new IllegalArgumentException("labels/target: cross_entropy needs exactly one of labels and target");
            }
            reduction = Reduction.fromLabel(text(n, "reduction", "mean"));
            lossOptions = LossOptions.of(reduction);
            if (n.has("weight")) {
                lossOptions = lossOptions.withWeight(numbers(n, "weight", DType.FLOAT64, true));
            }
            if (n.has("ignore_index")) {
                lossOptions = lossOptions.withIgnoreIndex(integer(n.get("ignore_index"), "ignore_index"));
            }
            if (n.has("label_smoothing")) {
                lossOptions = lossOptions.withLabelSmoothing(number(n, "label_smoothing"));
            }
            rejectAll(n, SOFTMAX_OPTIONS, op);
        } else {
            rejectAll(n, LOSS_FIELDS, op);
            if (n.has("temperature")) {
                softmaxOptions = softmaxOptions.withTemperature(number(n, "temperature"));
            }
            if (n.has("mask")) {
                softmaxOptions = softmaxOptions.withMask(booleans(n, "mask"));
            }
            if (n.has("masked_rows")) {
                softmaxOptions = softmaxOptions.withMaskedRows(MaskedRows.fromLabel(text(n, "masked_rows", null)));
            }
        }
        return new Request(op, dtype, shape, axis, input, upstream, labels, target, reduction, softmaxOptions,
                lossOptions);
    }

    private static void rejectAll(JsonNode n, java.util.Set<String> fields, Op op) {
        for (String f : new java.util.TreeSet<>(fields)) {
            if (n.has(f)) {
                String owner = SOFTMAX_OPTIONS.contains(f) ? "the softmax ops" : "cross_entropy and nll";
                throw new IllegalArgumentException(f + ": only for " + owner + ", not " + op.label());
            }
        }
    }

    private static double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        String t = Json.numberText(v);
        if (t == null) {
            throw new IllegalArgumentException(field + ": expected a number, got " + describe(v));
        }
        return Double.parseDouble(t);
    }

    private static boolean[] booleans(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (!a.isArray()) {
            throw new IllegalArgumentException(field + ": expected an array of booleans, got " + describe(a));
        }
        boolean[] r = new boolean[a.size()];
        for (int i = 0; i < r.length; i++) {
            if (!a.get(i).isBoolean()) {
                throw new IllegalArgumentException(field + "[" + i + "]: expected true or false, got "
                        + describe(a.get(i)));
            }
            r[i] = a.get(i).asBoolean();
        }
        return r;
    }

    private static String text(JsonNode n, String field, String fallback) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException(field + ": missing");
            }
            return fallback;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + ": expected a string, got " + describe(v));
        }
        return v.asText();
    }

    private static int integer(JsonNode v, String field) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException(field + ": expected an integer, got " + describe(v));
        }
        return v.asInt();
    }

    private static int[] ints(JsonNode n, String field) {
        JsonNode a = n.get(field);
        if (!a.isArray()) {
            throw new IllegalArgumentException(field + ": expected an array of integers, got " + describe(a));
        }
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = integer(a.get(i), field + "[" + i + "]");
        }
        return r;
    }

    /** An array of numbers rounded to the dtype (float32 rounds once, from the decimal text). */
    private static double[] numbers(JsonNode n, String field, DType dtype, boolean required) {
        JsonNode a = n.get(field);
        if (a == null || a.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + ": missing");
            }
            return null;
        }
        if (!a.isArray()) {
            throw new IllegalArgumentException(field + ": expected an array of numbers, got " + describe(a));
        }
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            String t = Json.numberText(a.get(i));
            if (t == null) {
                throw new IllegalArgumentException(field + "[" + i + "]: expected a number or \"NaN\", \"Infinity\", "
                        + "\"-Infinity\", got " + describe(a.get(i)));
            }
            r[i] = dtype == DType.FLOAT32 ? Float.parseFloat(t) : Double.parseDouble(t);
        }
        return r;
    }

    private static String describe(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        String s = v.toString();
        return (s.length() > 40 ? s.substring(0, 40) + "…" : s) + " (" + v.getNodeType().name().toLowerCase(Locale.ROOT)
                + ")";
    }
}
