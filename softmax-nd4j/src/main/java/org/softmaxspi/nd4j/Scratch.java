package org.softmaxspi.nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.softmaxspi.api.Layout;

/**
 * The native buffers (and views on them) of one layout and one caller dtype, made on first use and
 * reused by every later call with that layout on the same thread.
 *
 * <p>Shapes: the caller's data lives in {@code io}-typed buffers shaped {@code [outer, K, inner]}
 * ({@code [rows, K]} when the axis is last); the computation runs in float64 on {@code [rows, K]}
 * buffers, the axis made last by a permuted view ({@code permute(0, 2, 1)}) that ND4J's
 * {@code assign} copies (and casts) in one native pass. For float64 with the axis last, the
 * computation reads the input buffer and writes the output buffer directly, without extra copies.
 */
final class Scratch implements ScratchCache.Entry {

    /** Key of a scratch set: the layout (shape + axis) and whether the caller's dtype is float64. */
    record Key(Layout layout, boolean float64) {
    }

    final Layout layout;
    final boolean float64;
    final DataType io;
    final int outer;
    final int k;
    final int inner;
    final int rows;

    private final Map<String, INDArray> arrays = new HashMap<>();
    private final List<INDArray> owned = new ArrayList<>();
    private final Map<String, Fold> folds = new HashMap<>();
    private long bytes;
    private boolean closed;

    Scratch(Key key) {
        this.layout = key.layout();
        this.float64 = key.float64();
        this.io = float64 ? DataType.DOUBLE : DataType.FLOAT;
        this.outer = layout.outer();
        this.k = layout.axisLength();
        this.inner = layout.inner();
        this.rows = layout.rows();
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (INDArray a : owned) {
                if (a.closeable()) {
                    a.close();
                }
            }
            owned.clear();
            arrays.clear();
            folds.clear();
        }
    }

    /** An owned, zeroed, c-order array, made once per role. */
    INDArray array(String role, DataType type, long... shape) {
        INDArray a = arrays.get(role);
        if (a == null) {
            a = Nd4j.create(type, shape);
            owned.add(a);
            bytes += a.length() * (long) type.width();
            arrays.put(role, a);
        }
        return a;
    }

    /** A view (or alias) made once per role. */
    INDArray view(String role, Supplier<INDArray> make) {
        INDArray a = arrays.get(role);
        if (a == null) {
            a = make.get();
            arrays.put(role, a);
        }
        return a;
    }

    /** A float64 {@code [rows, K]} temporary. */
    INDArray temp(String role) {
        return array(role, DataType.DOUBLE, rows, k);
    }

    /** A float64 {@code [rows, 1]} per-row value. */
    INDArray perRow(String role) {
        return array(role, DataType.DOUBLE, rows, 1);
    }

    // ------------------------------------------------------------------ inputs

    /** The caller-typed buffer of input {@code i}, shaped as the caller's data. */
    INDArray in(int i) {
        return inner == 1 ? array("in" + i, io, rows, k) : array("in" + i, io, outer, k, inner);
    }

    /** Input {@code i} in float64 as {@code [rows, K]}; an alias of {@link #in} when no copy is needed. */
    INDArray x(int i) {
        if (float64 && inner == 1) {
            return in(i);
        }
        return temp("x" + i);
    }

    /** Copies input {@code i} into native memory and into its float64 {@code [rows, K]} form. */
    INDArray load(int i, float[] src) {
        in(i).data().asNioFloat().put(src, 0, src.length);
        return toCompute(i);
    }

    /** Copies input {@code i} into native memory and into its float64 {@code [rows, K]} form. */
    INDArray load(int i, double[] src) {
        in(i).data().asNioDouble().put(src, 0, src.length);
        return toCompute(i);
    }

    private INDArray toCompute(int i) {
        INDArray x = x(i);
        if (x == in(i)) {
            return x;
        }
        if (inner == 1) {
            x.assign(in(i)); // cast float32 -> float64
        } else {
            INDArray src = view("in" + i + "T", () -> in(i).permute(0, 2, 1));
            INDArray dst = view("x" + i + "3", () -> x.reshape('c', outer, inner, k));
            dst.assign(src); // permute (and cast) in one native pass
        }
        return x;
    }

    /** Copies the class labels into an int32 {@code [rows]} array. */
    INDArray labels(int[] labels) {
        INDArray a = array("labels", DataType.INT32, rows);
        a.data().asNioInt().put(labels, 0, labels.length);
        return a;
    }

    // ----------------------------------------------------------------- outputs

    /** The caller-typed output buffer, shaped as the caller's data. */
    INDArray out() {
        return inner == 1 ? array("out", io, rows, k) : array("out", io, outer, k, inner);
    }

    /** Where the float64 {@code [rows, K]} result goes; the output buffer itself when no copy is needed. */
    INDArray y() {
        if (float64 && inner == 1) {
            return out();
        }
        return temp("y");
    }

    /** Moves {@link #y()} into the caller's layout and dtype, then into {@code dst}. */
    void store(float[] dst) {
        finish().data().asNioFloat().get(dst, 0, dst.length);
    }

    /** Moves {@link #y()} into the caller's layout and dtype, then into {@code dst}. */
    void store(double[] dst) {
        finish().data().asNioDouble().get(dst, 0, dst.length);
    }

    private INDArray finish() {
        INDArray y = y();
        INDArray out = out();
        if (y != out) {
            if (inner == 1) {
                out.assign(y); // cast float64 -> float32 (round to nearest)
            } else {
                INDArray dst = view("outT", () -> out.permute(0, 2, 1));
                INDArray src = view("y3", () -> y.reshape('c', outer, inner, k));
                dst.assign(src);
            }
        }
        return out;
    }

    /** Copies a float64 array into a caller-typed one of the same shape (cast), then into {@code dst}. */
    void storeFlat(String role, INDArray src, float[] dst) {
        INDArray o = array(role, DataType.FLOAT, src.shape());
        o.assign(src);
        o.data().asNioFloat().get(dst, 0, dst.length);
    }

    /** Copies a float64 array into {@code dst}. */
    void storeFlat(String role, INDArray src, double[] dst) {
        src.data().asNioDouble().get(dst, 0, dst.length);
    }

    // -------------------------------------------------------------- summation

    /**
     * Sums each row of the float64 {@code [n, m]} array {@code src} into {@code dst} ({@code [n, 1]}).
     *
     * <p>Float64 callers get a pairwise sum made of ND4J adds on views ({@link Fold}), which
     * <em>destroys</em> {@code src}: ND4J's own reduce_sum accumulates (nearly) recursively and loses
     * 13 685 ulps on the suite's K = 10^5 trap row. Float32 callers, whose data is computed in float64,
     * get ND4J's {@code Sum}: its float64 error (about 1e-12 relative there) is far below a float32 ulp.
     */
    void rowSum(String role, INDArray src, INDArray dst) {
        if (float64) {
            folds.computeIfAbsent(role, r -> new Fold(src)).sum(dst);
        } else {
            Nd4j.exec(new org.nd4j.linalg.api.ops.impl.reduce.same.Sum(src, dst, true, 1));
        }
    }

    /**
     * A pairwise (tree) row sum over an {@code [n, m]} float64 buffer: each step adds the last
     * {@code ⌊len/2⌋} columns onto the first ones (the middle column of an odd length waits), so
     * every element goes through at most {@code ⌈log2 m⌉} additions, and the error bound is
     * {@code ⌈log2 m⌉·u} instead of {@code (m-1)·u}. The views are made once.
     */
    static final class Fold {
        private final List<INDArray[]> steps = new ArrayList<>();
        private final INDArray first;

        Fold(INDArray buf) {
            long m = buf.size(1);
            long n = m;
            while (n > 1) {
                long h = n / 2;
                long keep = n - h;
                steps.add(new INDArray[] {
                    buf.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h)),
                    buf.get(NDArrayIndex.all(), NDArrayIndex.interval(keep, n))});
                n = keep;
            }
            first = buf.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1));
        }

        void sum(INDArray dst) {
            for (INDArray[] s : steps) {
                Nd4j.exec(new AddOp(s[0], s[1], s[0]));
            }
            dst.assign(first);
        }
    }
}
