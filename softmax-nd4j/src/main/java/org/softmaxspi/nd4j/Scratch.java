package org.softmaxspi.nd4j;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.factory.Nd4j;
import org.softmaxspi.api.BulkCopy;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The native buffers (and views on them) of one layout and one caller dtype, made on first use and
 * reused by every later call with that layout on the same thread.
 *
 * <p>Everything is in the caller's dtype, shaped {@code [rows, K]} when the axis is the last one and
 * {@code [outer, K, inner]} otherwise, so every op works along dimension 1 of the caller's own data
 * (no transposition). Per-row values are {@code [rows, 1]} or {@code [outer, 1, inner]}. Custom ops
 * with fixed inputs and outputs keep their {@link OpContext} here, so a call does not rebuild shape
 * descriptors and contexts.
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
    private final Map<String, OpContext> contexts = new HashMap<>();
    /** NIO views of owned arrays, made once: {@code data().asNio()} is a JNI call each time. */
    private final Map<INDArray, Buffer> views = new IdentityHashMap<>();
    /** Arrays over the caller's direct buffers, made by {@link #wrap} for the current call only. */
    private final List<INDArray> wrapped = new ArrayList<>();
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
            for (OpContext c : contexts.values()) {
                c.purge();
                try {
                    c.close();
                } catch (Exception e) {
                    // a context that cannot close leaves its native handle to ND4J's deallocator
                }
            }
            contexts.clear();
            for (INDArray a : owned) {
                if (a.closeable()) {
                    a.close();
                }
            }
            owned.clear();
            arrays.clear();
            views.clear();
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
        return arrays.computeIfAbsent(role, r -> make.get());
    }

    /** An op context made once per role, with its inputs, outputs and arguments set by {@code make}. */
    OpContext context(String role, java.util.function.Consumer<OpContext> make) {
        OpContext c = contexts.get(role);
        if (c == null) {
            c = Nd4j.getExecutioner().buildContext();
            make.accept(c);
            contexts.put(role, c);
        }
        return c;
    }

    /** A temporary of the caller's data shape and dtype. */
    INDArray temp(String role) {
        return inner == 1 ? array(role, io, rows, k) : array(role, io, outer, k, inner);
    }

    /** One value per row, shaped to broadcast against {@link #temp}. */
    INDArray perRow(String role) {
        return inner == 1 ? array(role, io, rows, 1) : array(role, io, outer, 1, inner);
    }

    /** The buffer of input {@code i}. */
    INDArray in(int i) {
        return temp("in" + i);
    }

    /**
     * An array over the caller's direct buffer (position 0, native order), shaped {@code shape}: ND4J
     * reads and writes the caller's memory, nothing is copied. Valid for the current call only: the
     * caller must {@link #releaseWrapped()} when the call ends, and no view or context kept in this
     * scratch may refer to it.
     */
    INDArray wrap(Buffer direct, long... shape) {
        DataBuffer data;
        if (direct instanceof FloatBuffer f) {
            FloatPointer p = new FloatPointer(f);
            data = Nd4j.createBuffer(p, DataType.FLOAT, f.remaining(), FloatIndexer.create(p));
        } else {
            DoublePointer p = new DoublePointer((DoubleBuffer) direct);
            data = Nd4j.createBuffer(p, DataType.DOUBLE, direct.remaining(), DoubleIndexer.create(p));
        }
        INDArray a = Nd4j.create(data, shape);
        wrapped.add(a);
        return a;
    }

    /** An array over the caller's direct buffer, shaped as the caller's data ({@link #temp}'s shape). */
    INDArray wrapData(Buffer direct) {
        return inner == 1 ? wrap(direct, rows, k) : wrap(direct, outer, k, inner);
    }

    /** Whether {@code a} is one of this scratch's own arrays (not a wrapper of the caller's memory). */
    boolean owns(INDArray a) {
        for (INDArray w : wrapped) {
            if (w == a) { // identity: INDArray.equals compares values
                return false;
            }
        }
        return true;
    }

    /** Drops this call's wrappers of the caller's memory (ND4J's handles on it; the memory is the caller's). */
    void releaseWrapped() {
        for (INDArray a : wrapped) {
            if (a.closeable()) {
                a.close(); // ND4J does not own external memory: this frees its handle, not the caller's buffer
            }
        }
        wrapped.clear();
    }

    /** Copies input {@code i} (a heap buffer's elements 0 to its limit) into native memory. */
    INDArray load(int i, Buffer src) {
        INDArray a = in(i);
        if (src instanceof FloatBuffer f) {
            floats(a).put(0, f, 0, f.remaining());
        } else {
            doubles(a).put(0, (DoubleBuffer) src, 0, src.remaining());
        }
        return a;
    }

    /** Copies {@code src}, an array of this scratch in the caller's dtype, into the buffer {@code dst} from index 0. */
    void store(INDArray src, Buffer dst) {
        if (dst instanceof FloatBuffer f) {
            f.put(0, floats(src), 0, f.remaining());
        } else {
            ((DoubleBuffer) dst).put(0, doubles(src), 0, dst.remaining());
        }
    }

    /** Copies input {@code i} into native memory with one bulk put ({@link BulkCopy}). */
    INDArray load(int i, float[] src) {
        INDArray a = in(i);
        BulkCopy.put(src, floats(a));
        return a;
    }

    /** Copies input {@code i} into native memory with one bulk put ({@link BulkCopy}). */
    INDArray load(int i, double[] src) {
        INDArray a = in(i);
        BulkCopy.put(src, doubles(a));
        return a;
    }

    private FloatBuffer floats(INDArray a) {
        return (FloatBuffer) views.computeIfAbsent(a, x -> x.data().asNioFloat());
    }

    private DoubleBuffer doubles(INDArray a) {
        return (DoubleBuffer) views.computeIfAbsent(a, x -> x.data().asNioDouble());
    }

    /**
     * {@code a}, an array of the data shape {@code [outer, K, inner]}, copied into a {@code [rows, K]}
     * array with one row per slice (made once per role, with its views).
     */
    INDArray toRows(String role, INDArray a) {
        INDArray rowsK = array(role, io, rows, k);
        view(role + "3", () -> rowsK.reshape('c', outer, inner, k)).assign(view(role + "T", () -> a.permute(0, 2, 1)));
        return rowsK;
    }

    /** The inverse of {@link #toRows}: {@code rowsK} ({@code [rows, K]}) copied into {@code dst} ({@code [outer, K, inner]}). */
    void fromRows(String role, INDArray rowsK, INDArray dst) {
        view(role + "T", () -> dst.permute(0, 2, 1)).assign(view(role + "3", () -> rowsK.reshape('c', outer, inner, k)));
    }

    /** Copies the class labels into an int32 {@code [rows]} array. */
    INDArray labels(int[] labels) {
        INDArray a = array("labels", DataType.INT32, rows);
        a.data().asNioInt().put(labels, 0, labels.length);
        return a;
    }

    /**
     * A temporary of the data's shape holding {@code kept} where the options keep an element and
     * {@code masked} elsewhere, written from Java (the mask is a Java array).
     */
    INDArray flags(String role, SoftmaxOptions o, double kept, double masked) {
        INDArray a = temp(role);
        if (float64) {
            DoubleBuffer b = doubles(a);
            for (int i = 0; i < layout.size(); i++) {
                b.put(i, o.keeps(i, layout) ? kept : masked);
            }
        } else {
            FloatBuffer b = floats(a);
            float fk = (float) kept;
            float fm = (float) masked;
            for (int i = 0; i < layout.size(); i++) {
                b.put(i, o.keeps(i, layout) ? fk : fm);
            }
        }
        return a;
    }

    /** One value per class, shaped to broadcast along the class axis ({@code [1, K]} or {@code [1, K, 1]}). */
    INDArray perClass(String role, double[] values) {
        INDArray a = inner == 1 ? array(role, io, 1, k) : array(role, io, 1, k, 1);
        fill(a, values);
        return a;
    }

    /** {@link #perRow} holding {@code values} (one per row, in row order). */
    INDArray perRow(String role, double[] values) {
        INDArray a = perRow(role);
        fill(a, values);
        return a;
    }

    private void fill(INDArray a, double[] values) {
        if (float64) {
            doubles(a).put(0, values, 0, values.length);
        } else {
            FloatBuffer b = floats(a);
            for (int i = 0; i < values.length; i++) {
                b.put(i, (float) values[i]);
            }
        }
    }

    /** The output buffer, shaped as the caller's data. */
    INDArray out() {
        return temp("out");
    }

    /** Copies {@code src}, an array of this scratch in the caller's dtype, into {@code dst} with one bulk get. */
    void store(INDArray src, float[] dst) {
        BulkCopy.get(floats(src), dst);
    }

    /** Copies {@code src}, an array of this scratch in the caller's dtype, into {@code dst} with one bulk get. */
    void store(INDArray src, double[] dst) {
        BulkCopy.get(doubles(src), dst);
    }
}
