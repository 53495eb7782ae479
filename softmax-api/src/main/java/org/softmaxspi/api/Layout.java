package org.softmaxspi.api;

import java.util.Arrays;

/**
 * A checked row-major shape with one normalized axis, as a provider receives it.
 *
 * <p>The array is viewed as {@code [outer, axisLength, inner]}: {@code outer} is the product of the
 * dimensions before the axis, {@code inner} the product of those after it. Element {@code k} of
 * slice {@code (o, i)} sits at {@code (o * axisLength + k) * inner + i}; its stride along the axis is
 * {@code inner}. There are {@code outer * inner} slices ("rows"), each of {@code axisLength} elements.
 *
 * <p>Instances are immutable and made only by {@link #of(int[], int)}, which does every check, so a
 * provider can trust every {@code Layout} it is given.
 */
public final class Layout {

    private final int[] shape;
    private final int axis;
    private final int outer;
    private final int axisLength;
    private final int inner;
    private final int size;

    private Layout(int[] shape, int axis, int outer, int axisLength, int inner, int size) {
        this.shape = shape;
        this.axis = axis;
        this.outer = outer;
        this.axisLength = axisLength;
        this.inner = inner;
        this.size = size;
    }

    /**
     * Checks and normalizes a shape and an ONNX-style axis ({@code -rank <= axis < rank}; negative
     * counts from the end).
     *
     * @throws IllegalArgumentException if {@code shape} is null or empty, has a negative dimension,
     *         its element count exceeds {@link Integer#MAX_VALUE}, or the axis is out of range
     */
    public static Layout of(int[] shape, int axis) {
        if (shape == null) {
            throw new IllegalArgumentException("shape: null");
        }
        int rank = shape.length;
        if (rank == 0) {
            throw new IllegalArgumentException("shape: [] has rank 0; a vector of K elements is shape [K]");
        }
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank
                    + " (shape " + Arrays.toString(shape) + "; valid: " + -rank + " to " + (rank - 1) + ")");
        }
        int[] copy = shape.clone();
        for (int d = 0; d < rank; d++) {
            if (copy[d] < 0) {
                throw new IllegalArgumentException("shape[" + d + "] = " + copy[d] + " is negative (shape "
                        + Arrays.toString(copy) + ")");
            }
        }
        int normalized = axis < 0 ? axis + rank : axis;
        long outer = 1;
        long inner = 1;
        for (int d = 0; d < normalized; d++) {
            outer *= copy[d];
            checkSize(outer, copy);
        }
        for (int d = normalized + 1; d < rank; d++) {
            inner *= copy[d];
            checkSize(inner, copy);
        }
        long size = outer * copy[normalized] * inner;
        checkSize(size, copy);
        checkSize(outer * inner, copy);
        return new Layout(copy, normalized, (int) outer, copy[normalized], (int) inner, (int) size);
    }

    private static void checkSize(long n, int[] shape) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                    + " has more than Integer.MAX_VALUE elements");
        }
    }

    /**
     * True when {@link #of(int[], int)} would return a layout equal to this one for these
     * arguments: a cheap test that lets a caller reuse a layout it already checked.
     */
    boolean describes(int[] shape, int axis) {
        int[] own = this.shape;
        if (shape == null || shape.length != own.length || (axis != this.axis && axis + own.length != this.axis)) {
            return false;
        }
        for (int d = 0; d < own.length; d++) {
            if (shape[d] != own[d]) {
                return false;
            }
        }
        return true;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The axis, normalized to {@code 0 <= axis < rank}. */
    public int axis() {
        return axis;
    }

    /** The product of the dimensions before the axis. */
    public int outer() {
        return outer;
    }

    /** K, the length of the axis (the number of classes). */
    public int axisLength() {
        return axisLength;
    }

    /** The product of the dimensions after the axis; also the stride along the axis. */
    public int inner() {
        return inner;
    }

    /** The number of slices along the axis, {@code outer * inner}. */
    public int rows() {
        return outer * inner;
    }

    /** The number of elements, the product of the shape. */
    public int size() {
        return size;
    }

    /** True when the axis is the last one, so each slice is contiguous. */
    public boolean isLastAxis() {
        return inner == 1;
    }

    /** The index of element 0 of slice {@code row} ({@code 0 <= row < rows()}); step by {@link #inner()}. */
    public int rowStart(int row) {
        int o = row / inner;
        int i = row - o * inner;
        return o * axisLength * inner + i;
    }

    /** The shape without the axis: the shape of one value per slice (labels, unreduced losses). */
    public int[] rowShape() {
        int[] r = new int[shape.length - 1];
        for (int d = 0, j = 0; d < shape.length; d++) {
            if (d != axis) {
                r[j++] = shape[d];
            }
        }
        return r;
    }

    /** The Jacobian's shape: the shape without the axis, followed by {@code [K, K]}. */
    public int[] jacobianShape() {
        int[] rows = rowShape();
        int[] r = Arrays.copyOf(rows, rows.length + 2);
        r[rows.length] = axisLength;
        r[rows.length + 1] = axisLength;
        return r;
    }

    /**
     * The Jacobian's element count, {@code rows * K * K}.
     *
     * @throws IllegalArgumentException if it exceeds {@link Integer#MAX_VALUE}
     */
    public int jacobianSize() {
        long n = (long) rows() * axisLength * axisLength;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("jacobian of shape " + Arrays.toString(jacobianShape())
                    + " has more than Integer.MAX_VALUE elements");
        }
        return (int) n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Layout l && l.axis == axis && Arrays.equals(l.shape, shape);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + axis;
    }

    @Override
    public String toString() {
        return "shape " + Arrays.toString(shape) + " axis " + axis;
    }
}
