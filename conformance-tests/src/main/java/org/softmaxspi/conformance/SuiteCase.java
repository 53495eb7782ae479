package org.softmaxspi.conformance;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;

/**
 * One conformance case: logits with a shape and an axis, the operations and dtypes it applies to,
 * and (for ONNX cases) the expected float32 output published with it. Everything else an operation
 * needs (upstream gradients, labels, probability targets, softmax outputs for the backward ops) is
 * derived per dtype from a seed, and the oracle's results are computed once and cached.
 */
public final class SuiteCase {

    private final String name;
    private final int[] shape;
    private final int axis;
    private final double[] logits;
    private final Set<Op> ops;
    private final Set<DType> dtypes;
    private final float[] onnxExpected;
    private final long seed;
    private final Layout layout;
    private final Map<DType, CaseData> data = new EnumMap<>(DType.class);

    SuiteCase(String name, int[] shape, int axis, double[] logits, Set<Op> ops, Set<DType> dtypes,
              float[] onnxExpected, long seed) {
        this.name = name;
        this.shape = shape.clone();
        this.axis = axis;
        this.logits = logits.clone();
        this.ops = Set.copyOf(ops);
        this.dtypes = Set.copyOf(dtypes);
        this.onnxExpected = onnxExpected == null ? null : onnxExpected.clone();
        this.seed = seed;
        this.layout = Layout.of(shape, axis);
        if (layout.size() != logits.length) {
            throw new IllegalArgumentException("case " + name + ": " + logits.length + " logits for shape "
                    + Arrays.toString(shape));
        }
    }

    static SuiteCase of(String name, int[] shape, int axis, double[] logits, long seed) {
        return new SuiteCase(name, shape, axis, logits, EnumSet.allOf(Op.class), EnumSet.allOf(DType.class), null,
                seed);
    }

    /**
     * A case of the caller's own, for every operation and dtype: {@code logits} (row-major, {@code shape},
     * softmax along {@code axis}, negative counting from the end) rounded to each dtype when run; labels,
     * targets and upstream gradients are drawn from {@code seed}.
     *
     * @throws IllegalArgumentException naming the parameter when the name, shape or logits are null, the
     *         axis is out of range or the length does not match the shape
     */
    public static SuiteCase generated(String name, int[] shape, int axis, double[] logits, long seed) {
        if (name == null || shape == null || logits == null) {
            throw new IllegalArgumentException((name == null ? "name" : shape == null ? "shape" : "logits")
                    + ": null");
        }
        return of(name, shape, axis, logits, seed);
    }

    SuiteCase only(Set<Op> newOps, Set<DType> newDtypes) {
        return new SuiteCase(name, shape, axis, logits, newOps, newDtypes, onnxExpected, seed);
    }

    /** The case's name, as it appears in check names and reports. */
    public String name() {
        return name;
    }

    /** A copy of the shape of the case's logits. */
    public int[] shape() {
        return shape.clone();
    }

    /** The softmax axis (negative counts from the last). */
    public int axis() {
        return axis;
    }

    Layout layout() {
        return layout;
    }

    /** The case's logits as given (before rounding to a dtype). */
    double[] logits() {
        return logits;
    }

    float[] onnxExpected() {
        return onnxExpected;
    }

    /** Whether the case is run for this op and dtype. */
    public boolean appliesTo(Op op, DType dtype) {
        if (!ops.contains(op) || !dtypes.contains(dtype)) {
            return false;
        }
        if (op == Op.JACOBIAN) {
            long n = (long) layout.rows() * layout.axisLength() * layout.axisLength();
            return layout.axisLength() <= 1000 && n <= 4_000_000;
        }
        if (op == Op.CROSS_ENTROPY) {
            // class-index targets need K >= 1 whenever there is a row
            return layout.axisLength() > 0 || layout.rows() == 0;
        }
        return true;
    }

    /** The inputs and exact results for one dtype, computed on first use. */
    synchronized CaseData data(DType dtype) {
        return data.computeIfAbsent(dtype, t -> new CaseData(this, t, new SplittableRandom(seed)));
    }

    /** Frees the cached oracle results (large cases hold megabytes). */
    synchronized void release() {
        data.clear();
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " axis " + axis;
    }
}
