package org.softmaxspi.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProviders;

/** The kernel's pieces: exp, tails at K = L ± 1, inner axes, and thread splitting. */
class SimdKernelTest {

    private static final Softmax REFERENCE = SoftmaxProviders.get("reference");
    private static final int LF = FloatRows.L;
    private static final int LD = DoubleRows.L;

    static Stream<Integer> lengths() {
        return Stream.of(1, 2, 3, LF / 2, LF / 2 + 2, LD / 2, LD / 2 + 1, LF - 1, LF, LF + 1, 2 * LF - 1, 2 * LF + 1, 4 * LF - 1, 4 * LF, 4 * LF + 1,
                5 * LF + 3, LD - 1, LD + 1, 4 * LD + 1, 1000, 4099, 2 * FloatOps.SEGMENT + 37).distinct();
    }

    private static float[] randomFloats(SplittableRandom r, int n, double sigma) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * sigma);
        }
        return a;
    }

    private static double[] randomDoubles(SplittableRandom r, int n, double sigma) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextGaussian() * sigma;
        }
        return a;
    }

    private static double ulpsF(float got, float want) {
        if (Float.isNaN(want)) {
            return Float.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (got == want) {
            return 0;
        }
        return Math.abs((double) got - want) / Math.ulp(Math.max(Math.abs(want), Float.MIN_NORMAL));
    }

    private static double ulpsD(double got, double want) {
        if (Double.isNaN(want)) {
            return Double.isNaN(got) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (got == want) {
            return 0;
        }
        return Math.abs(got - want) / Math.ulp(Math.max(Math.abs(want), Double.MIN_NORMAL));
    }

    /** The suite's softmax bound: 4 + 2⌈log2 K⌉ + |z - m| (κ), 0 for non-finite z. */
    private static double bound(double z, double[] rowMax, int i, int k) {
        double m = rowMax[i / k];
        double kappa = Double.isFinite(z) && Double.isFinite(m) ? Math.abs(z - m) : 0;
        return 4 + 2 * (32 - Integer.numberOfLeadingZeros(Math.max(k, 2) - 1)) + kappa;
    }

    private static double[] rowMax(double[] z, int k) {
        double[] m = new double[z.length / k];
        java.util.Arrays.fill(m, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < z.length; i++) {
            if (z[i] > m[i / k]) {
                m[i / k] = z[i];
            }
        }
        return m;
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static SoftmaxKernel kernel(int threads, long threshold) {
        return new SimdKernel(SimdConfig.of(threads, threshold));
    }

    @Test
    void floatExpIsWithinOneUlpAndScalarEqualsVector() {
        SplittableRandom r = new SplittableRandom(1);
        int n = FloatRows.L * 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 200 - 110);
        }
        x[0] = Float.NEGATIVE_INFINITY;
        x[1] = Float.NaN;
        x[2] = Float.POSITIVE_INFINITY;
        x[3] = 88.72283f;
        x[4] = 88.72284f;
        x[5] = -103.97208f;
        x[6] = 0;
        x[7] = -0f;
        float[] v = new float[n];
        FloatExp.expInto(x, 0, FloatRows.L, n, 0f, v, 0, false);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float s = FloatExp.exp(x[i]);
            assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(v[i]), "x = " + x[i]);
            double exact = Math.exp(x[i]);
            float want = (float) exact;
            if (Float.isNaN(want) || Float.isInfinite(want) || want == 0) {
                assertEquals(want, s, 0.0, "x = " + x[i]);
                continue;
            }
            double err = Math.abs(s - exact) / Math.ulp(want);
            worst = Math.max(worst, err);
        }
        assertTrue(worst < 1.0, "worst float exp error " + worst + " ulp");
    }

    /**
     * Rows shorter than one vector (scalar code) give, wherever they sit in the array, the bits of the same row
     * at the start of an array of its own; in float32 each within 0.501 ulp of the softmax computed in double
     * (whose own error is below 2^-50 here) when normal, and within 0.75 ulp when subnormal (rounded to 24
     * bits, then to the subnormal grid).
     */
    @Test
    void shortRowsAreRoundedOnceWhereverTheySit() {
        SplittableRandom r = new SplittableRandom(4);
        for (int k = 1; k < LF; k++) {
            for (int n : new int[] {k, k + 1, k + LF + 3}) {
                for (int zo : new int[] {0, (n - k) / 2, n - k}) {
                    float[] z = randomFloats(r, n, 30);
                    z[zo] = k > 2 ? Float.NEGATIVE_INFINITY : z[zo];
                    float[] y = new float[k];
                    FloatRows.softmax(z, null, zo, y, 0, k);
                    float[] alone = new float[k];
                    FloatRows.softmax(java.util.Arrays.copyOfRange(z, zo, zo + k), null, 0, alone, 0, k);
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < k; j++) {
                        m = Math.max(m, z[zo + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < k; j++) {
                        sum += Math.exp(z[zo + j] - m);
                    }
                    for (int j = 0; j < k; j++) {
                        String where = "float k = " + k + ", array " + n + ", row at " + zo + ", j = " + j;
                        assertEquals(Float.floatToIntBits(alone[j]), Float.floatToIntBits(y[j]), where);
                        double exact = Math.exp(z[zo + j] - m) / sum;
                        double ulps = Math.abs(y[j] - exact) / Math.ulp((float) exact);
                        double bound = exact < Float.MIN_NORMAL ? 0.75 : 0.501;
                        assertTrue(ulps <= bound, where + ": " + ulps + " ulps from " + exact);
                    }
                }
            }
        }
        for (int k = 1; k < LD; k++) {
            for (int n : new int[] {k, k + 1, k + LD + 3}) {
                for (int zo : new int[] {0, (n - k) / 2, n - k}) {
                    double[] z = randomDoubles(r, n, 300);
                    double[] y = new double[k];
                    DoubleRows.softmax(z, null, zo, y, 0, k);
                    double[] alone = new double[k];
                    DoubleRows.softmax(java.util.Arrays.copyOfRange(z, zo, zo + k), null, 0, alone, 0, k);
                    for (int j = 0; j < k; j++) {
                        assertEquals(Double.doubleToLongBits(alone[j]), Double.doubleToLongBits(y[j]),
                                "double k = " + k + ", array " + n + ", row at " + zo + ", j = " + j);
                    }
                }
            }
        }
    }

    /** The one-scaling fast exp (used for rows with every z - m >= FAST_LO) gives the general exp's bits. */
    @Test
    void fastExpEqualsGeneralExpOnItsDomain() {
        SplittableRandom r = new SplittableRandom(3);
        int nf = FloatRows.L * 4096;
        float[] xf = new float[nf];
        for (int i = 0; i < nf; i++) {
            xf[i] = (float) (FloatExp.FAST_LO * r.nextDouble() * (i % 3 == 0 ? 1e-6 : 1));
        }
        xf[0] = FloatExp.FAST_LO;
        xf[1] = 0;
        xf[2] = -0f;
        xf[3] = Float.NaN;
        float[] vf = new float[nf];
        FloatExp.expInto(xf, 0, FloatRows.L, nf, 0f, vf, 0, true);
        for (int i = 0; i < nf; i++) {
            assertEquals(Float.floatToIntBits(FloatExp.exp(xf[i])), Float.floatToIntBits(vf[i]), "x = " + xf[i]);
        }
        int nd = DoubleRows.L * 4096;
        double[] xd = new double[nd];
        for (int i = 0; i < nd; i++) {
            xd[i] = DoubleExp.FAST_LO * r.nextDouble() * (i % 3 == 0 ? 1e-9 : 1);
        }
        xd[0] = DoubleExp.FAST_LO;
        xd[1] = 0;
        xd[2] = -0.0;
        xd[3] = Double.NaN;
        double[] vd = new double[nd];
        DoubleExp.expInto(xd, 0, DoubleRows.L, nd, 0.0, vd, 0, true);
        for (int i = 0; i < nd; i++) {
            assertEquals(Double.doubleToLongBits(DoubleExp.exp(xd[i])), Double.doubleToLongBits(vd[i]), "x = " + xd[i]);
        }
    }

    @Test
    void doubleExpIsWithinOneUlpAndScalarEqualsVector() {
        SplittableRandom r = new SplittableRandom(2);
        int n = DoubleRows.L * 4096;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextDouble() < 0.5 ? r.nextDouble() * 1460 - 750 : r.nextDouble() * 10 - 5;
        }
        x[0] = Double.NEGATIVE_INFINITY;
        x[1] = Double.NaN;
        x[2] = Double.POSITIVE_INFINITY;
        x[3] = 709.78;
        x[4] = 709.79;
        x[5] = -745.1;
        double[] v = new double[n];
        DoubleExp.expInto(x, 0, DoubleRows.L, n, 0.0, v, 0, false);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double s = DoubleExp.exp(x[i]);
            assertEquals(Double.doubleToLongBits(s), Double.doubleToLongBits(v[i]), "x = " + x[i]);
            double want = StrictMath.exp(x[i]); // within 1 ulp itself; so allow 2 against it
            if (Double.isNaN(want) || Double.isInfinite(want) || want == 0) {
                assertEquals(want, s, 0.0, "x = " + x[i]);
                continue;
            }
            worst = Math.max(worst, Math.abs(s - want) / Math.ulp(want));
        }
        assertTrue(worst <= 2.0, "worst double exp difference from StrictMath.exp " + worst + " ulp");
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void softmaxAndLogSoftmaxAtEveryTailLength(int k) {
        SoftmaxKernel kern = kernel(1, Long.MAX_VALUE);
        SplittableRandom r = new SplittableRandom(k);
        int rows = 3;
        int[] shape = {rows, k};
        Layout l = Layout.of(shape, -1);
        float[] zf = randomFloats(r, rows * k, 4);
        double[] zd = randomDoubles(r, rows * k, 4);
        if (k > 2) {
            zf[k + 1] = Float.NEGATIVE_INFINITY;
            zd[k + 1] = Double.NEGATIVE_INFINITY;
            zf[2 * k + k - 1] = Float.NaN; // last row, last element: a NaN row
            zd[2 * k + k - 1] = Double.NaN;
        }
        float[] of = new float[zf.length];
        double[] od = new double[zd.length];
        kern.softmax(zf, l, of);
        kern.softmax(zd, l, od);
        float[] rf = REFERENCE.softmax(zf, shape, -1);
        double[] rd = REFERENCE.softmax(zd, shape, -1);
        double[] mf = rowMax(widen(zf), k);
        double[] md = rowMax(zd, k);
        for (int i = 0; i < of.length; i++) {
            assertTrue(ulpsF(of[i], rf[i]) <= bound(zf[i], mf, i, k), "float softmax k=" + k + " i=" + i + ": "
                    + of[i] + " vs " + rf[i]);
            assertTrue(ulpsD(od[i], rd[i]) <= bound(zd[i], md, i, k), "double softmax k=" + k + " i=" + i + ": "
                    + od[i] + " vs " + rd[i]);
        }
        kern.logSoftmax(zf, l, of);
        kern.logSoftmax(zd, l, od);
        rf = REFERENCE.logSoftmax(zf, shape, -1);
        rd = REFERENCE.logSoftmax(zd, shape, -1);
        for (int i = 0; i < of.length; i++) {
            double ef = Float.isInfinite(rf[i]) ? (of[i] == rf[i] ? 0 : 1e9)
                    : Math.abs((double) of[i] - rf[i]) / Math.ulp(Math.max(Math.abs(rf[i]), 1f));
            double ed = Double.isInfinite(rd[i]) ? (od[i] == rd[i] ? 0 : 1e9)
                    : Math.abs(od[i] - rd[i]) / Math.ulp(Math.max(Math.abs(rd[i]), 1.0));
            if (Float.isNaN(rf[i])) {
                ef = Float.isNaN(of[i]) ? 0 : 1e9;
                ed = Double.isNaN(od[i]) ? 0 : 1e9;
            }
            assertTrue(ef <= 4, "float log-softmax k=" + k + " i=" + i + ": " + of[i] + " vs " + rf[i]);
            assertTrue(ed <= 4, "double log-softmax k=" + k + " i=" + i + ": " + od[i] + " vs " + rd[i]);
        }
    }

    @ParameterizedTest
    @MethodSource("lengths")
    void otherOpsAtEveryTailLength(int k) {
        SoftmaxKernel kern = kernel(1, Long.MAX_VALUE);
        SplittableRandom r = new SplittableRandom(100 + k);
        int rows = 2;
        int[] shape = {rows, k};
        Layout l = Layout.of(shape, -1);
        double[] z = randomDoubles(r, rows * k, 3);
        double[] g = randomDoubles(r, rows * k, 1);
        double[] y = REFERENCE.softmax(z, shape, -1);
        double[] out = new double[z.length];
        kern.backward(y, g, l, out);
        assertClose(REFERENCE.backward(y, g, shape, -1), out, 1e-13, "backward k=" + k);
        double[] ly = REFERENCE.logSoftmax(z, shape, -1);
        kern.logSoftmaxBackward(ly, g, l, out);
        assertClose(REFERENCE.logSoftmaxBackward(ly, g, shape, -1), out, 1e-13, "log-softmax backward k=" + k);
        if (k <= 100) {
            double[] jac = new double[rows * k * k];
            kern.jacobian(z, l, jac);
            assertClose(REFERENCE.jacobian(z, shape, -1), jac, 1e-14, "jacobian k=" + k);
        }
        int[] labels = {r.nextInt(k), r.nextInt(k)};
        double[] loss = new double[1];
        double[] grad = new double[z.length];
        kern.crossEntropy(z, l, labels, Reduction.MEAN, loss, grad);
        var ce = REFERENCE.crossEntropy(z, shape, -1, labels, Reduction.MEAN);
        assertClose(ce.gradient(), grad, 1e-14, "ce gradient k=" + k);
        assertEquals(ce.loss()[0], loss[0], 1e-13 * Math.max(1, ce.loss()[0]), "ce loss k=" + k);
        double[] t = new double[z.length];
        for (int row = 0; row < rows; row++) {
            t[row * k] = 0.25;
            t[row * k + k - 1] += 0.75;
        }
        kern.crossEntropy(z, l, t, Reduction.SUM, loss, grad);
        var ct = REFERENCE.crossEntropy(z, shape, -1, t, Reduction.SUM);
        assertClose(ct.gradient(), grad, 1e-14, "ce targets gradient k=" + k);
        assertEquals(ct.loss()[0], loss[0], 1e-13 * Math.max(1, ct.loss()[0]), "ce targets loss k=" + k);
    }

    /** Within {@code ulps} units in the last place of max(|want|, floor); NaN and ±∞ exactly. */
    private static void assertUlps(float[] want, float[] got, double ulps, float floor, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            boolean ok = Float.isNaN(want[i]) ? Float.isNaN(got[i])
                    : Float.isInfinite(want[i]) ? want[i] == got[i]
                    : Math.abs((double) got[i] - want[i]) <= ulps * Math.ulp(Math.max(Math.abs(want[i]), floor));
            assertTrue(ok, what + " [" + i + "]: " + got[i] + " vs " + want[i]);
        }
    }

    private static void assertUlps(double[] want, double[] got, double ulps, double floor, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            boolean ok = Double.isNaN(want[i]) ? Double.isNaN(got[i])
                    : Double.isInfinite(want[i]) ? want[i] == got[i]
                    : Math.abs(got[i] - want[i]) <= ulps * Math.ulp(Math.max(Math.abs(want[i]), floor));
            assertTrue(ok, what + " [" + i + "]: " + got[i] + " vs " + want[i]);
        }
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, what + " at " + i);
        }
    }

    /**
     * Softmax and log-softmax along an inner axis give the bits of the last-axis path on transposed data (both
     * run the row kernel): transposed blocks (inner >= L, ragged last group), slices gathered one by one
     * (inner < L, and a block past FloatOps' 2^20 entries when L is 16), long slices run as long rows, with NaN,
     * -∞ and +∞ entries.
     */
    @Test
    void innerAxesGiveTheLastAxisBits() {
        SplittableRandom r = new SplittableRandom(7);
        int[][] shapes = {{3, 5, LF + 3}, {2, 6, 2 * 256 + LF + 3}, {2, 7, 3}, {4, 33, 2 * LF}, {2, 9, 5 * LF + 1},
            {1, 4, LF - 1}, {3, 4, 4 * LD + 5}, {1, 2 * FloatOps.SEGMENT + 5, 3}, {1, 2 * FloatOps.SEGMENT + 5, LF},
            {1, (1 << 20) / (2 * LF) + 3, 2 * LF}};
        for (SoftmaxKernel kern : new SoftmaxKernel[] {kernel(1, Long.MAX_VALUE), kernel(4, 0)}) {
            for (int[] shape : shapes) {
                int a = shape[0];
                int k = shape[1];
                int b = shape[2];
                int n = a * k * b;
                Layout inner = Layout.of(shape, 1);
                Layout last = Layout.of(new int[] {a, b, k}, 2);
                float[] z = randomFloats(r, n, 30);
                z[1] = Float.NaN;
                z[2] = Float.NEGATIVE_INFINITY;
                double[] zd = randomDoubles(r, n, 30);
                zd[3] = Double.POSITIVE_INFINITY;
                zd[4] = Double.NEGATIVE_INFINITY;
                for (boolean log : new boolean[] {false, true}) {
                    String what = java.util.Arrays.toString(shape) + (log ? " log-softmax" : " softmax");
                    float[] got = new float[n];
                    float[] want = new float[n];
                    double[] gotD = new double[n];
                    double[] wantD = new double[n];
                    if (log) {
                        kern.logSoftmax(z, inner, got);
                        kern.logSoftmax(moveAxisLast(z, a, k, b), last, want);
                        kern.logSoftmax(zd, inner, gotD);
                        kern.logSoftmax(moveAxisLast(zd, a, k, b), last, wantD);
                    } else {
                        kern.softmax(z, inner, got);
                        kern.softmax(moveAxisLast(z, a, k, b), last, want);
                        kern.softmax(zd, inner, gotD);
                        kern.softmax(moveAxisLast(zd, a, k, b), last, wantD);
                    }
                    assertArrayEquals(want, moveAxisLast(got, a, k, b), "float32 " + what);
                    assertArrayEquals(wantD, moveAxisLast(gotD, a, k, b), "float64 " + what);
                }
            }
        }
    }

    /**
     * K = 10^6 (long rows split into segments between threads), wide logits (σ = 30) and a dominant class: softmax
     * and log-softmax within 1 ulp of the reference provider's (both are rounded once from nearly the same value,
     * so they differ at most where the exact value is near a tie).
     */
    @Test
    void aMillionEntriesAgreeWithTheReferenceToTheUlp() {
        SoftmaxKernel kern = kernel(2, 0);
        SplittableRandom r = new SplittableRandom(23);
        int k = 1_000_000;
        int[] shape = {1, k};
        Layout l = Layout.of(shape, -1);
        float[] z = randomFloats(r, k, 30);
        z[k / 3] = 300;
        double[] zd = widen(z);
        for (boolean log : new boolean[] {false, true}) {
            float[] got = new float[k];
            double[] gotD = new double[k];
            if (log) {
                kern.logSoftmax(z, l, got);
                kern.logSoftmax(zd, l, gotD);
            } else {
                kern.softmax(z, l, got);
                kern.softmax(zd, l, gotD);
            }
            float[] want = log ? REFERENCE.logSoftmax(z, shape, -1) : REFERENCE.softmax(z, shape, -1);
            double[] wantD = log ? REFERENCE.logSoftmax(zd, shape, -1) : REFERENCE.softmax(zd, shape, -1);
            double worst = 0;
            double worstD = 0;
            for (int i = 0; i < k; i++) {
                worst = Math.max(worst, ulpsF(got[i], want[i]));
                worstD = Math.max(worstD, ulpsD(gotD[i], wantD[i]));
            }
            String op = log ? "log-softmax" : "softmax";
            assertTrue(worst <= 1, "float32 " + op + " K=10^6: " + worst + " ulps from the reference");
            assertTrue(worstD <= 1, "float64 " + op + " K=10^6: " + worstD + " ulps from the reference");
        }
    }

    /**
     * The Jacobian's diagonal at a dominant class is {@code y(1 - y)} with {@code 1 - y} the sum of the others,
     * not the 0 (or one ulp) that {@code 1 - y} would give: checked against the reference provider's Jacobian.
     */
    @Test
    void jacobianDiagonalOfADominantClassKeepsItsDigits() {
        SoftmaxKernel kern = kernel(1, Long.MAX_VALUE);
        for (int k : new int[] {3, LF + 1, 40}) {
            float[] z = new float[k];
            double[] zd = new double[k];
            for (int j = 0; j < k; j++) {
                z[j] = j == 1 ? 0 : -20 - j;
                zd[j] = j == 1 ? 0 : -40 - j;
            }
            int[] shape = {1, k};
            float[] jac = new float[k * k];
            kern.jacobian(z, Layout.of(shape, -1), jac);
            float want = REFERENCE.jacobian(z, shape, -1)[k + 1];
            assertTrue(want > 0 && Math.abs(jac[k + 1] - want) <= 2 * Math.ulp(want),
                    "float32 k=" + k + ": " + jac[k + 1] + " vs " + want);
            double[] jacD = new double[k * k];
            kern.jacobian(zd, Layout.of(shape, -1), jacD);
            double wantD = REFERENCE.jacobian(zd, shape, -1)[k + 1];
            assertTrue(wantD > 0 && Math.abs(jacD[k + 1] - wantD) <= 2 * Math.ulp(wantD),
                    "float64 k=" + k + ": " + jacD[k + 1] + " vs " + wantD);
        }
    }

    /** [a, k, b] along axis 1 → [a, b, k] (the same slices, contiguous). */
    private static float[] moveAxisLast(float[] x, int a, int k, int b) {
        float[] t = new float[x.length];
        for (int o = 0; o < a; o++) {
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < b; i++) {
                    t[(o * b + i) * k + j] = x[(o * k + j) * b + i];
                }
            }
        }
        return t;
    }

    private static double[] moveAxisLast(double[] x, int a, int k, int b) {
        double[] t = new double[x.length];
        for (int o = 0; o < a; o++) {
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < b; i++) {
                    t[(o * b + i) * k + j] = x[(o * k + j) * b + i];
                }
            }
        }
        return t;
    }

    /**
     * Cross-entropy along an inner axis against the last-axis path on transposed data: with
     * probability targets (transposed blocks, the row kernel) bit for bit; with labels (the softmax
     * sweep, another summation order) within 4 ulps (of max(|loss|, 1) for losses, of the reduction's
     * scale for gradients).
     */
    @Test
    void innerAxisCrossEntropyMatchesTheLastAxisPath() {
        SplittableRandom r = new SplittableRandom(13);
        int[][] shapes = {{2, 37, LF + 3}, {1, 5, 3 * LF}, {3, 2 * LF + 1, LF}, {2, 9, LD + 1}};
        for (SoftmaxKernel kern : new SoftmaxKernel[] {kernel(1, Long.MAX_VALUE), kernel(4, 0)}) {
            for (int[] shape : shapes) {
                int a = shape[0];
                int k = shape[1];
                int b = shape[2];
                int n = a * k * b;
                Layout inner = Layout.of(shape, 1);
                Layout last = Layout.of(new int[] {a, b, k}, 2);
                float[] z = randomFloats(r, n, 3);
                z[5] = Float.NEGATIVE_INFINITY;
                double[] zd = randomDoubles(r, n, 3);
                int[] labels = new int[a * b];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = r.nextInt(k);
                }
                float[] t = new float[n];
                for (int i = 0; i < n; i++) {
                    t[i] = r.nextInt(4) == 0 ? 0 : (float) r.nextDouble();
                }
                for (Reduction red : Reduction.values()) {
                    int lossLen = red == Reduction.NONE ? a * b : 1;
                    String what = java.util.Arrays.toString(shape) + " " + red;
                    float[] loss = new float[lossLen];
                    float[] grad = new float[n];
                    float[] lossT = new float[lossLen];
                    float[] gradT = new float[n];
                    kern.crossEntropy(z, inner, labels, red, loss, grad);
                    kern.crossEntropy(moveAxisLast(z, a, k, b), last, labels, red, lossT, gradT);
                    // a gradient entry is y·scale or (y - 1)·scale: y's last-bit differences count
                    // in units of the scale
                    float scale = red == Reduction.MEAN ? 1f / (a * b) : 1f;
                    // a loss is log S - (z - m): S's last bits count in units of max(|loss|, 1), as for
                    // log-softmax
                    assertUlps(lossT, loss, 4, 1f, "float32 labels loss " + what);
                    assertUlps(gradT, moveAxisLast(grad, a, k, b), 4, scale, "float32 labels grad " + what);
                    kern.crossEntropy(z, inner, t, red, loss, grad);
                    kern.crossEntropy(moveAxisLast(z, a, k, b), last, moveAxisLast(t, a, k, b), red, lossT, gradT);
                    assertArrayEquals(lossT, loss, "float32 target loss " + what);
                    assertArrayEquals(gradT, moveAxisLast(grad, a, k, b), "float32 target grad " + what);
                    double[] lossD = new double[lossLen];
                    double[] gradD = new double[n];
                    double[] lossDT = new double[lossLen];
                    double[] gradDT = new double[n];
                    kern.crossEntropy(zd, inner, labels, red, lossD, gradD);
                    kern.crossEntropy(moveAxisLast(zd, a, k, b), last, labels, red, lossDT, gradDT);
                    assertUlps(lossDT, lossD, 4, 1.0, "float64 labels loss " + what);
                    assertUlps(gradDT, moveAxisLast(gradD, a, k, b), 4, scale, "float64 labels grad " + what);
                }
            }
        }
    }

    @Test
    void innerAxisBackwardPassesMatchTheReference() {
        SoftmaxKernel kern = kernel(4, 0);
        SplittableRandom r = new SplittableRandom(17);
        int[][] shapes = {{2, 37, LF + 3}, {1, 5, 3 * LF}, {3, 2 * LF + 1, 4 * LF + 1}, {2, 9, LD + 1},
                {2, 6, 2 * 256 + 37}, {1, 7, 256 + LF}}; // several sweep chunks, a ragged last one
        for (int[] shape : shapes) {
            int n = shape[0] * shape[1] * shape[2];
            Layout l = Layout.of(shape, 1);
            float[] z = randomFloats(r, n, 3);
            float[] y = REFERENCE.softmax(z, shape, 1);
            float[] ls = REFERENCE.logSoftmax(z, shape, 1);
            float[] g = randomFloats(r, n, 1);
            g[7] = Float.NaN; // poisons one slice: NaN there, in both
            double maxG = 0;
            for (float v : g) {
                maxG = Float.isFinite(v) ? Math.max(maxG, Math.abs(v)) : maxG;
            }
            float[] got = new float[n];
            kern.backward(y, g, l, got);
            float[] want = REFERENCE.backward(y, g, shape, 1);
            for (int i = 0; i < n; i++) {
                double tol = 32 * Math.ulp((float) (Math.abs(y[i]) * 2 * maxG)) + Math.ulp(want[i]);
                assertTrue(Float.isNaN(want[i]) ? Float.isNaN(got[i]) : Math.abs(got[i] - want[i]) <= tol,
                        "backward " + java.util.Arrays.toString(shape) + " i=" + i + ": " + got[i] + " vs " + want[i]);
            }
            kern.logSoftmaxBackward(ls, g, l, got);
            want = REFERENCE.logSoftmaxBackward(ls, g, shape, 1);
            for (int i = 0; i < n; i++) {
                double tol = 32 * Math.ulp((float) (shape[1] * maxG)) + Math.ulp(want[i]);
                assertTrue(Float.isNaN(want[i]) ? Float.isNaN(got[i]) : Math.abs(got[i] - want[i]) <= tol,
                        "log-softmax backward " + java.util.Arrays.toString(shape) + " i=" + i + ": " + got[i]
                                + " vs " + want[i]);
            }
            double[] zd = randomDoubles(r, n, 3);
            double[] yd = REFERENCE.softmax(zd, shape, 1);
            double[] gd = randomDoubles(r, n, 1);
            double[] gotD = new double[n];
            kern.backward(yd, gd, l, gotD);
            double[] wantD = REFERENCE.backward(yd, gd, shape, 1);
            for (int i = 0; i < n; i++) {
                double tol = 32 * Math.ulp(Math.abs(yd[i]) * 8) + Math.ulp(wantD[i]);
                assertTrue(Math.abs(gotD[i] - wantD[i]) <= tol, "float64 backward " + java.util.Arrays.toString(shape)
                        + " i=" + i + ": " + gotD[i] + " vs " + wantD[i]);
            }
        }
    }

    @Test
    void threadSplittingIsBitIdentical() {
        SoftmaxKernel one = kernel(1, Long.MAX_VALUE);
        SoftmaxKernel many = kernel(4, 0);
        SplittableRandom r = new SplittableRandom(11);
        int[][] shapes = {{257, 3 * LF + 5}, {64, 1000}, {3, 7, 2 * LF + 3}, {5, 6, 3}, {1, 40, 9 * LF + 1}, {2, 5, 3 * 256 + 7}, {2, 2 * FloatOps.SEGMENT + 5}};
        for (int[] shape : shapes) {
            int n = IntStream.of(shape).reduce(1, (a, b) -> a * b);
            float[] z = randomFloats(r, n, 5);
            double[] zd = randomDoubles(r, n, 5);
            for (int axis : new int[] {-1, 1}) {
                Layout l = Layout.of(shape, axis);
                float[] a = new float[n];
                float[] b = new float[n];
                one.softmax(z, l, a);
                many.softmax(z, l, b);
                assertArrayEquals(a, b);
                one.logSoftmax(z, l, a);
                many.logSoftmax(z, l, b);
                assertArrayEquals(a, b);
                double[] ad = new double[n];
                double[] bd = new double[n];
                one.softmax(zd, l, ad);
                many.softmax(zd, l, bd);
                assertArrayEquals(ad, bd);
                int[] labels = new int[l.rows()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = r.nextInt(l.axisLength());
                }
                float[] la = new float[1];
                float[] lb = new float[1];
                one.crossEntropy(z, l, labels, Reduction.MEAN, la, a);
                many.crossEntropy(z, l, labels, Reduction.MEAN, lb, b);
                assertArrayEquals(a, b);
                assertArrayEquals(la, lb);
                float[] g = randomFloats(r, n, 1);
                one.backward(a, g, l, b);
                float[] c = new float[n];
                many.backward(a, g, l, c);
                assertArrayEquals(b, c);
            }
        }
    }
}
