package org.softmaxspi.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;

/**
 * One {@code eval} request, parsed and checked field by field. Every problem is an
 * {@link IllegalArgumentException} whose message names the field and shows the value.
 *
 * <pre>{"op": "softmax", "dtype": "float32", "shape": [2, 3], "axis": -1, "input": [...],
 *  "upstream": [...], "labels": [...], "target": [...], "reduction": "mean"}</pre>
 * {@code input} is always the logits; {@code dtype} defaults to float32, {@code shape} to
 * {@code [input.length]}, {@code axis} to -1 and {@code reduction} to mean. {@code upstream} is
 * required by the backward ops, and cross_entropy takes exactly one of {@code labels} (class
 * indices) and {@code target} (probability rows shaped as the input).
 */
record Request(Op op, DType dtype, int[] shape, int axis, double[] input, double[] upstream, int[] labels,
               double[] target, Reduction reduction) {

    static Request parse(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("request: expected a JSON object, got " + describe(n));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!java.util.Set.of("op", "dtype", "shape", "axis", "input", "upstream", "labels", "target",
                    "reduction").contains(f)) {
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
        boolean backward = op == Op.BACKWARD || op == Op.LOG_SOFTMAX_BACKWARD;
        double[] upstream = numbers(n, "upstream", dtype, backward);
        if (!backward && upstream != null) {
            throw new IllegalArgumentException("upstream: only for backward and log_softmax_backward, not " + op.label());
        }
        int[] labels = null;
        double[] target = null;
        Reduction reduction = Reduction.MEAN;
        if (op == Op.CROSS_ENTROPY) {
            labels = n.has("labels") ? ints(n, "labels") : null;
            target = numbers(n, "target", dtype, false);
            if ((labels == null) == (target == null)) {
                throw new IllegalArgumentException("labels/target: cross_entropy needs exactly one of labels and target");
            }
            reduction = Reduction.fromLabel(text(n, "reduction", "mean"));
        } else {
            for (String f : new String[] {"labels", "target", "reduction"}) {
                if (n.has(f)) {
                    throw new IllegalArgumentException(f + ": only for cross_entropy, not " + op.label());
                }
            }
        }
        return new Request(op, dtype, shape, axis, input, upstream, labels, target, reduction);
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
