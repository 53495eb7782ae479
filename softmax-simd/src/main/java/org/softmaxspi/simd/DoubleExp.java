package org.softmaxspi.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float64, for runs of vectors and, bit for bit the same, for scalars.
 *
 * <p>As {@link FloatExp}: {@code x} clamped to [-746, 710]; {@code n = round(x·log2 e)} by the
 * 1.5·2^52 trick; Cody–Waite {@code r} with two FMAs; {@code e^r = 1 + (r + r²·Q(r))} with the
 * Taylor polynomial up to r^13/13! (truncation < 0.05 ulp); scaling by two normal powers of two
 * (n1 = round(n/2), also by the magic-number trick, so no 64-bit arithmetic shift is needed, which
 * AVX2 lacks). Worst case under 1 ulp; IEEE add/mul/fma only.
 */
final class DoubleExp {

    static final double LO = -746;
    static final double HI = 710;
    static final double LOG2E = 1.4426950408889634;
    static final double MAGIC = 6755399441055744.0; // 1.5 * 2^52
    static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);
    static final double LN2_HI = 0.6931471805599453;            // Math.log(2), the double nearest ln 2
    static final double LN2_LO = 2.3190468138462996e-17;        // ln 2 - LN2_HI
    static final double C2 = 1.0 / 2;
    static final double C3 = 1.0 / 6;
    static final double C4 = 1.0 / 24;
    static final double C5 = 1.0 / 120;
    static final double C6 = 1.0 / 720;
    static final double C7 = 1.0 / 5040;
    static final double C8 = 1.0 / 40320;
    static final double C9 = 1.0 / 362880;
    static final double C10 = 1.0 / 3628800;
    static final double C11 = 1.0 / 39916800;
    static final double C12 = 1.0 / 479001600;
    static final double C13 = 1.0 / 6227020800.0;

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    private DoubleExp() {
    }

    /** As {@link FloatExp#expInto}, for float64: {@code fast} when every {@code x - m} is in [FAST_LO, 709]. */
    static void expInto(double[] x, int xo, int step, int len, double mScalar, double[] out, int oo, boolean fast) {
        DoubleVector m = DoubleVector.broadcast(S, mScalar);
        if (fast) {
            for (int i = 0; i < len; i += step) {
                DoubleVector v = DoubleVector.fromArray(S, x, xo + i).sub(m);
                DoubleVector t = v.fma(LOG2E, MAGIC);
                DoubleVector n = t.sub(MAGIC);
                DoubleVector r = n.fma(DoubleVector.broadcast(S, -LN2_HI), v);
                r = n.fma(DoubleVector.broadcast(S, -LN2_LO), r);
                DoubleVector q = r.fma(C13, C12)
                        .fma(r, DoubleVector.broadcast(S, C11))
                        .fma(r, DoubleVector.broadcast(S, C10))
                        .fma(r, DoubleVector.broadcast(S, C9))
                        .fma(r, DoubleVector.broadcast(S, C8))
                        .fma(r, DoubleVector.broadcast(S, C7))
                        .fma(r, DoubleVector.broadcast(S, C6))
                        .fma(r, DoubleVector.broadcast(S, C5))
                        .fma(r, DoubleVector.broadcast(S, C4))
                        .fma(r, DoubleVector.broadcast(S, C3))
                        .fma(r, DoubleVector.broadcast(S, C2));
                DoubleVector p = r.mul(r).fma(q, r).add(1.0);
                DoubleVector s = t.reinterpretAsLongs().add(FAST_BIAS).lanewise(VectorOperators.LSHL, 52)
                        .reinterpretAsDoubles();
                p.mul(s).intoArray(out, oo + i);
            }
            return;
        }
        for (int i = 0; i < len; i += step) {
            DoubleVector v = DoubleVector.fromArray(S, x, xo + i).sub(m);
            // below LO (and -inf: masked or absent classes) e^v rounds to 0: computed as e^0 and zeroed at the end,
            // since clamping to LO made every such lane underflow through subnormals, a microcode assist per lane
            // (a row with 10% -inf entries took 6x as long)
            VectorMask<Double> zero = v.lt(LO);
            v = v.blend(0.0, zero);
            v = v.blend(HI, v.lt(HI).not().and(v.eq(v)));
            DoubleVector t = v.fma(LOG2E, MAGIC);
            DoubleVector n = t.sub(MAGIC);
            DoubleVector r = n.fma(DoubleVector.broadcast(S, -LN2_HI), v);
            r = n.fma(DoubleVector.broadcast(S, -LN2_LO), r);
            DoubleVector q = r.fma(C13, C12)
                    .fma(r, DoubleVector.broadcast(S, C11))
                    .fma(r, DoubleVector.broadcast(S, C10))
                    .fma(r, DoubleVector.broadcast(S, C9))
                    .fma(r, DoubleVector.broadcast(S, C8))
                    .fma(r, DoubleVector.broadcast(S, C7))
                    .fma(r, DoubleVector.broadcast(S, C6))
                    .fma(r, DoubleVector.broadcast(S, C5))
                    .fma(r, DoubleVector.broadcast(S, C4))
                    .fma(r, DoubleVector.broadcast(S, C3))
                    .fma(r, DoubleVector.broadcast(S, C2));
            DoubleVector p = r.mul(r).fma(q, r).add(1.0);
            LongVector ni = t.reinterpretAsLongs().sub(MAGIC_BITS);
            LongVector n1 = n.fma(0.5, MAGIC).reinterpretAsLongs().sub(MAGIC_BITS);
            LongVector n2 = ni.sub(n1);
            DoubleVector s1 = n1.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            DoubleVector s2 = n2.add(1023).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            p.mul(s1).mul(s2).blend(0.0, zero).intoArray(out, oo + i);
        }
    }

    /** Lower end of the fast path's domain: for x >= FAST_LO, n >= -1010 and e^x is a normal double. */
    static final double FAST_LO = -700.0;
    static final long FAST_BIAS = 1023 - MAGIC_BITS;


    static double exp(double x) {
        if (x < LO) {
            x = LO;
        } else if (x >= HI) {
            x = HI;
        }
        double t = Math.fma(x, LOG2E, MAGIC);
        double n = t - MAGIC;
        double r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        double q = Math.fma(r, C13, C12);
        q = Math.fma(q, r, C11);
        q = Math.fma(q, r, C10);
        q = Math.fma(q, r, C9);
        q = Math.fma(q, r, C8);
        q = Math.fma(q, r, C7);
        q = Math.fma(q, r, C6);
        q = Math.fma(q, r, C5);
        q = Math.fma(q, r, C4);
        q = Math.fma(q, r, C3);
        q = Math.fma(q, r, C2);
        double p = Math.fma(r * r, q, r) + 1.0;
        long ni = Double.doubleToRawLongBits(t) - MAGIC_BITS;
        long n1 = Double.doubleToRawLongBits(Math.fma(n, 0.5, MAGIC)) - MAGIC_BITS;
        long n2 = ni - n1;
        double s1 = Double.longBitsToDouble((n1 + 1023) << 52);
        double s2 = Double.longBitsToDouble((n2 + 1023) << 52);
        return p * s1 * s2;
    }
}
