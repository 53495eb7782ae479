package org.softmaxspi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The buffer methods of the facade: positions, the default path through arrays, and every bad buffer. */
class BufferArgumentsTest {

    /** A kernel whose array methods write {@code 2x} of the first input (losses: the row count); buffers use the defaults. */
    private static final class DoublingProvider extends FakeProvider {
        final AtomicInteger arrayCalls = new AtomicInteger();

        DoublingProvider() {
            super("doubling", 0, Availability.ok());
        }

        @Override
        public SoftmaxKernel createKernel() {
            InvocationHandler h = (proxy, method, args) -> {
                if (method.isDefault()) {
                    return InvocationHandler.invokeDefault(proxy, method, args);
                }
                arrayCalls.incrementAndGet();
                Object in = args[0];
                Object out = args[args.length - 1];
                if (out instanceof float[] o) {
                    float[] x = (float[]) in;
                    for (int i = 0; i < o.length; i++) {
                        o[i] = 2 * x[i % x.length];
                    }
                } else {
                    double[] o = (double[]) out;
                    double[] x = (double[]) in;
                    for (int i = 0; i < o.length; i++) {
                        o[i] = 2 * x[i % x.length];
                    }
                }
                if (args.length == 6) { // cross-entropy: lossOut is args[4]
                    Object loss = args[4];
                    if (loss instanceof float[] f) {
                        java.util.Arrays.fill(f, 7);
                    } else {
                        java.util.Arrays.fill((double[]) loss, 7);
                    }
                }
                return null;
            };
            return (SoftmaxKernel) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {SoftmaxKernel.class}, h);
        }
    }

    private final DoublingProvider provider = new DoublingProvider();
    private final Softmax softmax = Softmax.of(provider);
    private final int[] shape = {2, 3};

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Test
    void resultsGoFromTheOutputsPosition_andNoPositionMoves() {
        float[] z = {1, 2, 3, 4, 5, 6};
        float[] twice = {2, 4, 6, 8, 10, 12};
        // a heap buffer at position 2 and a direct output at position 3, both with room on either side
        FloatBuffer in = FloatBuffer.allocate(10).put(2, z).position(2).limit(8);
        FloatBuffer out = direct(12);
        for (int i = 0; i < 12; i++) {
            out.put(i, -1);
        }
        out.position(3).limit(9);
        softmax.softmax(in, shape, -1, out);
        assertEquals(2, in.position());
        assertEquals(8, in.limit());
        assertEquals(3, out.position());
        assertEquals(9, out.limit());
        float[] got = new float[6];
        out.get(3, got);
        assertArrayEquals(twice, got);
        FloatBuffer all = out.duplicate().clear();
        assertEquals(-1, all.get(2));
        assertEquals(-1, all.get(9));
        assertEquals(1, provider.arrayCalls.get(), "the default buffer method goes through the array method");
    }

    @Test
    void everyOperationHasBufferMethods_float32AndFloat64() {
        float[] z = {1, 2, 3, 4, 5, 6};
        FloatBuffer f = FloatBuffer.wrap(z);
        DoubleBuffer d = DoubleBuffer.wrap(new double[] {1, 2, 3, 4, 5, 6});
        softmax.logSoftmax(f, shape, 0, FloatBuffer.allocate(6));
        softmax.logSoftmax(d, shape, 0, DoubleBuffer.allocate(6));
        softmax.softmax(d, shape, 0, DoubleBuffer.allocate(6));
        FloatBuffer j = FloatBuffer.allocate(18);
        softmax.jacobian(f, shape, 1, j);
        assertEquals(2f, j.get(0));
        softmax.jacobian(d, shape, 1, DoubleBuffer.allocate(18));
        softmax.backward(f, FloatBuffer.allocate(6), shape, 1, FloatBuffer.allocate(6));
        softmax.backward(d, DoubleBuffer.allocate(6), shape, 1, DoubleBuffer.allocate(6));
        softmax.logSoftmaxBackward(f, FloatBuffer.allocate(6), shape, 1, FloatBuffer.allocate(6));
        softmax.logSoftmaxBackward(d, DoubleBuffer.allocate(6), shape, 1, DoubleBuffer.allocate(6));
        FloatBuffer loss = FloatBuffer.allocate(2);
        FloatBuffer gradient = FloatBuffer.allocate(6);
        softmax.crossEntropy(f, shape, 1, new int[] {0, 2}, Reduction.NONE, loss, gradient);
        assertEquals(7f, loss.get(1));
        assertEquals(12f, gradient.get(5));
        softmax.crossEntropy(d, shape, 1, new int[] {0, 2}, Reduction.SUM, DoubleBuffer.allocate(1),
                DoubleBuffer.allocate(6));
        FloatBuffer target = FloatBuffer.wrap(new float[] {1, 0, 0, 0, 0, 1});
        softmax.crossEntropy(f, shape, 1, target, Reduction.MEAN, FloatBuffer.allocate(1), FloatBuffer.allocate(6));
        softmax.crossEntropy(d, shape, 1, DoubleBuffer.wrap(new double[] {1, 0, 0, 0, 0, 1}), Reduction.MEAN,
                DoubleBuffer.allocate(1), DoubleBuffer.allocate(6));
        assertEquals(13, provider.arrayCalls.get());
    }

    private void assertRejected(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertThat(e.getMessage()).contains(message);
        assertEquals(0, provider.createCalls.get(), "the backend must not even start for bad input");
    }

    @Test
    void badBuffers_areRejectedBeforeTheProvider_namingTheParameterAndValues() {
        FloatBuffer z = FloatBuffer.wrap(new float[] {1, 2, 3, 4, 5, 6});
        assertRejected("logits: null", () -> softmax.softmax((FloatBuffer) null, shape, -1, FloatBuffer.allocate(6)));
        assertRejected("out: null", () -> softmax.softmax(z, shape, -1, (FloatBuffer) null));
        assertRejected("logits.remaining() 4 != 6, the product of shape [2, 3] ([position 2, limit 6))",
                () -> softmax.softmax(z.duplicate().position(2), shape, -1, FloatBuffer.allocate(6)));
        assertRejected("out.remaining() 7 != 6, the length of the result ([position 0, limit 7))",
                () -> softmax.softmax(z, shape, -1, FloatBuffer.allocate(7)));
        assertRejected("out.remaining() 6 != 18",
                () -> softmax.jacobian(z, shape, -1, FloatBuffer.allocate(6)));
        assertRejected("out is read-only",
                () -> softmax.softmax(z, shape, -1, FloatBuffer.allocate(6).asReadOnlyBuffer()));
        FloatBuffer bigEndian = ByteBuffer.allocateDirect(24).asFloatBuffer();
        assertRejected("logits is a direct buffer in BIG_ENDIAN byte order, not the native LITTLE_ENDIAN",
                () -> softmax.softmax(bigEndian, shape, -1, FloatBuffer.allocate(6)));
        assertRejected("out is a direct buffer in BIG_ENDIAN",
                () -> softmax.logSoftmax(z, shape, -1, bigEndian));
        assertRejected("upstream.remaining() 5 != y.remaining() 6",
                () -> softmax.backward(z, FloatBuffer.allocate(5), shape, -1, FloatBuffer.allocate(6)));
        assertRejected("upstream: null",
                () -> softmax.logSoftmaxBackward(z, null, shape, -1, FloatBuffer.allocate(6)));
        assertRejected("labels[1] = 3 out of range [0, 3)", () -> softmax.crossEntropy(z, shape, -1,
                new int[] {0, 3}, Reduction.SUM, FloatBuffer.allocate(1), FloatBuffer.allocate(6)));
        assertRejected("lossOut.remaining() 1 != 2", () -> softmax.crossEntropy(z, shape, -1,
                new int[] {0, 1}, Reduction.NONE, FloatBuffer.allocate(1), FloatBuffer.allocate(6)));
        assertRejected("target row 1 sums to", () -> softmax.crossEntropy(z, shape, -1,
                FloatBuffer.wrap(new float[] {1, 0, 0, 0.5f, 0, 0}), Reduction.SUM, FloatBuffer.allocate(1),
                FloatBuffer.allocate(6)));
        assertRejected("reduction: null", () -> softmax.crossEntropy(z, shape, -1, new int[] {0, 1}, null,
                FloatBuffer.allocate(1), FloatBuffer.allocate(6)));
    }

    @Test
    void outputsSharingMemoryWithAnInput_areRejected_throughAnyView() {
        float[] data = new float[12];
        FloatBuffer heap = FloatBuffer.wrap(data, 0, 6);
        assertRejected("out [position 0, limit 6) overlaps logits [position 0, limit 6)",
                () -> softmax.softmax(heap, shape, -1, heap));
        assertRejected("overlaps logits", () -> softmax.softmax(heap, shape, -1, heap.duplicate()));
        assertRejected("overlaps logits", () -> softmax.softmax(heap.asReadOnlyBuffer(), shape, -1, heap));
        // a slice from element 3: shares elements 3..5 with the input
        assertRejected("overlaps logits",
                () -> softmax.softmax(heap, shape, -1, FloatBuffer.wrap(data).position(3).limit(9).slice()));
        FloatBuffer d = direct(12);
        FloatBuffer first = d.duplicate().limit(6);
        assertRejected("overlaps logits", () -> softmax.softmax(first, shape, -1, d.duplicate().position(5).limit(11).slice()));
        assertRejected("overlaps upstream", () -> softmax.backward(FloatBuffer.allocate(6), first, shape, -1,
                d.duplicate().position(2).limit(8).slice()));
        // two float views of one heap ByteBuffer
        ByteBuffer bytes = ByteBuffer.allocate(48).order(ByteOrder.nativeOrder());
        assertRejected("overlaps logits", () -> softmax.softmax(bytes.asFloatBuffer().limit(6), shape, -1,
                bytes.position(4).asFloatBuffer().limit(6)));
        assertRejected("gradientOut [position 0, limit 6) overlaps lossOut", () -> softmax.crossEntropy(
                FloatBuffer.allocate(6), shape, -1, new int[] {0, 1}, Reduction.SUM, first.duplicate().limit(1),
                first));
        FloatBuffer target = FloatBuffer.wrap(new float[] {1, 0, 0, 0, 0, 1});
        assertRejected("lossOut [position 0, limit 1) overlaps target [position 0, limit 6)",
                () -> softmax.crossEntropy(FloatBuffer.allocate(6), shape, -1, target, Reduction.SUM,
                        target.duplicate().limit(1), FloatBuffer.allocate(6)));
    }

    @Test
    void adjacentViewsOfOneBuffer_doNotOverlap() {
        FloatBuffer d = direct(12);
        FloatBuffer in = d.duplicate().limit(6).slice();
        FloatBuffer out = d.duplicate().position(6).slice();
        softmax.softmax(in, shape, -1, out);
        float[] data = new float[12];
        softmax.softmax(FloatBuffer.wrap(data, 0, 6), shape, -1, FloatBuffer.wrap(data, 6, 6).slice());
        assertEquals(2, provider.arrayCalls.get());
    }

    @Test
    void overlapIsFoundInNativeAndHeapMemory() {
        DoubleBuffer a = ByteBuffer.allocateDirect(80).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        assertTrue(BufferMemory.overlap(a, a.duplicate()));
        assertTrue(BufferMemory.overlap(a.duplicate().position(9), a.duplicate().position(5).slice()));
        assertFalse(BufferMemory.overlap(a.duplicate().limit(5), a.duplicate().position(5)));
        assertFalse(BufferMemory.overlap(a, ByteBuffer.allocateDirect(80).asDoubleBuffer()));
        double[] array = new double[10];
        assertTrue(BufferMemory.overlap(DoubleBuffer.wrap(array, 4, 2).slice().asReadOnlyBuffer(),
                DoubleBuffer.wrap(array).position(5)));
        assertFalse(BufferMemory.overlap(DoubleBuffer.wrap(array, 0, 5), DoubleBuffer.wrap(array, 5, 5)));
        assertFalse(BufferMemory.overlap(DoubleBuffer.wrap(array), DoubleBuffer.wrap(new double[10])));
        assertFalse(BufferMemory.overlap(a, DoubleBuffer.wrap(array)), "heap and native memory never overlap");
        String expected = Runtime.version().feature() >= 22 ? "MemorySegment.asOverlappingSlice" : "Buffer.address";
        assertEquals(expected, BufferMemory.strategyName(), "exact on the JDKs this library supports");
    }
}
