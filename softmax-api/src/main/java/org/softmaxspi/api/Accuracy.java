package org.softmaxspi.api;

import java.util.Locale;

/**
 * The error bound a provider guarantees for one operation, dtype and layout, stated by the class of
 * algorithm it runs ({@link SoftmaxProvider#accuracy}). The conformance suite holds every provider to
 * its own declaration, and {@code softmax verify} prints it beside the measured error.
 *
 * <p>Every softmax-family result is an exponential divided by (or a log of) a sum of K terms, so the
 * bound is set by how that sum is formed. Apart from {@link Summation#CORRECTLY_ROUNDED}, a bound
 * is {@code 4 + sumUlps(K) + κ} ulps in the conformance suite's scales: 4 for one exp, one division
 * or log and the final roundings; {@link #sumUlps(long, DType)} for the sum, from the number of
 * roundings one term can go through (to first order, times {@code 1/(1 - r·u)}); κ = |z − m| when
 * {@code z − m} is inexact in the dtype. Composite operations (Jacobian, backward, losses) combine
 * this forward bound as the suite's {@code Judge} documents. A correctly rounded provider is judged
 * in plain ulps of the exact value: every result within 1 ulp.
 *
 * <p>A library whose exponential does not produce subnormal numbers (MLAS's AVX2 kernels under ONNX
 * Runtime's float32 softmax) declares {@link #withSubnormalsFlushed()}: a result whose exact value is
 * below the dtype's smallest normal number may then be 0 (any other value is judged as usual).
 *
 * @param summation how the sums of the operation are formed
 * @param minLanes  for {@link Summation#BLOCKED}: the fewest independent accumulators a row is split
 *                  into (the narrowest SIMD width the library may dispatch to); 1 otherwise
 * @param foldDepth for {@link Summation#BLOCKED}: the most roundings the accumulators' fold adds
 *                  (L − 1 for a sequential fold of L lanes, log2 L for a tree); 0 otherwise
 * @param subnormalsFlushed whether a result whose exact value is below the dtype's smallest normal number
 *                  may come out as 0 (a flush-to-zero exponential)
 */
public record Accuracy(Summation summation, int minLanes, int foldDepth, boolean subnormalsFlushed) {

    /** How an algorithm sums the K terms of a row, which sets its error bound. */
    public enum Summation {
        /** Every result within 1 ulp of the exact value, in plain ulps (exact sums, one final rounding). */
        CORRECTLY_ROUNDED,
        /** Pairwise or compensated sums: {@code 2⌈log2 K⌉} ulps. */
        PAIRWISE,
        /**
         * One accumulator per SIMD lane, each adding every L-th term in order, then the lanes folded:
         * {@code ⌈K/L⌉ − 1 + foldDepth} roundings (never more than {@code K − 1}).
         */
        BLOCKED,
        /** One running accumulator per row: {@code K − 1} roundings. */
        RECURSIVE
    }

    private static final Accuracy CORRECTLY_ROUNDED = new Accuracy(Summation.CORRECTLY_ROUNDED, 1, 0);
    private static final Accuracy PAIRWISE = new Accuracy(Summation.PAIRWISE, 1, 0);
    private static final Accuracy RECURSIVE = new Accuracy(Summation.RECURSIVE, 1, 0);

    /** The part of every non-correctly-rounded bound that is not the sum: exp, division or log, roundings. */
    public static final double BASE_ULPS = 4;

    /**
     * @throws IllegalArgumentException naming the parameter when {@code summation} is null, or
     *         {@code minLanes} is not positive, or {@code foldDepth} negative, or the lanes are given
     *         for a summation other than {@link Summation#BLOCKED}
     */
    public Accuracy {
        if (summation == null) {
            throw new IllegalArgumentException("summation: null");
        }
        if (summation == Summation.CORRECTLY_ROUNDED && subnormalsFlushed) {
            throw new IllegalArgumentException("subnormalsFlushed: true given for CORRECTLY_ROUNDED (a flushed "
                    + "subnormal is not within 1 ulp)");
        }
        if (minLanes < 1) {
            throw new IllegalArgumentException("minLanes: " + minLanes + " (must be at least 1)");
        }
        if (foldDepth < 0) {
            throw new IllegalArgumentException("foldDepth: " + foldDepth + " (must be non-negative)");
        }
        if (summation != Summation.BLOCKED && (minLanes != 1 || foldDepth != 0)) {
            throw new IllegalArgumentException("minLanes/foldDepth: " + minLanes + "/" + foldDepth
                    + " given for " + summation + " (only BLOCKED has lanes)");
        }
    }

    /** The same bound with subnormals kept: {@code subnormalsFlushed} false. */
    public Accuracy(Summation summation, int minLanes, int foldDepth) {
        this(summation, minLanes, foldDepth, false);
    }

    /**
     * This bound, and besides it results whose exact value is below the dtype's smallest normal number
     * ({@link Float#MIN_NORMAL}, {@link Double#MIN_NORMAL}) may be 0.
     *
     * @throws IllegalArgumentException for {@link Summation#CORRECTLY_ROUNDED}
     */
    public Accuracy withSubnormalsFlushed() {
        return new Accuracy(summation, minLanes, foldDepth, true);
    }

    /** Every result within 1 ulp of the exact value (the reference provider). */
    public static Accuracy correctlyRounded() {
        return CORRECTLY_ROUNDED;
    }

    /** Pairwise or compensated summation: {@code 4 + 2⌈log2 K⌉ + κ} ulps. */
    public static Accuracy pairwise() {
        return PAIRWISE;
    }

    /**
     * Lane-blocked summation: at least {@code minLanes} accumulators, folded with at most
     * {@code foldDepth} roundings: {@code 4 + ⌈K/minLanes⌉ − 1 + foldDepth + κ} ulps.
     */
    public static Accuracy blocked(int minLanes, int foldDepth) {
        return new Accuracy(Summation.BLOCKED, minLanes, foldDepth);
    }

    /** One running sum per row: {@code 4 + (K − 1) + κ} ulps. */
    public static Accuracy recursive() {
        return RECURSIVE;
    }

    /** True for {@link Summation#CORRECTLY_ROUNDED}: results are judged in plain ulps, bound 1, no κ. */
    public boolean isCorrectlyRounded() {
        return summation == Summation.CORRECTLY_ROUNDED;
    }

    /**
     * The most roundings one term of a sum of {@code n} terms goes through.
     *
     * @throws IllegalArgumentException naming {@code n} when it is negative
     */
    public long roundings(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (must be non-negative)");
        }
        if (n <= 1) {
            return 0;
        }
        return switch (summation) {
            case CORRECTLY_ROUNDED -> 0;
            case PAIRWISE -> 2L * (64 - Long.numberOfLeadingZeros(n - 1)); // 2⌈log2 n⌉
            case BLOCKED -> Math.min(n - 1, (n + minLanes - 1) / minLanes - 1 + foldDepth);
            case RECURSIVE -> n - 1;
        };
    }

    /**
     * The error of a sum of {@code n} terms in ulps of the dtype, relative to the sum of their
     * magnitudes: {@code r / (1 − r·u)} for {@code r} {@link #roundings roundings} and unit roundoff u.
     */
    public double sumUlps(long n, DType dtype) {
        double r = roundings(n);
        double u = dtype == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        return r / (1 - Math.min(r * u, 0.5));
    }

    /**
     * The bound of a softmax or log-softmax result along an axis of length {@code k}, κ excluded:
     * 1 for a correctly rounded provider, else {@code 4 + sumUlps(k)}.
     */
    public double forwardUlps(long k, DType dtype) {
        return isCorrectlyRounded() ? 1 : BASE_ULPS + sumUlps(k, dtype);
    }

    /** The bound as a formula of K, e.g. {@code 4 + ⌈K/8⌉ − 1 + 15 + κ}, and {@code ; subnormals may be 0} when flushed. */
    public String formula() {
        String f = switch (summation) {
            case CORRECTLY_ROUNDED -> "≤ 1 ulp (plain)";
            case PAIRWISE -> "4 + 2⌈log2 K⌉ + κ";
            case BLOCKED -> String.format(Locale.ROOT, "4 + ⌈K/%d⌉ − 1 + %d + κ", minLanes, foldDepth);
            case RECURSIVE -> "4 + (K − 1) + κ";
        };
        return subnormalsFlushed ? f + "; subnormals may be 0" : f;
    }

    @Override
    public String toString() {
        return summation.name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + formula();
    }
}
