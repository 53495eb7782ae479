package org.softmaxspi.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.custom.LogSumExp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * ND4J 1.0.0-M2.1's own behaviour where it disagrees with the API's contract, each next to what the
 * provider returns instead. These tests assert the <em>defect</em>: if one starts failing after an
 * ND4J upgrade, the defect is gone and the work-around in {@link Nd4jKernel} may be simplified.
 */
// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=nd4j
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*nd4j\\s*(,.*)?")
class Nd4jRawDefectsTest {

    static final double NEG_INF = Double.NEGATIVE_INFINITY;
    static Softmax provider;

    @BeforeAll
    static void load() {
        // choose the CPU variant before any ND4J class initializes
        assertTrue(Nd4jRuntime.get().availability().available(), Nd4jRuntime.get().availability().reason());
        provider = SoftmaxProviders.get("nd4j");
    }

    /** ND4J's log_softmax is log(softmax(x)): a gap of 200 underflows to -inf (deeplearning4j/nd4j#2822). */
    @Test
    void logSoftmaxOpUnderflowsToMinusInfinity() {
        INDArray x = Nd4j.createFromArray(new float[][] {{0f, -200f, -50f}});
        INDArray out = Nd4j.create(DataType.FLOAT, 1, 3);
        Nd4j.exec(new LogSoftMax(x, out));
        assertEquals(Float.NEGATIVE_INFINITY, out.getFloat(0, 1), "raw ND4J log_softmax");
        float[] ours = provider.logSoftmax(new float[] {0f, -200f, -50f});
        assertEquals(-200f, ours[1], 1e-4f, "provider");
        // float64 too, at a gap of 800
        INDArray xd = Nd4j.createFromArray(new double[][] {{0, -800, -50}});
        INDArray od = Nd4j.create(DataType.DOUBLE, 1, 3);
        Nd4j.exec(new LogSoftMax(xd, od));
        assertEquals(NEG_INF, od.getDouble(0, 1));
        assertEquals(-800.0, provider.logSoftmax(new double[] {0, -800, -50})[1], 1e-9);
    }

    /** new LogSoftMax(x, dim) stores dim but passes no integer argument: it always works on the last axis. */
    @Test
    void logSoftmaxDimConstructorIgnoresTheDimension() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 6, 8}});
        LogSoftMax op = new LogSoftMax(x, 0);
        assertEquals(0, op.iArgs().length, "no iArg for dim");
        INDArray alongLast = Nd4j.exec(op)[0];
        INDArray reference = Nd4j.create(DataType.DOUBLE, 2, 3);
        Nd4j.exec(new LogSoftMax(x, reference));            // last axis
        assertEquals(reference, alongLast, "dim 0 was ignored");
        double[] ours = provider.logSoftmax(new double[] {1, 2, 3, 4, 6, 8}, new int[] {2, 3}, 0);
        assertEquals(-3 - Math.log1p(Math.exp(-3)), ours[0], 1e-12, "provider works along axis 0");
    }

    /** ND4J's softmax/log_softmax special-case K = 1 to 1 / 0, even for NaN and infinite inputs. */
    @Test
    void softmaxOfOneClassIsOneEvenForNaN() {
        INDArray x = Nd4j.createFromArray(new double[][] {{Double.NaN}, {Double.POSITIVE_INFINITY}, {NEG_INF}});
        INDArray out = Nd4j.create(DataType.DOUBLE, 3, 1);
        Nd4j.exec(new SoftMax(x, out, 1));
        assertEquals("[1.0, 1.0, 1.0]", Arrays.toString(out.data().asDouble()), "raw ND4J softmax");
        double[] ours = provider.softmax(new double[] {Double.NaN, Double.POSITIVE_INFINITY, NEG_INF},
                new int[] {3, 1}, -1);
        assertTrue(Arrays.stream(ours).allMatch(Double::isNaN), "provider: NaN rows " + Arrays.toString(ours));
    }

    /**
     * Along an inner axis of length 1 in float64 ND4J's softmax gives NaN for a finite −1e30 (found by the fuzz
     * properties, shape [3, 1, 11] along axis 1); the provider's K = 1 result is 1 + (x − x) whatever the op wrote.
     */
    @Test
    void softmaxOfOneClassAlongAnInnerAxisIsNaNForSomeFiniteInputs() {
        INDArray x = Nd4j.createFromArray(new double[] {-1e30, 1, 2}).reshape(1, 1, 3);
        INDArray out = Nd4j.create(DataType.DOUBLE, 1, 1, 3);
        Nd4j.exec(new SoftMax(x, out, 1));
        System.out.println("raw ND4J float64 softmax of [-1e30, 1, 2] along an inner axis of 1: "
                + Arrays.toString(out.data().asDouble()));
        assertTrue(Double.isNaN(out.getDouble(0)), "raw: NaN for -1e30");
        assertEquals("[1.0, 1.0, 1.0]", Arrays.toString(provider.softmax(new double[] {-1e30, 1, 2},
                new int[] {1, 1, 3}, 1)), "provider: 1 for every finite entry");
    }

    /**
     * Finding 15: ND4J's float64 softmax of two or more rows does not shift a row with a negative max (found by the
     * fuzz properties): a row of [−900, −899] is NaN in a batch of two, correct alone; the provider shifts such rows.
     */
    @Test
    void float64SoftmaxOfSeveralRowsDoesNotShiftNegativeRows() {
        INDArray x = Nd4j.createFromArray(new double[][] {{-900, -899}, {0, 1}});
        INDArray out = Nd4j.create(DataType.DOUBLE, 2, 2);
        Nd4j.exec(new SoftMax(x, out, 1));
        System.out.println("raw ND4J float64 softmax of [[-900, -899], [0, 1]]: " + Arrays.toString(out.data().asDouble()));
        assertTrue(Double.isNaN(out.getDouble(0, 0)), "raw: NaN for a row below -745");
        INDArray alone = Nd4j.create(DataType.DOUBLE, 1, 2);
        Nd4j.exec(new SoftMax(Nd4j.createFromArray(new double[][] {{-900, -899}}), alone, 1));
        assertEquals(1 / (1 + Math.E), alone.getDouble(0, 0), 1e-15, "raw: the same row alone is right");
        double[] ours = provider.softmax(new double[] {-900, -899, 0, 1}, new int[] {2, 2}, 1);
        assertEquals(1 / (1 + Math.E), ours[0], 1e-15, "provider: " + Arrays.toString(ours));
    }

    /**
     * ND4J's reduce_sum and softmax accumulate recursively: on the suite's trap row (1 followed by
     * 99 999 terms of 1e-8) they lose thousands of ulps in float32 and in float64 (a pairwise sum:
     * 4 + 2·17 = 38 ulps). The provider is an adapter: it returns ND4J's own softmax bit for bit, so
     * {@code softmax verify} shows this error.
     */
    @Test
    void reduceSumAndSoftmaxLoseTheSmallTermsOfALongRow() {
        int k = 100_000;
        double[] terms = new double[k];
        Arrays.fill(terms, 1e-8);
        terms[0] = 1;
        BigDecimal exact = BigDecimal.ZERO;
        for (double t : terms) {
            exact = exact.add(new BigDecimal(t));
        }
        INDArray d = Nd4j.createFromArray(terms).reshape(1, k);
        INDArray sd = Nd4j.create(DataType.DOUBLE, 1, 1);
        Nd4j.exec(new Sum(d, sd, true, 1));
        double ulps64 = Math.abs(sd.getDouble(0) - exact.doubleValue()) / Math.ulp(exact.doubleValue());
        INDArray f = d.castTo(DataType.FLOAT);
        INDArray sf = Nd4j.create(DataType.FLOAT, 1, 1);
        Nd4j.exec(new Sum(f, sf, true, 1));
        double ulps32 = Math.abs(sf.getFloat(0) - exact.doubleValue()) / Math.ulp(exact.floatValue());
        System.out.printf("raw ND4J reduce_sum on the trap row: %.0f ulps (float64), %.0f ulps (float32)%n", ulps64, ulps32);
        assertTrue(ulps64 > 1000, "float64 error " + ulps64);
        assertTrue(ulps32 > 1000, "float32 error " + ulps32);

        // the suite's trap row: logits 0 and 99 999 x -18.420680743952367 (e^z = 1e-8)
        float[] z = new float[k];
        Arrays.fill(z, -18.420680743952367f);
        z[0] = 0;
        INDArray zf = Nd4j.createFromArray(z).reshape(1, k);
        INDArray yf = Nd4j.create(DataType.FLOAT, 1, k);
        Nd4j.exec(new SoftMax(zf, yf, 1));
        double small = Math.exp(-18.420680743952367f);
        double y0 = 1 / (1 + (k - 1) * small);
        double rawUlps = Math.abs(yf.getFloat(0) - y0) / Math.ulp((float) y0);
        float[] ours = provider.softmax(z, new int[] {1, k}, -1);
        double ourUlps = Math.abs(ours[0] - y0) / Math.ulp((float) y0);
        System.out.printf("raw ND4J softmax float32 trap row y0: %.0f ulps; provider: %.2f ulps%n", rawUlps, ourUlps);
        assertTrue(rawUlps > 38, "raw softmax error " + rawUlps);
        org.junit.jupiter.api.Assertions.assertArrayEquals(yf.toFloatVector(), ours, "the provider is ND4J's softmax");
    }

    /** reduce_logsumexp subtracts the max of the whole array, not of each row. */
    @Test
    void logSumExpUsesTheGlobalMax() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0, -200, -50}, {1000, 0, 999}});
        INDArray l = Nd4j.create(DataType.DOUBLE, 2, 1);
        Nd4j.exec(new LogSumExp(x, l, true, 1));
        assertEquals(NEG_INF, l.getDouble(0), "row 0: exact log-sum-exp is about 1.9e-22");
        double[] ls = provider.logSoftmax(new double[] {0, -200, -50, 1000, 0, 999}, new int[] {2, 3}, -1);
        assertEquals(0.0, ls[0], 1e-15);
    }

    /** LossMCXENT computes log(clip(softmax, 1e-10, 1 - 1e-10)): losses above -ln(1e-10) = 23.03 are capped. */
    @Test
    void lossMcxentClipsTheProbability() {
        INDArray pre = Nd4j.createFromArray(new float[][] {{0f, -200f, 5f}});
        INDArray labels = Nd4j.createFromArray(new float[][] {{0f, 1f, 0f}});
        INDArray score = new LossMCXENT().computeScoreArray(labels, pre, new ActivationSoftmax(), null);
        assertEquals(23.02585, score.getDouble(0), 1e-4, "raw LossMCXENT");
        float loss = provider.crossEntropy(new float[] {0f, -200f, 5f}, new int[] {1, 3}, -1, new int[] {1},
                Reduction.MEAN).scalarLoss();
        assertEquals(205.0067, loss, 1e-3, "provider");
    }

    /** reduce_max skips NaN (NumPy's max returns NaN); the provider's composition still yields a NaN row. */
    @Test
    void maxIgnoresNaN() {
        INDArray x = Nd4j.createFromArray(new double[][] {{0, Double.NaN, 1}});
        INDArray m = Nd4j.create(DataType.DOUBLE, 1, 1);
        Nd4j.exec(new Max(x, m, true, 1));
        assertEquals(1.0, m.getDouble(0));
        assertTrue(Arrays.stream(provider.softmax(new double[] {0, Double.NaN, 1})).allMatch(Double::isNaN));
    }

    /**
     * Finding 14: ND4J has no "safe" softmax: a row of all −∞ (or, with a mask made of −∞, a row with nothing
     * kept) is NaN; the provider's zero policy is its own fix-up of those rows.
     */
    @Test
    void softmaxOfAnAllMinusInfinityRowIsNaN_theZeroPolicyIsTheProvidersFixUp() {
        INDArray x = Nd4j.createFromArray(new double[][] {{NEG_INF, NEG_INF}, {1, 2}});
        INDArray y = Nd4j.exec(new SoftMax(x, x.ulike(), 1))[0];
        assertTrue(Double.isNaN(y.getDouble(0, 0)), "ND4J: " + y);
        double[] safe = provider.softmax(new double[] {NEG_INF, NEG_INF, 1, 2}, new int[] {2, 2}, -1,
                org.softmaxspi.api.SoftmaxOptions.defaults().withMaskedRows(org.softmaxspi.api.MaskedRows.ZERO));
        assertEquals("[0.0, 0.0]", Arrays.toString(Arrays.copyOf(safe, 2)));
    }
}
