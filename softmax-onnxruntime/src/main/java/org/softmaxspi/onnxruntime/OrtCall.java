package org.softmaxspi.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.softmaxspi.api.BulkCopy;
import org.softmaxspi.api.SoftmaxProviderException;

/**
 * One run of one session: its input tensors and its pinned outputs, made over direct memory so that ONNX
 * Runtime reads and writes it in place, then closed together.
 *
 * <p>A direct {@link FloatBuffer}/{@link DoubleBuffer} of the caller (position 0, native order) becomes the
 * tensor itself, input or output, no copy, when the graph's bits cannot depend on its address ({@link #inPlace}). Arrays and heap buffers are copied once into a per-thread
 * direct buffer ({@link Scratch}) that the tensor wraps, and outputs are copied once out of one. ONNX
 * Runtime writes the outputs into these buffers (pinned outputs), so a call allocates no result memory.
 * Not thread-safe: one per call.
 */
final class OrtCall implements AutoCloseable {

    /** The system property that sets {@link #PARALLEL_COPY_FROM_BYTES}: {@value}. */
    static final String PARALLEL_COPY_PROPERTY = "softmax.onnxruntime.parallelCopyFromBytes";

    /**
     * Arrays of at least this many bytes (default 1 MiB) are copied in and out in parallel parts
     * ({@link BulkCopy}): ONNX Runtime's threads do not spin after an op here, so the other cores are free. At
     * 128×32000 float32 the provider took 3.3–3.9 ms instead of 4.1–4.3 ms beside an op of 1.3 ms (ad hoc probe).
     */
    static final int PARALLEL_COPY_FROM_BYTES = Integer.getInteger(PARALLEL_COPY_PROPERTY, 1 << 20);

    private final OrtEnvironment env;
    private final OrtSessions.Lease session;
    private final Scratch scratch;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();
    private final List<Runnable> copyBack = new ArrayList<>();
    private final boolean float64;
    private final boolean anyAlignment;
    private int slot;

    /**
     * @param anyAlignment whether the graph's results do not depend on where its memory starts (MLAS's float32
     *                     softmax and elementwise ops), so that any direct buffer may be used in place
     */
    OrtCall(OrtEnvironment env, OrtSessions.Lease session, Scratch scratch, boolean float64, boolean anyAlignment) {
        this.env = env;
        this.session = session;
        this.scratch = scratch;
        this.float64 = float64;
        this.anyAlignment = anyAlignment;
    }

    /** Whether the call's data is float64. */
    boolean isFloat64() {
        return float64;
    }

    /** Data of the call's dtype: a float[]/double[] or a FloatBuffer/DoubleBuffer. */
    OrtCall data(String name, Object data, long[] shape) {
        if (inPlace(data, anyAlignment)) {
            inputs.put(name, tensor(() -> data instanceof DoubleBuffer d
                    ? OnnxTensor.createTensor(env, d, shape) : OnnxTensor.createTensor(env, (FloatBuffer) data, shape)));
            return this;
        }
        ByteBuffer memory = memory(elements(data));
        if (data instanceof double[] d) {
            BulkCopy.put(d, memory.asDoubleBuffer(), PARALLEL_COPY_FROM_BYTES);
        } else if (data instanceof float[] f) {
            BulkCopy.put(f, memory.asFloatBuffer(), PARALLEL_COPY_FROM_BYTES);
        } else if (data instanceof DoubleBuffer d) {
            memory.asDoubleBuffer().put(0, d, 0, d.remaining());
        } else {
            FloatBuffer f = (FloatBuffer) data;
            memory.asFloatBuffer().put(0, f, 0, f.remaining());
        }
        inputs.put(name, wrap(memory, shape));
        return this;
    }

    /** Per-call values (weights, per-row coefficients) rounded to the dtype. */
    OrtCall values(String name, double[] values, long[] shape) {
        ByteBuffer memory = memory(values.length);
        if (float64) {
            memory.asDoubleBuffer().put(values);
        } else {
            FloatBuffer f = memory.asFloatBuffer();
            for (double v : values) {
                f.put((float) v);
            }
        }
        inputs.put(name, wrap(memory, shape));
        return this;
    }

    /** A scalar of the dtype. */
    OrtCall scalar(String name, double value) {
        return values(name, new double[] {value}, new long[0]);
    }

    /** Class labels as int64. */
    OrtCall labels(String name, int[] labels, long[] shape) {
        ByteBuffer memory = scratch.get(slot++, (long) labels.length * Long.BYTES);
        LongBuffer l = memory.asLongBuffer();
        for (int v : labels) {
            l.put(v);
        }
        inputs.put(name, tensor(() -> OnnxTensor.createTensor(env, memory, shape, OnnxJavaType.INT64)));
        return this;
    }

    /** Boolean flags ({@code length} of them from {@code flags}). */
    OrtCall flags(String name, boolean[] flags, int length, long[] shape) {
        ByteBuffer memory = scratch.get(slot++, length);
        for (int i = 0; i < length; i++) {
            memory.put(i, (byte) (flags[i] ? 1 : 0));
        }
        inputs.put(name, tensor(() -> OnnxTensor.createTensor(env, memory, shape, OnnxJavaType.BOOL)));
        return this;
    }

    /** Where output {@code name} goes: the caller's direct buffer in place, else copied into {@code out} after the run. */
    OrtCall output(String name, Object out, long[] shape) {
        if (inPlace(out, anyAlignment)) {
            outputs.put(name, tensor(() -> out instanceof DoubleBuffer d
                    ? OnnxTensor.createTensor(env, d, shape) : OnnxTensor.createTensor(env, (FloatBuffer) out, shape)));
            return this;
        }
        ByteBuffer memory = memory(elements(out));
        outputs.put(name, wrap(memory, shape));
        copyBack.add(() -> {
            if (out instanceof double[] d) {
                BulkCopy.get(memory.asDoubleBuffer(), d, PARALLEL_COPY_FROM_BYTES);
            } else if (out instanceof float[] f) {
                BulkCopy.get(memory.asFloatBuffer(), f, PARALLEL_COPY_FROM_BYTES);
            } else if (out instanceof DoubleBuffer d) {
                d.put(0, memory.asDoubleBuffer(), 0, d.remaining());
            } else {
                FloatBuffer f = (FloatBuffer) out;
                f.put(0, memory.asFloatBuffer(), 0, f.remaining());
            }
        });
        return this;
    }

    /** Runs the session with the inputs into the outputs, then copies the outputs that are not the caller's memory. */
    void run() {
        try (OrtSession.Result ignored = session.session().run(inputs, outputs)) {
            // the outputs are pinned: ONNX Runtime wrote them into our memory, the result owns nothing
        } catch (OrtException e) {
            throw new SoftmaxProviderException("ONNX Runtime failed to run " + session.key() + ": " + e.getMessage(), e);
        }
        for (Runnable r : copyBack) {
            r.run();
        }
    }

    /** Closes every tensor of the call (never the caller's buffers), and a one-off session. */
    @Override
    public void close() {
        for (OnnxTensor t : inputs.values()) {
            t.close();
        }
        for (OnnxTensor t : outputs.values()) {
            t.close();
        }
        session.close();
    }

    /**
     * Whether {@code data} is a direct buffer that ONNX Runtime may use in place: any direct buffer for a graph whose
     * results do not depend on addresses, else one that starts on a {@value Scratch#ALIGNMENT}-byte boundary. Its
     * Eigen-based kernels (float64 softmax, ReduceSum) treat the unaligned head and tail of an array apart from the
     * aligned body, so their bits depend on where the memory starts (finding 3); such buffers are copied into
     * aligned per-thread memory, like arrays, so that buffers and arrays give the same bits.
     */
    static boolean inPlace(Object data, boolean anyAlignment) {
        return data instanceof Buffer b && b.isDirect()
                && (anyAlignment || Pointer.nativeValue(Native.getDirectBufferPointer(b)) % Scratch.ALIGNMENT == 0);
    }

    private ByteBuffer memory(long elements) {
        return scratch.get(slot++, elements * (float64 ? Double.BYTES : Float.BYTES));
    }

    private OnnxTensor wrap(ByteBuffer memory, long[] shape) {
        return tensor(() -> float64 ? OnnxTensor.createTensor(env, memory.asDoubleBuffer(), shape)
                : OnnxTensor.createTensor(env, memory.asFloatBuffer(), shape));
    }

    private static long elements(Object data) {
        if (data instanceof float[] f) {
            return f.length;
        }
        if (data instanceof double[] d) {
            return d.length;
        }
        return ((Buffer) data).remaining();
    }

    @FunctionalInterface
    private interface TensorMaker {
        OnnxTensor make() throws OrtException;
    }

    private static OnnxTensor tensor(TensorMaker m) {
        try {
            return m.make();
        } catch (OrtException e) {
            throw new SoftmaxProviderException("ONNX Runtime could not make a tensor: " + e.getMessage(), e);
        }
    }

    /**
     * Per-thread direct memory, one buffer per slot of a call, grown as needed and kept for the thread's next
     * calls up to {@value #MAX_KEPT_BYTES} bytes per slot; a larger need gets a buffer of its own for that call
     * (released by the garbage collector).
     */
    static final class Scratch {
        static final long MAX_KEPT_BYTES = 64L << 20;
        /** The alignment of every buffer handed to ONNX Runtime: {@value} bytes (a cache line, an AVX-512 vector). */
        static final int ALIGNMENT = 64;
        private final ByteBuffer[] kept = new ByteBuffer[16];

        /** A native-order direct buffer of exactly {@code bytes} bytes (position 0, limit {@code bytes}). */
        ByteBuffer get(int slot, long bytes) {
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("data: " + bytes + " bytes in one tensor (at most 2^31 - 1 here)");
            }
            int n = (int) bytes;
            if (bytes > MAX_KEPT_BYTES) {
                return aligned(n);
            }
            ByteBuffer b = kept[slot];
            if (b == null || b.capacity() < n) {
                b = aligned((int) Math.min(MAX_KEPT_BYTES, Math.max(n, b == null ? 256 : 2L * b.capacity())));
                kept[slot] = b;
            }
            return b.duplicate().clear().limit(n).slice().order(ByteOrder.nativeOrder());
        }

        /** Direct memory of at least {@code bytes} bytes starting on an {@value #ALIGNMENT}-byte boundary. */
        static ByteBuffer aligned(int bytes) {
            // alignedSlice keeps whole blocks of ALIGNMENT bytes: ask for the rounded-up size plus one block
            int rounded = (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
            return ByteBuffer.allocateDirect(rounded + ALIGNMENT).alignedSlice(ALIGNMENT).limit(bytes).slice()
                    .order(ByteOrder.nativeOrder());
        }
    }
}
