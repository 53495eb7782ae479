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

    // ln 2 in two parts for the split exp: A has 42 significant bits, so n·A is an exact double for |n| <= 2^11
    // and d - n·A is exact; A + BC is ln 2 within 2^-102
    static final double LN2_A = 0x1.62e42fefa38p-1;
    static final double LN2_BC = 0x1.ef35793c7673p-45;

    /**
     * As {@link FloatExp#expSplitInto}, for float64: {@code e^(x - m)} as {@code hi + lo} within about 2^-57
     * (Taylor to rh^13/13!, truncation under 2^-57); {@code fast} when every {@code x - m} is >= FAST_LO.
     */
    static void expSplitInto(double[] x, int xo, int step, int len, double mScalar, double[] hi, int ho, double[] lo,
                             int loo, boolean fast) {
        DoubleVector m = DoubleVector.broadcast(S, mScalar);
        DoubleVector nm = DoubleVector.broadcast(S, -mScalar);
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        for (int i = 0; i < len; i += step) {
            DoubleVector z = DoubleVector.fromArray(S, x, xo + i);
            DoubleVector v = z.sub(m);
            DoubleVector bb = v.sub(z);
            DoubleVector dl = z.sub(v.sub(bb)).add(nm.sub(bb));
            VectorMask<Double> zero = v.lt(LO);
            v = v.blend(0.0, zero);
            dl = dl.blend(0.0, zero);
            DoubleVector t = v.fma(LOG2E, MAGIC);
            DoubleVector n = t.sub(MAGIC);
            DoubleVector rh = n.fma(DoubleVector.broadcast(S, -LN2_A), v);
            DoubleVector rl = n.fma(DoubleVector.broadcast(S, -LN2_BC), dl);
            DoubleVector q = rh.fma(C13, C12)
                    .fma(rh, DoubleVector.broadcast(S, C11))
                    .fma(rh, DoubleVector.broadcast(S, C10))
                    .fma(rh, DoubleVector.broadcast(S, C9))
                    .fma(rh, DoubleVector.broadcast(S, C8))
                    .fma(rh, DoubleVector.broadcast(S, C7))
                    .fma(rh, DoubleVector.broadcast(S, C6))
                    .fma(rh, DoubleVector.broadcast(S, C5))
                    .fma(rh, DoubleVector.broadcast(S, C4))
                    .fma(rh, DoubleVector.broadcast(S, C3));
            DoubleVector r2 = rh.mul(rh);
            DoubleVector r2e = rh.fma(rh, r2.mul(-1.0));
            DoubleVector h = r2.mul(0.5);
            DoubleVector tail = r2.mul(rh).mul(q);
            DoubleVector s1 = rh.add(1.0);
            DoubleVector e1 = one.sub(s1).add(rh);
            DoubleVector s2 = s1.add(h);
            DoubleVector e2 = s1.sub(s2).add(h);
            DoubleVector s3 = s2.add(tail);
            DoubleVector e3 = s2.sub(s3).add(tail);
            DoubleVector pl = s3.fma(rl.mul(0.5).fma(rl, rl), e1.add(e2).add(e3).add(r2e.mul(0.5)));
            if (fast) {
                DoubleVector sc = t.reinterpretAsLongs().add(FAST_BIAS).lanewise(VectorOperators.LSHL, 52)
                        .reinterpretAsDoubles();
                s3.mul(sc).intoArray(hi, ho + i);
                pl.mul(sc).intoArray(lo, loo + i);
            } else {
                DoubleVector sc = t.reinterpretAsLongs().add(FAST_BIAS + SPLIT_SCALE).lanewise(VectorOperators.LSHL, 52)
                        .reinterpretAsDoubles();
                s3.mul(sc).blend(0.0, zero).intoArray(hi, ho + i);
                pl.mul(sc).blend(0.0, zero).intoArray(lo, loo + i);
            }
        }
    }

    /** The exponent of the scale of the split exps off the fast path (see {@link FloatExp#expSplitInto}). */
    static final int SPLIT_SCALE = 64;

    /**
     * The scalar {@link #expSplitInto} (general path: scaled by {@code 2^SPLIT_SCALE}, the same bits): returns
     * hi, stores lo at {@code lo[li]}.
     */
    static double expSplit(double z, double m, double[] lo, int li) {
        double v = z - m;
        double bb = v - z;
        double dl = (z - (v - bb)) + (-m - bb);
        if (v < LO) {
            lo[li] = 0;
            return 0;
        }
        double t = Math.fma(v, LOG2E, MAGIC);
        double n = t - MAGIC;
        double rh = Math.fma(n, -LN2_A, v);
        double rl = Math.fma(n, -LN2_BC, dl);
        double q = Math.fma(rh, C13, C12);
        q = Math.fma(q, rh, C11);
        q = Math.fma(q, rh, C10);
        q = Math.fma(q, rh, C9);
        q = Math.fma(q, rh, C8);
        q = Math.fma(q, rh, C7);
        q = Math.fma(q, rh, C6);
        q = Math.fma(q, rh, C5);
        q = Math.fma(q, rh, C4);
        q = Math.fma(q, rh, C3);
        double r2 = rh * rh;
        double r2e = Math.fma(rh, rh, r2 * -1.0);
        double h = r2 * 0.5;
        double tail = r2 * rh * q;
        double s1 = rh + 1.0;
        double e1 = (1.0 - s1) + rh;
        double s2 = s1 + h;
        double e2 = (s1 - s2) + h;
        double s3 = s2 + tail;
        double e3 = (s2 - s3) + tail;
        double pl = Math.fma(s3, Math.fma(rl * 0.5, rl, rl), ((e1 + e2) + e3) + r2e * 0.5);
        double sc = Double.longBitsToDouble((Double.doubleToRawLongBits(t) + FAST_BIAS + SPLIT_SCALE) << 52);
        lo[li] = pl * sc;
        return s3 * sc;
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
