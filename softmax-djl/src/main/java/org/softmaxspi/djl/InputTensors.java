package org.softmaxspi.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.softmaxspi.api.BulkCopy;

/**
 * One thread's input tensors, kept between calls: each aliases its own native-order direct buffer
 * ({@code manager.create(directBuffer, shape, dtype)} is PyTorch's {@code from_blob}), so a call
 * copies the caller's array into the buffer with one bulk put ({@link BulkCopy}) and runs PyTorch's op on a tensor
 * that already exists, instead of making a tensor (and a native copy) per call.
 *
 * <p>Bounded: tensors of at most {@value #MAX_BYTES} bytes, least recently used first out once the
 * thread holds more than {@value #MAX_ENTRIES} or {@value #MAX_TOTAL_BYTES} bytes; an evicted
 * tensor is closed at once. The tensors belong to a manager of this thread's own; when the thread
 * ends and this object becomes unreachable, a {@link Cleaner} closes that manager.
 *
 * <p>A tensor is only ever used by the current call on its own thread; a call attaches it to its
 * per-call manager with {@link NDArray#tempAttach}, so everything computed from it is freed with that
 * manager while the tensor returns here.
 */
final class InputTensors {

    /** The largest tensor kept: 32 MiB (a 128×32000 batch in float32 or float64). */
    static final int MAX_BYTES = 32 << 20;

    /** At most this many tensors per thread. */
    static final int MAX_ENTRIES = 8;

    /** At most this many bytes of kept tensors per thread: 64 MiB. */
    static final long MAX_TOTAL_BYTES = 64L << 20;

    private static final Cleaner CLEANER = Cleaner.create();

    private record Key(Shape shape, DataType type, int slot) {
    }

    private record Entry(ByteBuffer buffer, NDArray tensor) {
    }

    private final NDManager manager;
    private final Map<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    InputTensors(NDManager base) {
        this.manager = base.newSubManager();
        NDManager m = manager; // the cleaning action must not refer to this object
        CLEANER.register(this, m::close);
    }

    /**
     * A tensor of {@code shape} holding {@code data} (float[], double[], int[], or a heap FloatBuffer /
     * DoubleBuffer at position 0), in {@code slot}.
     */
    NDArray load(int slot, Object data, Shape shape) {
        DataType type = data instanceof double[] || data instanceof DoubleBuffer ? DataType.FLOAT64
                : data instanceof float[] || data instanceof FloatBuffer ? DataType.FLOAT32 : DataType.INT32;
        long size = shape.size() * type.getNumOfBytes();
        if (size > MAX_BYTES) {
            return null;
        }
        Key key = new Key(shape, type, slot);
        Entry e = entries.get(key);
        if (e == null) {
            // 64-byte aligned, as PyTorch's own allocations are (its vector loads assume nothing, but split
            // cache lines cost)
            // (alignedSlice also rounds the limit down to the alignment: allocate whole units, then cut to size)
            int units = (int) ((size + 63) / 64);
            ByteBuffer b = ByteBuffer.allocateDirect((units + 1) * 64).alignedSlice(64).limit((int) size).slice()
                    .order(ByteOrder.nativeOrder());
            e = new Entry(b, manager.create(b, shape, type));
            entries.put(key, e);
            bytes += size;
            evict(key);
        }
        ByteBuffer b = e.buffer().clear();
        if (data instanceof double[] d) {
            BulkCopy.put(d, b.asDoubleBuffer());
        } else if (data instanceof float[] f) {
            BulkCopy.put(f, b.asFloatBuffer());
        } else if (data instanceof FloatBuffer f) {
            b.asFloatBuffer().put(0, f, 0, f.remaining());
        } else if (data instanceof DoubleBuffer d) {
            b.asDoubleBuffer().put(0, d, 0, d.remaining());
        } else {
            b.asIntBuffer().put((int[]) data);
        }
        return e.tensor();
    }

    /** Closes least recently used tensors (never {@code keep}) until both bounds hold. */
    private void evict(Key keep) {
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while ((entries.size() > MAX_ENTRIES || bytes > MAX_TOTAL_BYTES) && it.hasNext()) {
            Map.Entry<Key, Entry> old = it.next();
            if (old.getKey().equals(keep)) {
                continue;
            }
            bytes -= old.getValue().buffer().capacity();
            old.getValue().tensor().close();
            it.remove();
        }
    }

    /** Tensors kept (for tests). */
    int size() {
        return entries.size();
    }

    /** Bytes kept (for tests). */
    long bytes() {
        return bytes;
    }
}
