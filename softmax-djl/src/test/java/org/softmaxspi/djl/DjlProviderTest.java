package org.softmaxspi.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/** Registration, availability, the backend description and paths the suite does not reach. */
// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=djl
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*djl\\s*(,.*)?")
class DjlProviderTest {

    private static Softmax djl;
    private static Softmax reference;

    @BeforeAll
    static void start() {
        djl = SoftmaxProviders.get("djl"); // sets ai.djl.offline (if unset) before any DJL class loads
        reference = SoftmaxProviders.get("reference");
    }

    @Test
    void registeredWithItsNameAndPriority() {
        ProviderStatus s = SoftmaxProviders.all().stream().filter(p -> p.name().equals("djl")).findFirst()
                .orElseThrow();
        assertEquals(20, s.priority());
        assertTrue(s.available(), s.availability().reason());
        // above the reference (0) and ND4J (10): the default when simd (30) is absent
        assertEquals("djl", SoftmaxProviders.getDefault().name());
    }

    @Test
    void availableAndOffline() {
        DjlProvider p = new DjlProvider();
        Availability a = p.availability();
        assertTrue(a.available(), a.reason());
        assertSame(a, p.availability(), "the engine starts once per JVM and the answer is kept");
        assertEquals("true", System.getProperty("ai.djl.offline"));
    }

    /** The version in backend() is a constant (backend() must not load DJL): it must match the jars. */
    @Test
    void versionConstantMatchesTheLoadedEngine() {
        Engine engine = Engine.getEngine("PyTorch");
        assertEquals("0.35.1", Engine.getDjlVersion());
        assertEquals("2.7.1", engine.getVersion());
        assertEquals(Engine.getDjlVersion() + " (PyTorch " + engine.getVersion() + ")", DjlProvider.VERSION);
        BackendInfo b = new DjlProvider().backend();
        assertEquals("DJL", b.library());
        assertEquals(DjlProvider.VERSION, b.version());
        assertTrue(b.details().contains("intra-op threads"), b.details());
        assertTrue(b.details().contains("PyTorch 2.7.1"), b.details());
        System.out.println("djl backend: " + b);
    }

    /**
     * Inputs above InputTensors.MAX_BYTES are not kept: DJL copies them. Pooled or not, the provider's
     * result is PyTorch's own softmax of the same data, bit for bit.
     */
    @Test
    void largeInputsBypassTheBufferPool_andStillRunPyTorchsOp() {
        int rows = 3;
        int k = 1_500_000; // 4.5 * 10^6 doubles = 36 MB > 32 MiB
        double[] z = new double[rows * k];
        Random r = new Random(3);
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextGaussian() * 4;
        }
        int[] shape = {rows, k};
        double[] a = djl.softmax(z, shape, -1);
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            double[] raw = m.create(z, new Shape(rows, k)).softmax(1).toDoubleArray();
            assertTrue(Arrays.equals(raw, a), "float64 softmax, large: not PyTorch's result");
        }
    }

    /** Repeated calls of different sizes on one thread reuse and regrow the per-thread buffers correctly. */
    @Test
    void bufferReuseAcrossSizesAndDtypes() {
        Random r = new Random(5);
        for (int n = 0; n < 200; n++) {
            int rows = 1 + r.nextInt(6);
            int k = 1 + r.nextInt(40);
            int inner = 1 + r.nextInt(3);
            int[] shape = {rows, k, inner};
            double[] z = new double[rows * k * inner];
            for (int i = 0; i < z.length; i++) {
                z[i] = r.nextGaussian() * 3;
            }
            int[] labels = new int[rows * inner];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = r.nextInt(k);
            }
            double[] y = djl.softmax(z, shape, 1);
            assertClose(reference.softmax(z, shape, 1), y, 32 * Math.ulp(1.0), "softmax " + n);
            var ce = djl.crossEntropy(z, shape, 1, labels, Reduction.NONE);
            var ceRef = reference.crossEntropy(z, shape, 1, labels, Reduction.NONE);
            assertClose(ceRef.loss(), ce.loss(), 64 * Math.ulp(8.0), "loss " + n);
            assertClose(ceRef.gradient(), ce.gradient(), 32 * Math.ulp(1.0), "gradient " + n);
        }
    }

    /**
     * A thread keeps at most {@link InputTensors#MAX_ENTRIES} input tensors and
     * {@link InputTensors#MAX_TOTAL_BYTES} bytes; evicted tensors are closed and later calls with their
     * layout make new ones, with PyTorch's results bit for bit.
     */
    @Test
    void keptInputTensors_stayWithinTheirBounds() {
        try (NDManager base = Engine.getEngine("PyTorch").newBaseManager()) {
            DjlKernel k = new DjlKernel(base);
            Random r = new Random(11);
            for (int n = 0; n < 60; n++) {
                int rows = 1 + r.nextInt(20);
                int kk = 1 + r.nextInt(3000);
                float[] z = new float[rows * kk];
                for (int i = 0; i < z.length; i++) {
                    z[i] = (float) (r.nextGaussian() * 3);
                }
                float[] out = new float[z.length];
                k.softmax(z, Layout.of(new int[] {rows, kk}, -1), out);
                float[] raw = base.create(z, new Shape(rows, kk)).softmax(1).toFloatArray();
                assertArrayEquals(raw, out, "call " + n);
                assertTrue(k.inputs().size() <= InputTensors.MAX_ENTRIES, "entries " + k.inputs().size());
                assertTrue(k.inputs().bytes() <= InputTensors.MAX_TOTAL_BYTES, "bytes " + k.inputs().bytes());
            }
        }
    }

    /** A direct buffer is PyTorch's input tensor itself: nothing is copied into a kept input tensor. */
    @Test
    void directBuffersAreTheInputTensor_heapBuffersAreCopied() {
        try (NDManager base = Engine.getEngine("PyTorch").newBaseManager()) {
            DjlKernel k = new DjlKernel(base);
            Layout l = Layout.of(new int[] {3, 500}, -1);
            java.nio.DoubleBuffer in = java.nio.ByteBuffer.allocateDirect(1500 * 8)
                    .order(java.nio.ByteOrder.nativeOrder()).asDoubleBuffer();
            for (int i = 0; i < 1500; i++) {
                in.put(i, Math.sin(i));
            }
            java.nio.DoubleBuffer out = java.nio.DoubleBuffer.allocate(1500);
            k.logSoftmax(in, l, out);
            assertEquals(0, k.inputs().size(), "a direct input is not copied into a kept tensor");
            double[] z = new double[1500];
            in.get(0, z);
            double[] raw = base.create(z, new Shape(3, 500)).logSoftmax(1).toDoubleArray();
            assertArrayEquals(raw, out.array());
            k.logSoftmax(java.nio.DoubleBuffer.wrap(z), l, out);
            assertEquals(1, k.inputs().size(), "a heap buffer is copied into a kept input tensor");
            assertArrayEquals(raw, out.array());
        }
    }

    /** At the default threshold a small direct input is copied into a kept input tensor (cheaper than from_blob). */
    @Test
    void smallDirectInputsAreCopied_atTheDefaultThreshold() {
        try (NDManager base = Engine.getEngine("PyTorch").newBaseManager()) {
            DjlKernel k = new DjlKernel(base, DjlKernel.DEFAULT_ZERO_COPY_FROM_BYTES);
            java.nio.FloatBuffer in = java.nio.ByteBuffer.allocateDirect(40).order(java.nio.ByteOrder.nativeOrder())
                    .asFloatBuffer().put(0, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            java.nio.FloatBuffer out = java.nio.FloatBuffer.allocate(10);
            k.softmax(in, Layout.of(new int[] {1, 10}, -1), out);
            assertEquals(1, k.inputs().size(), "copied into a kept input tensor");
            assertArrayEquals(base.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, new Shape(1, 10)).softmax(1)
                    .toFloatArray(), out.array());
        }
    }

    /** The README's buffer example, as written there: a DJL tensor's memory straight into softmax. */
    @Test
    void readmeExample() {
        int rows = 4;
        int k = 300;
        float[] data = new float[rows * k];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.cos(i * 0.37) * 9;
        }
        try (NDManager m = NDManager.newBaseManager("PyTorch"); ai.djl.ndarray.NDArray logits = m.create(data,
                new Shape(rows, k))) {
            java.nio.FloatBuffer z = logits.toByteBuffer(true).asFloatBuffer();
            java.nio.FloatBuffer y = java.nio.ByteBuffer.allocateDirect(z.remaining() * Float.BYTES)
                    .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
            SoftmaxProviders.get("djl").softmax(z, new int[] {rows, k}, -1, y);
            float[] got = new float[rows * k];
            y.get(0, got);
            assertArrayEquals(logits.softmax(1).toFloatArray(), got);
            assertTrue(z.isDirect(), "DJL's toByteBuffer(true) is a view of the tensor's memory");
        }
    }

    @Test
    void edgeCasesThroughTheFacade() {
        double ninf = Double.NEGATIVE_INFINITY;
        // a label on a -inf logit: loss +inf, gradient y - 1 = -1 there
        var ce = djl.crossEntropy(new double[] {0, ninf, 1}, new int[] {1, 3}, -1, new int[] {1}, Reduction.SUM);
        assertEquals(Double.POSITIVE_INFINITY, ce.scalarLoss());
        assertEquals(-1.0, ce.gradient()[1]);
        // t = 0 on a -inf logit counts as 0
        var ct = djl.crossEntropy(new float[] {0, Float.NEGATIVE_INFINITY, 0}, new int[] {3}, 0,
                new float[] {0.5f, 0, 0.5f}, Reduction.MEAN);
        assertEquals((float) Math.log(2), ct.scalarLoss(), 1e-7f);
        // zero rows: mean NaN, sum 0, none empty
        assertTrue(Double.isNaN(djl.crossEntropy(new double[0], new int[] {0, 4}, 1, new int[0], Reduction.MEAN)
                .scalarLoss()));
        assertEquals(0.0, djl.crossEntropy(new double[0], new int[] {0, 4}, 1, new double[0], Reduction.SUM)
                .scalarLoss());
        assertEquals(0, djl.crossEntropy(new float[0], new int[] {0, 4}, 1, new int[0], Reduction.NONE).loss().length);
        // K = 0 and K = 1
        assertEquals(0, djl.softmax(new double[0], new int[] {3, 0}, 1).length);
        assertEquals(0, djl.jacobian(new float[0], new int[] {2, 0, 3}, 1).length);
        assertArrayEquals(new double[] {1, 1}, djl.softmax(new double[] {-5, 1e300}, new int[] {2, 1}, 1));
        assertArrayEquals(new float[] {0}, djl.jacobian(new float[] {3}, new int[] {1}, 0));
        // the overflow-safe loss: z = -MAX next to m = +MAX, exact loss 2 * MAX * 0.25 + ... is finite
        double max = Double.MAX_VALUE;
        var big = djl.crossEntropy(new double[] {max, -max}, new int[] {2}, 0, new double[] {0.75, 0.25},
                Reduction.MEAN);
        assertEquals(0.5 * max, big.scalarLoss(), Math.ulp(0.5 * max));
    }

    private static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double bound = tol * Math.max(1, Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= bound) && !(Double.isNaN(expected[i]) && Double.isNaN(actual[i]))
                    && expected[i] != actual[i]) {
                throw new AssertionError(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }
}
