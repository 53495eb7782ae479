package org.softmaxspi.fuzz;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The generators of the fuzz properties: shapes of rank 1 to 4 with dimensions 0 to 64 (zeros
 * included), every axis (negative too), and logits from a mixture of normal values at several scales,
 * huge values, ±MAX, subnormals, exact ties, −∞, +∞ and NaN. The number of elements is capped at
 * {@value #MAX_ELEMENTS} by shrinking the largest dimensions, so every case runs through the 40-digit
 * oracle in milliseconds; the TCK's own catalogue covers the long rows.
 */
final class Generated {

    /** The most elements a generated case holds. */
    static final int MAX_ELEMENTS = 512;

    private Generated() {
    }

    /** One generated case: its shape, axis and logits (values of float64; rounded to float32 when run as such). */
    record Case(int[] shape, int axis, double[] logits, long seed) {
        @Override
        public String toString() {
            return "shape " + Arrays.toString(shape) + " axis " + axis + " logits " + Arrays.toString(logits)
                    + " seed " + seed;
        }
    }

    static Arbitrary<int[]> shapes() {
        Arbitrary<Integer> dim = Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.integers().between(0, 3)),
                Tuple.of(5, Arbitraries.integers().between(1, 12)),
                Tuple.of(2, Arbitraries.integers().between(13, 64)));
        return dim.list().ofMinSize(1).ofMaxSize(4).map(Generated::capped);
    }

    /** The shape with its largest dimensions halved until it holds at most {@link #MAX_ELEMENTS} elements. */
    static int[] capped(List<Integer> dims) {
        int[] s = dims.stream().mapToInt(Integer::intValue).toArray();
        while (size(s) > MAX_ELEMENTS) {
            int at = 0;
            for (int i = 1; i < s.length; i++) {
                if (s[i] > s[at]) {
                    at = i;
                }
            }
            s[at] = s[at] / 2;
        }
        return s;
    }

    static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Mostly finite logits at one of several scales, with a sprinkling of every special value. */
    static Arbitrary<Double> logit() {
        return Arbitraries.frequencyOf(
                Tuple.of(30, Arbitraries.doubles().between(-3, 3)),
                Tuple.of(15, Arbitraries.doubles().between(-40, 40)),
                Tuple.of(6, Arbitraries.doubles().between(-1e4, 1e4)),
                Tuple.of(3, Arbitraries.doubles().between(-1e30, 1e30)),
                Tuple.of(10, Arbitraries.of(0.0, 1.0, -1.0, 2.5, 1e-8)),                      // exact ties
                Tuple.of(2, Arbitraries.of(Double.MAX_VALUE, -Double.MAX_VALUE, (double) Float.MAX_VALUE,
                        (double) -Float.MAX_VALUE)),
                Tuple.of(2, Arbitraries.of(Double.MIN_VALUE, -Double.MIN_VALUE, 1e-310, (double) Float.MIN_VALUE,
                        -1e-40)),                                                             // subnormals
                Tuple.of(3, Arbitraries.just(Double.NEGATIVE_INFINITY)),
                Tuple.of(1, Arbitraries.just(Double.POSITIVE_INFINITY)),
                Tuple.of(1, Arbitraries.just(Double.NaN)));
    }

    static Arbitrary<Case> cases() {
        return shapes().flatMap(shape -> {
            int n = (int) size(shape);
            return Combinators.combine(
                    Arbitraries.integers().between(-shape.length, shape.length - 1),
                    logit().array(double[].class).ofSize(n),
                    Arbitraries.longs())
                    .as((axis, logits, seed) -> new Case(shape, axis, logits, seed));
        });
    }
}
