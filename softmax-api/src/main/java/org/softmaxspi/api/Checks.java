package org.softmaxspi.api;

import java.util.Arrays;

/**
 * Every argument check of the API, in one place. Each failure is an {@link IllegalArgumentException}
 * whose message names the parameter and shows the offending value.
 */
final class Checks {

    private Checks() {
    }

    static Layout layout(int[] shape, int axis) {
        return Layout.of(shape, axis);
    }

    static void notNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": null");
        }
    }

    static void data(String name, float[] a, Layout layout) {
        notNull(name, a);
        length(name, a.length, layout);
    }

    static void data(String name, double[] a, Layout layout) {
        notNull(name, a);
        length(name, a.length, layout);
    }

    private static void length(String name, int length, Layout layout) {
        if (length != layout.size()) {
            throw new IllegalArgumentException(name + ".length " + length + " != " + layout.size()
                    + ", the product of shape " + Arrays.toString(layout.shape()));
        }
    }

    /** Checks a second input against the first one's length (y and upstream). */
    static void sameLength(String name, int length, String otherName, int otherLength) {
        if (length != otherLength) {
            throw new IllegalArgumentException(name + ".length " + length + " != " + otherName + ".length "
                    + otherLength);
        }
    }

    /** Checks an output array: not null, the expected length, and not one of the inputs. */
    static void output(String name, Object out, int outLength, int expected, Object... inputs) {
        notNull(name, out);
        if (outLength != expected) {
            throw new IllegalArgumentException(name + ".length " + outLength + " != " + expected
                    + ", the length of the result");
        }
        for (Object in : inputs) {
            if (in == out) {
                throw new IllegalArgumentException(name + " must not be the same array as an input");
            }
        }
    }

    static void reduction(Reduction reduction) {
        notNull("reduction", reduction);
    }

    static int lossLength(Layout layout, Reduction reduction) {
        return reduction == Reduction.NONE ? layout.rows() : 1;
    }

    static void labels(int[] labels, Layout layout) {
        notNull("labels", labels);
        if (labels.length != layout.rows()) {
            throw new IllegalArgumentException("labels.length " + labels.length + " != " + layout.rows()
                    + ", the number of rows (shape " + Arrays.toString(layout.rowShape()) + ")");
        }
        int k = layout.axisLength();
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0 || labels[r] >= k) {
                throw new IllegalArgumentException("labels[" + r + "] = " + labels[r] + " out of range [0, " + k
                        + ")");
            }
        }
    }

    /**
     * The tolerance on a target row's sum: {@code max(K, 16)} units in the last place of 1, the
     * classic worst-case error bound of summing K numbers in the target's own precision.
     */
    static double targetTolerance(int k, double ulpOfOne) {
        return Math.max(k, 16) * ulpOfOne;
    }

    static void target(float[] target, Layout layout) {
        notNull("target", target);
        length("target", target.length, layout);
        targetRows(i -> target[i], layout, Math.ulp(1f));
    }

    static void target(double[] target, Layout layout) {
        notNull("target", target);
        length("target", target.length, layout);
        targetRows(i -> target[i], layout, Math.ulp(1d));
    }

    /** Each entry in [0, 1], each row summing to 1 within {@link #targetTolerance}. */
    private static void targetRows(java.util.function.IntToDoubleFunction target, Layout layout, double ulpOfOne) {
        int k = layout.axisLength();
        int inner = layout.inner();
        double tol = targetTolerance(k, ulpOfOne);
        for (int row = 0; row < layout.rows(); row++) {
            int start = layout.rowStart(row);
            double sum = 0;
            for (int j = 0, idx = start; j < k; j++, idx += inner) {
                sum += nonNegative(target.applyAsDouble(idx), idx);
            }
            rowSum(row, sum, tol);
        }
    }

    private static double nonNegative(double t, int index) {
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("target[" + index + "] = " + t
                    + " is not a probability (must be in [0, 1])");
        }
        return t;
    }

    private static void rowSum(int row, double sum, double tol) {
        if (!(Math.abs(sum - 1) <= tol)) {
            throw new IllegalArgumentException("target row " + row + " sums to " + sum
                    + ", not 1 (tolerance " + tol + ")");
        }
    }
}
