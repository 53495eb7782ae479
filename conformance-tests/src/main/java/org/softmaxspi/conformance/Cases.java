package org.softmaxspi.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;

/**
 * The catalogue of conformance cases: the ONNX backend-test vectors, softmax of {1, ..., 8}, the
 * edge cases of the API's semantics, adversarial inputs, and random cases from a fixed seed.
 */
public final class Cases {

    /** The default seed of the random cases; override with {@code -Dconformance.seed=N}. */
    public static final long DEFAULT_SEED = 20_261_123L;
    static final String ONNX_RESOURCE = "onnx-softmax-cases.json";

    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private Cases() {
    }

    /** The seed in force: the system property {@code conformance.seed}, else {@link #DEFAULT_SEED}. */
    public static long seed() {
        return Long.getLong("conformance.seed", DEFAULT_SEED);
    }

    /**
     * Every case. {@code quick} drops the longest random rows (K = 10^4 and 10^5) to finish in
     * seconds; the long-row traps stay, as they show how a library sums.
     */
    public static List<SuiteCase> all(long seed, boolean quick) {
        return all(seed, quick, false);
    }

    /** Every case, and with {@code millionRow} a float64 softmax and log-softmax row of 10^6 entries. */
    static List<SuiteCase> all(long seed, boolean quick, boolean millionRow) {
        List<SuiteCase> cases = new ArrayList<>(onnx());
        cases.addAll(edges(seed));
        cases.addAll(adversarial(seed));
        cases.addAll(random(seed, quick));
        if (millionRow) {
            cases.add(millionRow(seed));
        }
        return List.copyOf(cases);
    }

    /** 10^6 logits near 1000 with full mantissas (z - m rounds in float64), 1000 distinct values. */
    static SuiteCase millionRow(long seed) {
        int k = 1_000_000;
        SplittableRandom r = new SplittableRandom(seed);
        double[] distinct = new double[1000];
        for (int i = 0; i < distinct.length; i++) {
            distinct[i] = 1000 + (r.nextDouble() - 0.5) * 40;
        }
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
            z[i] = distinct[r.nextInt(distinct.length)];
        }
        return SuiteCase.of("row-1e6", new int[] {k}, 0, z, seed + 27)
                .only(EnumSet.of(Op.SOFTMAX, Op.LOG_SOFTMAX), EnumSet.of(DType.FLOAT64));
    }

    /** The 14 ONNX Softmax/LogSoftmax cases, read from the copy of the ONNX test data in resources. */
    static List<SuiteCase> onnx() {
        try (InputStream in = Cases.class.getResourceAsStream(ONNX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + ONNX_RESOURCE + " not found beside " + Cases.class);
            }
            JsonNode root = new ObjectMapper().readTree(in);
            List<SuiteCase> out = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                Op op = Op.fromLabel(c.get("op").asText());
                int[] shape = ints(c.get("shape"));
                double[] input = doubles(c.get("input"));
                double[] expected = doubles(c.get("expected"));
                float[] exp32 = new float[expected.length];
                for (int i = 0; i < exp32.length; i++) {
                    exp32[i] = (float) expected[i];
                }
                out.add(new SuiteCase("onnx/" + c.get("name").asText(), shape, c.get("axis").asInt(), input,
                        EnumSet.of(op), EnumSet.allOf(DType.class), exp32, out.size()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ONNX_RESOURCE, e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static double[] doubles(JsonNode a) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asDouble();
        }
        return r;
    }

    /** Every edge case of the API's semantics (see {@link org.softmaxspi.api.Softmax}). */
    static List<SuiteCase> edges(long seed) {
        List<SuiteCase> c = new ArrayList<>();
        c.add(SuiteCase.of("one-to-eight", new int[] {8}, 0, new double[] {1, 2, 3, 4, 5, 6, 7, 8}, seed + 1));
        c.add(SuiteCase.of("pair-1000", new int[] {2}, -1, new double[] {1000, 1000}, seed + 2));
        c.add(SuiteCase.of("onnx-large-vector", new int[] {4}, -1, new double[] {10000, 10001, 10002, 10003},
                seed + 3));
        float fmax = Float.MAX_VALUE;
        c.add(SuiteCase.of("float-max", new int[] {2, 4}, -1,
                new double[] {fmax, -fmax, 0, fmax, -fmax, -fmax, 1, -fmax}, seed + 4));
        c.add(SuiteCase.of("double-max", new int[] {2, 3}, -1, new double[] {Double.MAX_VALUE, -Double.MAX_VALUE, 0,
            -Double.MAX_VALUE, -Double.MAX_VALUE, 2}, seed + 5).only(EnumSet.allOf(Op.class), EnumSet.of(DType.FLOAT64)));
        c.add(SuiteCase.of("neg-inf-mask", new int[] {3, 4}, -1,
                new double[] {0, NEG_INF, 1, NEG_INF, NEG_INF, NEG_INF, NEG_INF, 5, 2, 2, NEG_INF, 3}, seed + 6));
        c.add(SuiteCase.of("nan-inf-rows", new int[] {5, 3}, -1, new double[] {
            1, Double.NaN, 2,
            1, Double.POSITIVE_INFINITY, 2,
            NEG_INF, NEG_INF, NEG_INF,
            Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0,
            0.5, -0.25, 3}, seed + 7));
        c.add(SuiteCase.of("nan-inf-rows-axis0", new int[] {3, 3}, 0, new double[] {
            1, NEG_INF, Double.NaN,
            2, NEG_INF, 0,
            3, NEG_INF, 1}, seed + 8));
        c.add(SuiteCase.of("empty-axis", new int[] {3, 0}, -1, new double[0], seed + 9));
        c.add(SuiteCase.of("zero-rows", new int[] {0, 5}, -1, new double[0], seed + 10));
        c.add(SuiteCase.of("empty-middle-axis", new int[] {2, 0, 3}, 1, new double[0], seed + 11));
        c.add(SuiteCase.of("k1", new int[] {4, 1}, -1, new double[] {-3, 0, 7.5, 1e30}, seed + 12));
        c.add(SuiteCase.of("k1-vector", new int[] {1}, 0, new double[] {42}, seed + 13));
        return c;
    }

    /** Inputs chosen to break naive implementations. */
    static List<SuiteCase> adversarial(long seed) {
        List<SuiteCase> c = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed ^ 0xADL);
        // z_i - m is inexact in double at |z| ~ 1000 unless carried exactly (worth ~500 ulp after exp).
        double[] big = new double[64];
        for (int i = 0; i < big.length; i++) {
            big[i] = 1000 + (r.nextDouble() - 0.5) * 10;
        }
        c.add(SuiteCase.of("magnitude-1000", new int[] {4, 16}, -1, big, seed + 20));
        double[] huge = new double[24];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = (r.nextDouble() - 0.5) * 2e30;
        }
        huge[5] = huge[7] + 1e15; // two nearly equal giants
        c.add(SuiteCase.of("magnitude-1e30", new int[] {3, 8}, -1, huge, seed + 21));
        double[] ties = new double[16];
        for (int i = 0; i < ties.length; i++) {
            ties[i] = 1 + i * Math.ulp(1.0f) * (i % 3);
        }
        c.add(SuiteCase.of("near-ties", new int[] {2, 8}, -1, ties, seed + 22));
        // one class with y ~ 1 - 1e-12: the log-softmax of the dominant class and the Jacobian diagonal cancel
        c.add(SuiteCase.of("dominant-1e-12", new int[] {6}, -1,
                new double[] {0, -27.631021115928547, -30, -31, -40, -35.5}, seed + 23));
        c.add(SuiteCase.of("dominant-1e-30", new int[] {5}, -1, new double[] {-69.07755278982137, 0, -80, -75, -71},
                seed + 24));
        // outputs below the smallest normal: float32 (e^-88 .. e^-103) and float64 (e^-708 .. e^-745)
        c.add(SuiteCase.of("subnormal-outputs", new int[] {10}, -1,
                new double[] {0, -88, -90, -95, -100, -103, -710, -720, -740, -745.1}, seed + 25));
        // found by the fuzz properties (fuzz-tests): subnormal float32 results along an inner axis, one column
        // shrunk from the counterexample (shape [9, 2, 6, 3], axis 0), next to a column of the last-axis case
        c.add(SuiteCase.of("fuzz-subnormals-inner-axis", new int[] {9, 2}, 0,
                new double[] {0, 0, -0.09, -88, -0.04, -90, 101.73, -95, 0.35, -100, 1, -103, 1, -50, 1, -20, 2.81, 0},
                seed + 38));
        // found by the fuzz properties: NaN next to MAX in one row (ONNX Runtime's float64 cross-entropy gave a
        // finite loss, its LogSoftmax taking log(max(Σ, 1e-20)))
        c.add(SuiteCase.of("fuzz-nan-beside-max", new int[] {12}, 0,
                new double[] {0, 0, 0, 0, Double.NaN, 0, Double.MAX_VALUE, -2.74, 3.54, -0.37, -40, -3.31}, seed + 39));
        // found by the fuzz properties: a dominant class (y ≈ 1 − 3e-17), so the backward's g_k − Σ g_j y_j cancels
        // 56 bits; a double-double dot product left the reference 1.7 ulps off (row 8 of the shrunk [40, 11] case)
        c.add(SuiteCase.of("fuzz-backward-dominant-class", new int[] {1, 11}, 1,
                new double[] {40, 1.35, 0.1, 1.83, 0.33, 1e-8, -1, -2344.68, -0.01, -0.11, -0.56}, seed + 40));
        // found by the fuzz properties: log y ≈ −2.1e-16 for the dominant class, where a double-double S = 1 + others
        // holds others only to half an ulp of the result (the reference was 1.02 ulps off)
        c.add(SuiteCase.of("fuzz-log-dominant-2e-16", new int[] {8}, 0,
                new double[] {0.05, 38.57, Double.MIN_VALUE, 0.59, 1.48, -Float.MAX_VALUE, 1.0, 0.01}, seed + 41));
        // found by the fuzz properties: log y of the dominant class is subnormal (−1.7e-322; the reference gave twice that)
        c.add(SuiteCase.of("fuzz-log-dominant-subnormal", new int[] {3}, 0, new double[] {86.07, 826.97, 2.71},
                seed + 42));
        // found by the fuzz properties: float32 losses within a rounding of MAX on both sides (djl and onnxruntime
        // gave ∞ for a loss that rounds to MAX, djl MAX − 1 ulp for one past MAX): overflow is judged as a rounding
        c.add(SuiteCase.of("fuzz-loss-near-max", new int[] {2, 2}, -1,
                new double[] {-Float.MAX_VALUE, Float.MAX_VALUE / 4, Float.MAX_VALUE / 2, -Float.MAX_VALUE / 2},
                seed + 43));
        // found by the fuzz properties: K = 1 along an inner axis (ND4J's float64 softmax gave NaN for −1e30)
        c.add(SuiteCase.of("fuzz-one-class-inner-axis", new int[] {3, 1, 2}, 1,
                new double[] {-1e30, 1, 2, -3, Double.MAX_VALUE, 0}, seed + 44));
        // found by the fuzz properties: a target mean of rows whose losses pass MAX (the reference gave ∞ for 6e307)
        c.add(SuiteCase.of("fuzz-mean-of-losses-past-max", new int[] {3, 3}, -1,
                new double[] {1, 2, 3, 40, Double.MAX_VALUE, 0.2, -1, 0, 1}, seed + 45));
        // found by the fuzz properties: rows whose max is very negative, in a batch (ND4J's float64 softmax gave NaN)
        c.add(SuiteCase.of("fuzz-negative-rows-batch", new int[] {5, 2}, -1,
                new double[] {-885.62, -Float.MAX_VALUE, -720, -721, -650, -720, 0, 1, Double.NEGATIVE_INFINITY,
                    -Float.MAX_VALUE}, seed + 46));
        // found by the fuzz properties: one row of −∞ and −MAX (ND4J's float32 softmax gave NaN)
        c.add(SuiteCase.of("fuzz-minus-max-row", new int[] {6}, -1, new double[] {-Double.MAX_VALUE,
            Double.NEGATIVE_INFINITY, -Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE, -Float.MAX_VALUE}, seed + 47));
        // found by the soak run: float64 results below the smallest normal that a double-double rounds twice or
        // loses bits on. A Jacobian diagonal (and cross-entropy gradient) of 2.17e-322 for the dominant class
        // (the reference gave 2.27e-322)
        c.add(SuiteCase.of("soak-subnormal-jacobian-diagonal", new int[] {12}, 0, new double[] {-0.86, -0.45, -1, 0.25,
            1, 2.89, -5.97, 0.49, 743.92, -2.95, Float.MIN_VALUE, -1.08}, seed + 48));
        // backward of a dominant class with others near e^-709 (dz ≈ 1e-310, the reference 2 ulps off); eight
        // columns, each with its own upstream gradient, as the rounding shows for some gradients only
        double[] column = {NEG_INF, 0.97, 0.21, -0.4, 2.02, 20.5, 1e-8, 2.35, 729.82, 0.73, 1e-8, 2.49};
        double[] columns = new double[column.length * 8];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = column[i / 8];
        }
        c.add(SuiteCase.of("soak-subnormal-backward", new int[] {12, 8}, 0, columns, seed + 49));
        // losses of about 1.9e-310 for rows whose dominant class is the label, next to -MAX in the row and MAX in
        // the batch (the reference scaled the batch by 2^-8 and was 83 and 109 ulps off)
        double max = Double.MAX_VALUE;
        c.add(SuiteCase.of("soak-subnormal-losses", new int[] {6, 3}, -1, new double[] {828.31, 115.15, -max, 115.15,
            828.31, -max, -max, 115.15, 828.31, 828.31, -max, 115.15, 828.31, 115.15, 0, max, 0, 1}, seed + 50));
        // found by the soak run: a float64 row loss past MAX (z − m = −MAX − MAX overflows) in a batch whose mean is
        // finite: simd gave ∞ for a mean of 1.09e308; three such rows beside five ordinary ones
        c.add(SuiteCase.of("soak-mean-beside-overflowed-row", new int[] {8, 3}, -1, new double[] {max, -max, 0, -max,
            max, 0, 0, -max, max, 0, 1, 2, 2, 1, 0, 1, 0, 2, -1, 0, 1, 3, 3, 0}, seed + 51));
        // found by the fixed-seed fuzz suite: a NaN entry that a row's max does not see (past the first vector, or
        // any in scalar code) beside -∞ entries: simd's correctly rounded log-softmax kept -∞ there, not NaN
        double[] nanLate = new double[80];
        for (int i = 0; i < nanLate.length; i++) {
            nanLate[i] = (i * 7 % 11) - 5;
        }
        nanLate[5] = NEG_INF;
        nanLate[33] = Double.NaN;
        nanLate[40 + 12] = NEG_INF;
        c.add(SuiteCase.of("fuzz-nan-past-first-vector-beside-neg-inf", new int[] {2, 40}, -1, nanLate, seed + 52));
        c.add(SuiteCase.of("fuzz-nan-beside-neg-inf-short", new int[] {2, 3}, -1,
                new double[] {1, Double.NaN, NEG_INF, 0, NEG_INF, 2}, seed + 53));
        // found by the fuzz properties: a dominant class whose log-probability, -(S - 1) = -8.4e-207, is far below
        // an ulp of 1 (simd's log1p by a Newton step through the exp was 1.15 ulps off in float64)
        c.add(SuiteCase.of("fuzz-dominant-log-probability-tiny", new int[] {1, 10}, -1,
                new double[] {0, -1, -1, 0.69, -0.12, 2.5, -0.3, 0.01, -11.45, 477.43}, seed + 54));
        // the same below a vector's width, the maximum last: the small terms come before the 1 that cancels
        c.add(SuiteCase.of("dominant-log-probability-tiny-short", new int[] {3, 3}, -1,
                new double[] {-480.13, -479.71, 0, -0.3, -2.9, 480, -90.7, -91.3, 0}, seed + 55));
        // many small terms after one dominant one: recursive float32 summation loses them
        int k = 100_000;
        double[] trap = new double[k];
        java.util.Arrays.fill(trap, -18.420680743952367); // e^z = 1e-8, sum of the rest ~ 1e-3
        trap[0] = 0;
        c.add(SuiteCase.of("long-row-trap-k100000", new int[] {1, k}, -1, trap, seed + 26)
                .only(EnumSet.of(Op.SOFTMAX, Op.LOG_SOFTMAX, Op.CROSS_ENTROPY), EnumSet.allOf(DType.class)));
        // the same trap along an inner axis (two columns): libraries sum each column with one accumulator
        int k0 = 20_000;
        double[] trap0 = new double[2 * k0];
        java.util.Arrays.fill(trap0, -18.420680743952367);
        trap0[0] = 0;
        trap0[1] = 0;
        c.add(SuiteCase.of("long-row-trap-axis0-k20000", new int[] {k0, 2}, 0, trap0, seed + 28)
                .only(EnumSet.of(Op.SOFTMAX, Op.LOG_SOFTMAX, Op.CROSS_ENTROPY), EnumSet.allOf(DType.class)));
        return c;
    }

    /** Random cases: K from 1 to 10^5, batches, and every axis of 3-D and 4-D shapes. */
    static List<SuiteCase> random(long seed, boolean quick) {
        List<SuiteCase> c = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(seed);
        int[] ks = quick ? new int[] {1, 2, 3, 7, 16, 100, 1000} : new int[] {1, 2, 3, 7, 16, 100, 1000, 10_000, 100_000};
        for (int k : ks) {
            int rows = k <= 100 ? 4 : 1;
            c.add(SuiteCase.of("random-k" + k, new int[] {rows, k}, -1, normal(r, rows * k, 3), seed + 100 + k));
        }
        c.add(SuiteCase.of("random-batch-32x100-wide", new int[] {32, 100}, -1, normal(r, 3200, 20), seed + 200));
        int[][] shapes = {{3, 4, 5}, {2, 3, 4, 5}};
        for (int[] shape : shapes) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            for (int axis = -shape.length; axis < shape.length; axis++) {
                c.add(SuiteCase.of("random-" + shape.length + "d-axis" + axis, shape, axis, normal(r, n, 2),
                        seed + 300 + shape.length * 10 + axis));
            }
        }
        return c;
    }

    private static double[] normal(SplittableRandom r, int n, double sigma) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - r.nextDouble();
            a[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
        }
        return a;
    }
}
