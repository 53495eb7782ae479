package org.softmaxspi.conformance;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.softmaxspi.api.DType;

/**
 * The buffers of one call through the buffer methods of {@code Softmax}: the inputs filled with a
 * case's data, the outputs of the result lengths, all of one {@link Kind}, plus what is needed to
 * check afterwards that no position or limit moved, that nothing outside the outputs' ranges was
 * written and that the inputs are unchanged.
 */
final class BufferCall {

    /** How the buffers of a call are made; every case runs through each. */
    enum Kind {
        /** {@code FloatBuffer.wrap} inputs, {@code allocate} outputs. */
        HEAP("heap"),
        /** Native-order direct buffers at position 0. */
        DIRECT("direct"),
        /** Direct buffers at position {@value #MARGIN}, with {@value #MARGIN} guarded elements on either side. */
        POSITIONED("direct at position " + MARGIN),
        /**
         * Slices: the inputs of views of one heap array, the outputs of views of one direct buffer,
         * separated by guarded elements (heap inputs with direct outputs).
         */
        SLICED("sliced views");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Guarded elements around each positioned or sliced buffer. */
    static final int MARGIN = 3;
    /** What guarded elements hold; a write there is a failure. */
    static final double GUARD = -12345.5;

    private final DType dtype;
    private final Kind kind;
    private final double[][] inputData;
    private final Buffer[] inputs;
    private final Buffer[] outputs;
    /** Every buffer handed to the call with its position and limit before it (for the "no position moves" rule). */
    private final List<int[]> marks = new ArrayList<>();
    private final List<Buffer> all = new ArrayList<>();
    /** The memory behind the buffers, whole (guards included). */
    private final List<Buffer> backing = new ArrayList<>();
    /** Per backing buffer: the [from, to) ranges the call may write. */
    private final List<int[]> writable = new ArrayList<>();

    BufferCall(DType dtype, Kind kind, double[][] inputData, int[] outputLengths) {
        this.dtype = dtype;
        this.kind = kind;
        this.inputData = inputData;
        this.inputs = new Buffer[inputData.length];
        this.outputs = new Buffer[outputLengths.length];
        int[] inputLengths = new int[inputData.length];
        for (int i = 0; i < inputData.length; i++) {
            inputLengths[i] = inputData[i].length;
        }
        make(inputs, inputLengths, false);
        for (int i = 0; i < inputs.length; i++) {
            put(inputs[i], inputData[i]);
        }
        make(outputs, outputLengths, true);
        for (Buffer b : all) {
            marks.add(new int[] {b.position(), b.limit()});
        }
    }

    Buffer input(int i) {
        return inputs[i];
    }

    Buffer output(int i) {
        return outputs[i];
    }

    FloatBuffer floatInput(int i) {
        return (FloatBuffer) inputs[i];
    }

    DoubleBuffer doubleInput(int i) {
        return (DoubleBuffer) inputs[i];
    }

    FloatBuffer floatOutput(int i) {
        return (FloatBuffer) outputs[i];
    }

    DoubleBuffer doubleOutput(int i) {
        return (DoubleBuffer) outputs[i];
    }

    /** The outputs' values between position and limit, widened to double. */
    double[][] results() {
        double[][] r = new double[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            r[i] = read(outputs[i]);
        }
        return r;
    }

    /** What the call broke of the buffer rules, or empty. */
    String problems() {
        for (int i = 0; i < all.size(); i++) {
            Buffer b = all.get(i);
            int[] m = marks.get(i);
            if (b.position() != m[0] || b.limit() != m[1]) {
                return "a buffer's position/limit moved from " + m[0] + "/" + m[1] + " to " + b.position() + "/"
                        + b.limit();
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            double[] now = read(inputs[i]);
            for (int j = 0; j < now.length; j++) {
                if (Double.doubleToLongBits(now[j]) != Double.doubleToLongBits(inputData[i][j])) {
                    return "input " + i + " was modified at element " + j;
                }
            }
        }
        for (int i = 0; i < backing.size(); i++) {
            Buffer whole = backing.get(i);
            int[] ranges = writable.get(i);
            for (int j = 0; j < whole.capacity(); j++) {
                if (!inside(j, ranges) && get(whole, j) != GUARD) {
                    return "element " + j + " outside every buffer's range was written (" + get(whole, j) + ")";
                }
            }
        }
        return "";
    }

    private static boolean inside(int j, int[] ranges) {
        for (int r = 0; r < ranges.length; r += 2) {
            if (j >= ranges[r] && j < ranges[r + 1]) {
                return true;
            }
        }
        return false;
    }

    /** Makes buffers of the given lengths, of this call's kind. */
    private void make(Buffer[] into, int[] lengths, boolean outputs) {
        switch (kind) {
            case HEAP, DIRECT -> {
                for (int i = 0; i < lengths.length; i++) {
                    into[i] = allocate(lengths[i], kind == Kind.DIRECT);
                    all.add(into[i]);
                }
            }
            case POSITIONED -> {
                for (int i = 0; i < lengths.length; i++) {
                    Buffer whole = guarded(lengths[i] + 2 * MARGIN, true);
                    backing.add(whole);
                    writable.add(new int[] {MARGIN, MARGIN + lengths[i]});
                    into[i] = whole.duplicate().position(MARGIN).limit(MARGIN + lengths[i]);
                    order(into[i]);
                    all.add(into[i]);
                }
            }
            case SLICED -> {
                int total = MARGIN;
                for (int n : lengths) {
                    total += n + MARGIN;
                }
                Buffer whole = guarded(total, outputs);
                backing.add(whole);
                int[] ranges = new int[2 * lengths.length];
                int at = MARGIN;
                for (int i = 0; i < lengths.length; i++) {
                    ranges[2 * i] = at;
                    ranges[2 * i + 1] = at + lengths[i];
                    into[i] = slice(whole, at, lengths[i]);
                    all.add(into[i]);
                    at += lengths[i] + MARGIN;
                }
                writable.add(ranges);
            }
        }
    }

    private Buffer allocate(int n, boolean direct) {
        boolean f32 = dtype == DType.FLOAT32;
        if (!direct) {
            return f32 ? FloatBuffer.allocate(n) : DoubleBuffer.allocate(n);
        }
        ByteBuffer bytes = ByteBuffer.allocateDirect(n * (f32 ? Float.BYTES : Double.BYTES))
                .order(ByteOrder.nativeOrder());
        return f32 ? bytes.asFloatBuffer() : bytes.asDoubleBuffer();
    }

    private Buffer guarded(int n, boolean direct) {
        Buffer b = allocate(n, direct);
        for (int j = 0; j < n; j++) {
            set(b, j, GUARD);
        }
        return b;
    }

    /** Keeps a duplicate's byte order (a duplicate of a view keeps it; this only asserts it). */
    private static void order(Buffer b) {
        ByteOrder o = b instanceof FloatBuffer f ? f.order() : ((DoubleBuffer) b).order();
        if (b.isDirect() && o != ByteOrder.nativeOrder()) {
            throw new IllegalStateException("suite bug: a direct buffer in " + o);
        }
    }

    private static Buffer slice(Buffer b, int from, int n) {
        return b instanceof FloatBuffer f ? f.slice(from, n) : ((DoubleBuffer) b).slice(from, n);
    }

    private void put(Buffer b, double[] data) {
        int p = b.position();
        for (int j = 0; j < data.length; j++) {
            set(b, p + j, data[j]);
        }
    }

    private static double[] read(Buffer b) {
        double[] r = new double[b.remaining()];
        int p = b.position();
        for (int j = 0; j < r.length; j++) {
            r[j] = get(b, p + j);
        }
        return r;
    }

    private static double get(Buffer b, int j) {
        return b instanceof FloatBuffer f ? f.get(j) : ((DoubleBuffer) b).get(j);
    }

    private static void set(Buffer b, int j, double v) {
        if (b instanceof FloatBuffer f) {
            f.put(j, (float) v);
        } else {
            ((DoubleBuffer) b).put(j, v);
        }
    }
}
