package org.softmaxspi.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=nd4j
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*nd4j\\s*(,.*)?")
class Nd4jProviderTest {

    @Test
    void registeredAvailableAndTheDefaultAboveTheReference() {
        ProviderStatus st = SoftmaxProviders.all().stream().filter(p -> p.name().equals("nd4j")).findFirst()
                .orElseThrow();
        assertTrue(st.available(), st.availability().reason());
        assertEquals(10, new Nd4jProvider().priority());
        if (System.getProperty("softmax.provider") == null && System.getenv("SOFTMAX_PROVIDER") == null) {
            assertEquals("nd4j", SoftmaxProviders.getDefault().name());
        }
    }

    @Test
    void backendNamesLibraryVersionAndLoadedVariant() throws Exception {
        Nd4jProvider p = new Nd4jProvider();
        assertTrue(p.availability().available());
        BackendInfo b = p.backend();
        System.out.println("nd4j backend: " + b);
        assertEquals("ND4J", b.library());
        assertEquals("1.0.0-M2.1", b.version());
        assertTrue(b.details().contains("binary level"), b.details());
        assertTrue(b.details().contains("BLAS openblas"), b.details());
        // the library that loaded is the variant the provider chose
        CpuVariant.Selection sel = Nd4jRuntime.get().variant();
        if (sel.extension() != null) {
            String loaded = sel.extension().equals(CpuVariant.GENERIC)
                    || !CpuVariant.jarPresent(getClass().getClassLoader(), sel.extension())
                    ? "linux-x86_64" : "linux-x86_64" + sel.extension();
            assertTrue(b.details().startsWith("libnd4jcpu " + loaded + ","), b.details());
            Set<String> flags = CpuVariant.parseFlags(Files.readAllLines(Path.of("/proc/cpuinfo")));
            if (sel.note().startsWith("auto")) {
                boolean avx2Jar = CpuVariant.jarPresent(getClass().getClassLoader(), "-avx2");
                if (avx2Jar && CpuVariant.runs("-avx2", flags)
                        && !CpuVariant.jarPresent(getClass().getClassLoader(), "-avx512")) {
                    assertEquals("-avx2", sel.extension(), "this CPU runs the AVX2 build shipped by default");
                }
            }
        }
    }

    @Test
    void specialRowsFollowTheContract() {
        Softmax s = SoftmaxProviders.get("nd4j");
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        // K = 1: NaN / +inf / -inf give NaN (ND4J's own op answers 1); finite gives 1, Jacobian 0
        double[] y = s.softmax(new double[] {nan, inf, -inf, 3}, new int[] {4, 1}, -1);
        assertTrue(Double.isNaN(y[0]) && Double.isNaN(y[1]) && Double.isNaN(y[2]), Arrays.toString(y));
        assertEquals(1.0, y[3]);
        double[] j = s.jacobian(new double[] {nan, 3}, new int[] {2, 1}, -1);
        assertTrue(Double.isNaN(j[0]));
        assertEquals(0.0, j[1]);
        // a non-finite upstream follows the formula in IEEE arithmetic, as ND4J computes it (Softmax javadoc)
        double[] b = s.backward(new double[] {0.25, 0.75, 0.5, 0.5}, new double[] {inf, 0, 1, 2}, new int[] {2, 2}, -1);
        assertTrue(Double.isNaN(b[0]) && b[1] == Double.NEGATIVE_INFINITY, Arrays.toString(b));
        assertEquals(-0.25, b[2], 1e-15);
        // a zero target on a -inf logit counts 0; a label on it gives +inf
        float[] z = {0, Float.NEGATIVE_INFINITY, 1};
        assertTrue(Float.isFinite(s.crossEntropy(z, new int[] {1, 3}, -1, new float[] {0.5f, 0f, 0.5f},
                Reduction.SUM).scalarLoss()));
        assertEquals(Float.POSITIVE_INFINITY, s.crossEntropy(z, new int[] {1, 3}, -1, new int[] {1},
                Reduction.SUM).scalarLoss());
        // empty shapes never reach ND4J (its softmax can crash on a zero non-axis dimension)
        assertEquals(0, s.softmax(new float[0], new int[] {0, 3}, -1).length);
        assertEquals(0, s.backward(new float[0], new float[0], new int[] {3, 0}, 0).length);
        assertTrue(Float.isNaN(s.crossEntropy(new float[0], new int[] {0, 3}, -1, new int[0], Reduction.MEAN)
                .scalarLoss()));
    }

    @Test
    void perThreadBuffersAreReusedAndBounded() {
        Nd4jKernel k = (Nd4jKernel) new Nd4jProvider().createKernel();
        float[] z = new float[60];
        Arrays.fill(z, 1f);
        float[] out = new float[60];
        Layout l = Layout.of(new int[] {6, 10}, -1);
        k.softmax(z, l, out);
        long bytes = k.cache().bytes();
        k.softmax(z, l, out);
        assertEquals(bytes, k.cache().bytes(), "second call with the same layout allocates nothing");
        for (int r = 1; r <= 20; r++) {
            float[] zz = new float[r * 3];
            k.logSoftmax(zz, Layout.of(new int[] {r, 3}, -1), new float[r * 3]);
        }
        assertTrue(k.cache().size() <= Nd4jKernel.CACHE_ENTRIES, "entries " + k.cache().size());
        assertTrue(k.cache().bytes() <= Nd4jKernel.CACHE_BYTES);
        float[] fresh = new float[60];
        k.softmax(z, l, fresh);
        float[] expected = new float[60];
        Arrays.fill(expected, 0.1f);
        assertArrayEquals(expected, fresh, 1e-7f);
    }

    /** Direct buffers are ND4J's input and output themselves: no scratch memory is allocated for them. */
    @Test
    void directBuffersAreUsedInPlace_heapBuffersAreCopied() {
        Nd4jKernel k = (Nd4jKernel) new Nd4jProvider().createKernel();
        Layout l = Layout.of(new int[] {4, 1000}, -1);
        java.nio.FloatBuffer in = java.nio.ByteBuffer.allocateDirect(4000 * 4)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        java.nio.FloatBuffer out = java.nio.ByteBuffer.allocateDirect(4000 * 4)
                .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 4000; i++) {
            in.put(i, i % 7);
        }
        k.softmax(in, l, out);
        assertEquals(0, k.cache().bytes(), "no native scratch for a softmax from and into direct buffers");
        float[] expected = new float[4000];
        float[] z = new float[4000];
        in.get(0, z);
        k.softmax(z, l, expected);
        float[] got = new float[4000];
        out.get(0, got);
        assertArrayEquals(expected, got, 0f);
        k.softmax(java.nio.FloatBuffer.wrap(z), Layout.of(new int[] {2, 2000}, -1), out);
        assertTrue(k.cache().bytes() >= 2 * 4000 * 4, "a heap buffer is copied into scratch: " + k.cache().bytes());
    }

    /** At the default threshold a small direct buffer is copied into the kept scratch (cheaper than ND4J's wrappers). */
    @Test
    void smallDirectBuffersAreCopied_atTheDefaultThreshold() {
        Nd4jKernel k = new Nd4jKernel(Nd4jKernel.DEFAULT_ZERO_COPY_FROM_BYTES);
        Layout l = Layout.of(new int[] {2, 5}, -1);
        java.nio.DoubleBuffer in = java.nio.ByteBuffer.allocateDirect(80).order(java.nio.ByteOrder.nativeOrder())
                .asDoubleBuffer();
        java.nio.DoubleBuffer out = java.nio.ByteBuffer.allocateDirect(80).order(java.nio.ByteOrder.nativeOrder())
                .asDoubleBuffer();
        double[] z = {1, 2, 3, 4, 5, -1, 0, 1, 2, 30};
        in.put(0, z);
        k.softmax(in, l, out);
        assertTrue(k.cache().bytes() > 0, "copied into scratch");
        double[] expected = new double[10];
        k.softmax(z, l, expected);
        double[] got = new double[10];
        out.get(0, got);
        assertArrayEquals(expected, got, 0);
    }
}
