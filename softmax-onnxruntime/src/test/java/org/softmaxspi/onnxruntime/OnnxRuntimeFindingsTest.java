package org.softmaxspi.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;
import org.softmaxspi.onnxruntime.OnnxGraph.Attribute;
import org.softmaxspi.onnxruntime.OnnxGraph.ElemType;

/**
 * The raw behaviour of ONNX Runtime 1.23.2 behind each place where the provider does not use its result as is
 * (the README's ONNX Runtime findings). Each test shows the raw result of a bare ONNX graph, then the
 * provider's. If one starts failing after an upgrade, the finding (and the fix-up in OrtGraphs/OrtCall) needs a
 * new look.
 */
// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=onnxruntime
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*onnxruntime\\s*(,.*)?")
class OnnxRuntimeFindingsTest {

    private static final Softmax ORT = SoftmaxProviders.get("onnxruntime");

    /** A one-node graph {@code op(x)} along axis 1 of a float64 {@code [N, K]} input. */
    private static byte[] oneOp(String op) {
        OnnxGraph g = new OnnxGraph(op);
        String x = g.input("x", ElemType.DOUBLE, "N", "K");
        g.output(g.node(op, List.of(x), Attribute.integer("axis", 1)), "y", ElemType.DOUBLE, "N", "K");
        return g.toModel();
    }

    /** Runs a float64 graph with input x and output y over direct memory (any alignment, both placed at {@code offset}). */
    private static double[] runRaw(byte[] model, double[] in, int offset, long... shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        DoubleBuffer outMemory = direct(new double[in.length], offset);
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, direct(in, offset), shape);
             OnnxTensor y = OnnxTensor.createTensor(env, outMemory, shape);
             OrtSession.Result r = s.run(Map.of("x", x), Map.of("y", y))) {
            double[] out = new double[in.length];
            outMemory.get(0, out);
            return out;
        }
    }

    private static DoubleBuffer direct(double[] values, int offsetDoubles) {
        ByteBuffer b = ByteBuffer.allocateDirect((values.length + offsetDoubles + 8) * Double.BYTES + 64)
                .alignedSlice(64).order(ByteOrder.nativeOrder());
        DoubleBuffer d = b.position(offsetDoubles * Double.BYTES).slice().order(ByteOrder.nativeOrder()).asDoubleBuffer();
        d.put(0, values);
        return d.limit(values.length);
    }

    /** Finding 1: float64 LogSoftmax takes log(max(Σ, 1e-20)), so rows with NaN or +∞ come out finite elsewhere. */
    @Test
    void float64LogSoftmaxOfNanAndInfinityRowsIsFiniteElsewhere() throws OrtException {
        double[] rows = {0, Double.POSITIVE_INFINITY, 1, Double.NaN, 0, 1};
        double[] raw = runRaw(oneOp("LogSoftmax"), rows, 0, 2, 3);
        System.out.println("raw float64 LogSoftmax of [0, +inf, 1] and [NaN, 0, 1]: " + java.util.Arrays.toString(raw));
        assertEquals(Double.NEGATIVE_INFINITY, raw[0], "raw: -inf beside +inf");
        assertTrue(Double.isFinite(raw[4]) && Double.isFinite(raw[5]), "raw: finite entries beside NaN");

        double[] fixed = ORT.logSoftmax(rows, new int[] {2, 3}, 1);
        for (double v : fixed) {
            assertTrue(Double.isNaN(v), "provider: NaN rows, got " + java.util.Arrays.toString(fixed));
        }
        // float32 goes through MLAS, which gives NaN rows by itself
        float[] f = ORT.logSoftmax(new float[] {0, Float.POSITIVE_INFINITY, 1}, new int[] {1, 3}, 1);
        assertTrue(Float.isNaN(f[0]) && Float.isNaN(f[2]));
    }

    /**
     * Finding 2: float64 Softmax (caffe2's code on Eigen) computes the exponentials in the output array, the
     * unaligned head and tail of the array with a scalar exp and the aligned body with Eigen's vector exp, so the
     * bits depend on where the memory starts. The provider uses a caller's direct buffer in place only when it is
     * 64-byte aligned, so its results do not depend on the path (the TCK checks buffers against arrays).
     */
    @Test
    void float64SoftmaxDependsOnAlignmentButTheProviderDoesNot() throws OrtException {
        Random r = new Random(7);
        byte[] model = oneOp("Softmax");
        int differ = 0;
        double[] z = new double[7];
        for (int trial = 0; trial < 300; trial++) {
            for (int i = 0; i < z.length; i++) {
                z[i] = r.nextGaussian() * 3;
            }
            double[] aligned = runRaw(model, z, 0, 1, 7);
            double[] shifted = runRaw(model, z, 3, 1, 7);
            differ += java.util.Arrays.equals(aligned, shifted) ? 0 : 1;
        }
        System.out.println("raw float64 Softmax, 300 rows of 7: " + differ + " differ between 64-byte aligned and "
                + "24-byte shifted memory (Eigen's scalar exp on the unaligned head and tail, its vector exp elsewhere)");
        assertTrue(differ > 0, "raw: alignment changes some bits");

        z = new double[4 * 100];
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextGaussian() * 3;
        }
        double[] fromArray = ORT.softmax(z, new int[] {4, 100}, 1);
        DoubleBuffer out = direct(new double[z.length], 3);
        ORT.softmax(direct(z, 3), new int[] {4, 100}, 1, out);
        double[] fromBuffer = new double[z.length];
        out.get(0, fromBuffer);
        assertArrayEquals(fromArray, fromBuffer, 0, "provider: the same bits from arrays and shifted buffers");
        assertFalse(OrtCall.inPlace(direct(z, 3), false), "a shifted buffer is copied");
        assertTrue(OrtCall.inPlace(direct(z, 0), false), "an aligned buffer is used in place");
        assertTrue(OrtCall.inPlace(direct(z, 3), true), "any buffer in place for MLAS's float32 softmax");
    }

    /**
     * Finding 3: SoftmaxCrossEntropyLoss computes z − m, which overflows for z = −MAX next to m = MAX/2 although the
     * loss, 1.5·MAX, is finite; the provider recomputes such calls from half log-probabilities.
     */
    @Test
    void crossEntropyOverflowOfAFiniteLoss() throws OrtException {
        OnnxGraph g = new OnnxGraph("sce");
        String x = g.input("x", ElemType.DOUBLE, "N", "K");
        String t = g.input("t", ElemType.INT64, "N");
        g.output(g.node("SoftmaxCrossEntropyLoss", List.of(x, t), Attribute.string("reduction", "none")), "loss",
                ElemType.DOUBLE, "N");
        double[] z = {-Double.MAX_VALUE, Double.MAX_VALUE / 2};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double raw;
        ByteBuffer labels = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 0);
        try (OrtSession s = env.createSession(g.toModel(), new OrtSession.SessionOptions());
             OnnxTensor xt = OnnxTensor.createTensor(env, direct(z, 0), new long[] {1, 2});
             OnnxTensor tt = OnnxTensor.createTensor(env, labels, new long[] {1}, OnnxJavaType.INT64);
             OrtSession.Result r = s.run(Map.of("x", xt, "t", tt))) {
            raw = ((OnnxTensor) r.get(0)).getDoubleBuffer().get(0);
        }
        System.out.println("raw SoftmaxCrossEntropyLoss of [-MAX, MAX/2], label 0: " + raw);
        assertEquals(Double.POSITIVE_INFINITY, raw);

        double[] loss = new double[1];
        ORT.crossEntropy(z, new int[] {1, 2}, 1, new int[] {0}, Reduction.NONE, loss, new double[2]);
        assertEquals(1.5 * Double.MAX_VALUE, loss[0], Math.ulp(1.5 * Double.MAX_VALUE) * 4);
    }

    /** Finding 5: ONNX's loss ops (expanded functions in this build) match the contract where they apply. */
    @Test
    void lossOpsMatchTheContractWhereTheyApply() throws OrtException {
        OnnxGraph g = new OnnxGraph("sce");
        String x = g.input("x", ElemType.DOUBLE, "N", "K");
        String t = g.input("t", ElemType.INT64, "N");
        g.output(g.node("SoftmaxCrossEntropyLoss", List.of(x, t), Attribute.string("reduction", "mean"),
                Attribute.integer("ignore_index", -100)), "loss", ElemType.DOUBLE);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double[] z = {1, 2, 3, 4, 5, 6};
        double allIgnored;
        double oneKept;
        try (OrtSession s = env.createSession(g.toModel(), new OrtSession.SessionOptions());
             OnnxTensor xt = OnnxTensor.createTensor(env, direct(z, 0), new long[] {2, 3})) {
            allIgnored = meanLoss(env, s, xt, -100, -100);
            oneKept = meanLoss(env, s, xt, 2, -100);
        }
        System.out.println("raw SoftmaxCrossEntropyLoss mean: all rows ignored " + allIgnored + ", one kept " + oneKept);
        assertTrue(Double.isNaN(allIgnored), "a mean over only ignored rows is 0/0");
        double[] expected = new double[1];
        SoftmaxProviders.get("reference").crossEntropy(z, new int[] {2, 3}, 1, new int[] {2, -100},
                org.softmaxspi.api.LossOptions.of(Reduction.MEAN).withIgnoreIndex(-100), expected, new double[6]);
        assertEquals(expected[0], oneKept, 4 * Math.ulp(expected[0]), "the mean over the kept row");
    }

    private static double meanLoss(OrtEnvironment env, OrtSession s, OnnxTensor x, long label0, long label1)
            throws OrtException {
        ByteBuffer labels = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).putLong(0, label0)
                .putLong(8, label1);
        try (OnnxTensor t = OnnxTensor.createTensor(env, labels, new long[] {2}, OnnxJavaType.INT64);
             OrtSession.Result r = s.run(Map.of("x", x, "t", t))) {
            return ((OnnxTensor) r.get(0)).getDoubleBuffer().get(0);
        }
    }

    /** Finding 7: float32 (MLAS) edge rows already give what the contract says. */
    @Test
    void edgeSemanticsThatMatchTheContract() throws OrtException {
        OnnxGraph g = new OnnxGraph("softmax");
        String x = g.input("x", ElemType.FLOAT, "N", "K");
        g.output(g.node("Softmax", List.of(x), Attribute.integer("axis", 1)), "y", ElemType.FLOAT, "N", "K");
        float inf = Float.POSITIVE_INFINITY;
        float[] rows = {-inf, -inf, -inf, 0, inf, 1, Float.NaN, 0, 1, 0, -inf, 1};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ByteBuffer memory = ByteBuffer.allocateDirect(rows.length * 4).order(ByteOrder.nativeOrder());
        memory.asFloatBuffer().put(rows);
        float[] raw = new float[rows.length];
        try (OrtSession s = env.createSession(g.toModel(), new OrtSession.SessionOptions());
             OnnxTensor xt = OnnxTensor.createTensor(env, memory.asFloatBuffer(), new long[] {4, 3});
             OrtSession.Result r = s.run(Map.of("x", xt))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(raw);
        }
        System.out.println("raw float32 Softmax of [-inf x3], [0, inf, 1], [NaN, 0, 1], [0, -inf, 1]: "
                + java.util.Arrays.toString(raw));
        for (int i = 0; i < 9; i++) {
            assertTrue(Float.isNaN(raw[i]), "NaN rows: " + java.util.Arrays.toString(raw));
        }
        assertEquals(0f, raw[10], "a -inf entry gives 0");
        assertArrayEquals(raw, ORT.softmax(rows, new int[] {4, 3}, 1), "the provider passes them through");
    }

    /**
     * Finding 8: MLAS's float32 softmax gives 0 for results below the smallest normal float on some CPUs (its AVX2
     * kernels clamp z − m at ln(FLT_MIN) = −88.376 and scale once), the correctly rounded subnormal on others (the
     * AVX-512 kernels). The provider passes the op's result through and declares the flush; this test shows which
     * one this machine runs.
     */
    @Test
    void float32SubnormalResultsAreZeroOrCorrectlyRounded_dependingOnTheCpu() throws OrtException {
        OnnxGraph g = new OnnxGraph("softmax");
        String x = g.input("x", ElemType.FLOAT, "N", "K");
        g.output(g.node("Softmax", List.of(x), Attribute.integer("axis", 1)), "y", ElemType.FLOAT, "N", "K");
        float[] row = {0, -86, -88, -93, -98, -100, 1, 2}; // e^(z - 2) below FLT_MIN for all but the first and last two
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ByteBuffer memory = ByteBuffer.allocateDirect(row.length * 4).order(ByteOrder.nativeOrder());
        memory.asFloatBuffer().put(row);
        float[] raw = new float[row.length];
        try (OrtSession s = env.createSession(g.toModel(), new OrtSession.SessionOptions());
             OnnxTensor xt = OnnxTensor.createTensor(env, memory.asFloatBuffer(), new long[] {1, row.length});
             OrtSession.Result r = s.run(Map.of("x", xt))) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(raw);
        }
        float[] exact = SoftmaxProviders.get("reference").softmax(row);
        boolean flushed = raw[1] == 0;
        System.out.println("raw float32 Softmax of [0, -86, -88, -93, -98, -100, 1, 2]: " + java.util.Arrays.toString(raw)
                + (flushed ? " (subnormals flushed: MLAS's AVX2 kernel)" : " (subnormals kept)"));
        for (int i = 1; i <= 5; i++) {
            assertTrue(exact[i] > 0 && exact[i] < Float.MIN_NORMAL, "the exact result is subnormal: " + exact[i]);
            assertTrue(flushed ? raw[i] == 0 : Math.abs(raw[i] - exact[i]) <= 2 * Float.MIN_VALUE,
                    "all flushed or all kept: " + java.util.Arrays.toString(raw));
        }
        assertArrayEquals(raw, ORT.softmax(row, new int[] {1, row.length}, 1), "the provider passes them through");
        assertTrue(ORT.provider().accuracy(org.softmaxspi.api.Op.SOFTMAX, org.softmaxspi.api.DType.FLOAT32,
                org.softmaxspi.api.Layout.of(new int[] {1, row.length}, 1)).subnormalsFlushed(), "and declares it");
    }
}
