package org.softmaxspi.api;

import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
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

    /** Options whose mask fits the layout: one flag per element, or one per position along the axis. */
    static void options(SoftmaxOptions options, Layout layout) {
        notNull("options", options);
        if (options.hasMask() && options.maskLength() != layout.size() && options.maskLength() != layout.axisLength()) {
            throw new IllegalArgumentException("mask.length " + options.maskLength() + " is neither the data's length "
                    + layout.size() + " nor the axis length " + layout.axisLength() + " (shape "
                    + Arrays.toString(layout.shape()) + ", axis " + layout.axis() + ")");
        }
    }

    /**
     * Loss options that fit the call: weights one per class, an ignored label only with labels, no
     * smoothing for NLL.
     */
    static void options(LossOptions options, Layout layout, boolean labels, boolean nll) {
        notNull("options", options);
        if (options.hasWeight() && options.weightLength() != layout.axisLength()) {
            throw new IllegalArgumentException("weight.length " + options.weightLength() + " != "
                    + layout.axisLength() + ", the number of classes (axis " + layout.axis() + " of shape "
                    + Arrays.toString(layout.shape()) + ")");
        }
        if (options.hasIgnoreIndex() && !labels) {
            throw new IllegalArgumentException("ignoreIndex: " + options.ignoreIndex()
                    + " given with probability targets (it applies to class labels only, as in PyTorch)");
        }
        if (nll && options.labelSmoothing() != 0) {
            throw new IllegalArgumentException("labelSmoothing: " + options.labelSmoothing()
                    + " given for nll (it is defined for cross-entropy only, as in PyTorch)");
        }
    }

    static int lossLength(Layout layout, Reduction reduction) {
        return reduction == Reduction.NONE ? layout.rows() : 1;
    }

    static void labels(int[] labels, Layout layout) {
        labels(labels, layout, null);
    }

    /** Labels in {@code [0, K)}, or equal to the options' ignored label. */
    static void labels(int[] labels, Layout layout, LossOptions options) {
        notNull("labels", labels);
        if (labels.length != layout.rows()) {
            throw new IllegalArgumentException("labels.length " + labels.length + " != " + layout.rows()
                    + ", the number of rows (shape " + Arrays.toString(layout.rowShape()) + ")");
        }
        int k = layout.axisLength();
        for (int r = 0; r < labels.length; r++) {
            if ((labels[r] < 0 || labels[r] >= k) && (options == null || !options.ignores(labels[r]))) {
                throw new IllegalArgumentException("labels[" + r + "] = " + labels[r] + " out of range [0, " + k
                        + ")" + (options != null && options.hasIgnoreIndex()
                        ? " and not the ignored label " + options.ignoreIndex() : ""));
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

    // ---------------------------------------------------------------- buffers

    /** Checks an input buffer against the layout; the kernel gets the slice of its remaining elements. */
    static FloatBuffer input(String name, FloatBuffer b, Layout layout) {
        notNull(name, b);
        inputBuffer(name, b, b.order(), layout);
        return b.slice();
    }

    /** Checks an input buffer against the layout; the kernel gets the slice of its remaining elements. */
    static DoubleBuffer input(String name, DoubleBuffer b, Layout layout) {
        notNull(name, b);
        inputBuffer(name, b, b.order(), layout);
        return b.slice();
    }

    /** Checks an output buffer: writable, native order if direct, {@code expected} elements remaining. */
    static FloatBuffer output(String name, FloatBuffer out, int expected) {
        notNull(name, out);
        outputBuffer(name, out, out.order(), expected);
        return out.slice();
    }

    /** Checks an output buffer: writable, native order if direct, {@code expected} elements remaining. */
    static DoubleBuffer output(String name, DoubleBuffer out, int expected) {
        notNull(name, out);
        outputBuffer(name, out, out.order(), expected);
        return out.slice();
    }

    /** Checks that an output buffer shares no memory with another buffer of the call. */
    static void disjoint(String name, Buffer out, String otherName, Buffer other) {
        if (BufferMemory.overlap(out, other)) {
            throw new IllegalArgumentException(name + " " + range(out) + " overlaps " + otherName + " "
                    + range(other) + " in the same memory: outputs must not share memory with inputs or"
                    + " with each other");
        }
    }

    private static void inputBuffer(String name, Buffer b, ByteOrder order, Layout layout) {
        if (b.remaining() != layout.size()) {
            throw new IllegalArgumentException(name + ".remaining() " + b.remaining() + " != " + layout.size()
                    + ", the product of shape " + Arrays.toString(layout.shape()) + " (" + range(b) + ")");
        }
        byteOrder(name, b, order);
    }

    private static void outputBuffer(String name, Buffer out, ByteOrder order, int expected) {
        if (out.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only");
        }
        if (out.remaining() != expected) {
            throw new IllegalArgumentException(name + ".remaining() " + out.remaining() + " != " + expected
                    + ", the length of the result (" + range(out) + ")");
        }
        byteOrder(name, out, order);
    }

    /** Direct buffers are native memory shared with native code: they must be in the platform's byte order. */
    private static void byteOrder(String name, Buffer b, ByteOrder order) {
        if (b.isDirect() && order != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(name + " is a direct buffer in " + order + " byte order, not the"
                    + " native " + ByteOrder.nativeOrder() + ": make its ByteBuffer with"
                    + " .order(ByteOrder.nativeOrder()) before asFloatBuffer()/asDoubleBuffer()");
        }
    }

    private static String range(Buffer b) {
        return "[position " + b.position() + ", limit " + b.limit() + ")";
    }

    /** Checks a second input buffer against the first one's length (y and upstream). */
    static void sameRemaining(String name, Buffer b, String otherName, Buffer other) {
        notNull(name, b);
        if (b.remaining() != other.remaining()) {
            throw new IllegalArgumentException(name + ".remaining() " + b.remaining() + " != " + otherName
                    + ".remaining() " + other.remaining());
        }
    }

    /** Checks a target buffer's values as {@link #target(float[], Layout)} does. */
    static void target(FloatBuffer target, Layout layout) {
        int p = target.position();
        targetRows(i -> target.get(p + i), layout, Math.ulp(1f));
    }

    /** Checks a target buffer's values as {@link #target(double[], Layout)} does. */
    static void target(DoubleBuffer target, Layout layout) {
        int p = target.position();
        targetRows(i -> target.get(p + i), layout, Math.ulp(1d));
    }
}
