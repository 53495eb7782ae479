package org.softmaxspi.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float32, for runs of vectors and, bit for bit the same, for scalars.
 *
 * <p>{@code x} is clamped to [-104, 89] (beyond them the result is 0 or +∞ anyway; NaN stays NaN);
 * {@code n = round(x·log2 e)} by the 1.5·2^23 trick; {@code r = x - n·ln 2} with two FMAs
 * (Cody–Waite, ln 2 split in two floats), |r| ≤ 0.347; {@code e^r = 1 + (r + r²·Q(r))} with Q the
 * Taylor polynomial up to r^8/8! (truncation < 0.1 ulp); then the result is multiplied by
 * {@code 2^n1} and {@code 2^n2}, n1 + n2 = n, both normal powers of two, so only the last product
 * rounds, which gives correctly rounded gradual underflow and overflow to +∞. Worst case under
 * 1 ulp. Only IEEE add/mul/fma, so compiled, interpreted and scalar code agree to the bit.
 */
final class FloatExp {

    static final float LO = -104f;
    static final float HI = 89f;
    static final float LOG2E = 1.44269504088896341f;
    static final float MAGIC = 12582912f; // 1.5 * 2^23
    static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
    static final float LN2_HI = (float) Math.log(2);
    static final float LN2_LO = (float) (Math.log(2) - LN2_HI);
    static final float C2 = 1f / 2;
    static final float C3 = (float) (1.0 / 6);
    static final float C4 = (float) (1.0 / 24);
    static final float C5 = (float) (1.0 / 120);
    static final float C6 = (float) (1.0 / 720);
    static final float C7 = (float) (1.0 / 5040);
    static final float C8 = (float) (1.0 / 40320);

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FloatExp() {
    }

    /**
     * {@code out[oo + i] = e^(x[xo + i] - m)} for {@code i = 0, step, 2·step, ... < len}, a vector
     * (L consecutive entries) at each i: {@code step = L} for a contiguous run of whole vectors,
     * the row stride for columns. {@code fast} when every {@code x - m} is in [FAST_LO, 88] (the
     * caller checks): then no clamps and one scaling by 2^n, which gives the same bits, because in
     * that range p·2^n1·2^n2 and p·2^n are both exact products.
     *
     * <p>The vector exp is written out here only, in both forms, never called from a loop: C2 (JDK
     * 17) sometimes declines to inline a call this size ("callee is too large", node-count cutoff)
     * and then boxes every vector (float64 softmax ran 5× slower). Both forms sit in this one method
     * so that its bytecode is larger than FreqInlineSize (325): C2 then never inlines it into a
     * caller either, which had made some compilations 3× slower than others (JMH, bimodal). It takes
     * {@code m} as a scalar: a vector argument of a call that is not inlined is boxed (allocated) on
     * every call, a fixed cost that showed on short rows.
     */
    static void expInto(float[] x, int xo, int step, int len, float mScalar, float[] out, int oo, boolean fast) {
        FloatVector m = FloatVector.broadcast(S, mScalar);
        if (fast) {
            for (int i = 0; i < len; i += step) {
                FloatVector v = FloatVector.fromArray(S, x, xo + i).sub(m);
                FloatVector t = v.fma(LOG2E, MAGIC);
                FloatVector n = t.sub(MAGIC);
                FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), v);
                r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
                FloatVector q = r.fma(C8, C7)
                        .fma(r, FloatVector.broadcast(S, C6))
                        .fma(r, FloatVector.broadcast(S, C5))
                        .fma(r, FloatVector.broadcast(S, C4))
                        .fma(r, FloatVector.broadcast(S, C3))
                        .fma(r, FloatVector.broadcast(S, C2));
                FloatVector p = r.mul(r).fma(q, r).add(1f);
                FloatVector s = t.reinterpretAsInts().add(FAST_BIAS).lanewise(VectorOperators.LSHL, 23)
                        .reinterpretAsFloats();
                p.mul(s).intoArray(out, oo + i);
            }
            return;
        }
        for (int i = 0; i < len; i += step) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).sub(m);
            // below LO (and -inf: masked or absent classes) e^v rounds to 0: computed as e^0 and zeroed at the end,
            // since clamping to LO made every such lane underflow through subnormals, a microcode assist per lane
            // (a row with 10% -inf entries took 6x as long)
            VectorMask<Float> zero = v.lt(LO);
            v = v.blend(0f, zero);
            v = v.blend(HI, v.lt(HI).not().and(v.eq(v)));
            FloatVector t = v.fma(LOG2E, MAGIC);
            FloatVector n = t.sub(MAGIC);
            FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), v);
            r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector q = r.fma(C8, C7)
                    .fma(r, FloatVector.broadcast(S, C6))
                    .fma(r, FloatVector.broadcast(S, C5))
                    .fma(r, FloatVector.broadcast(S, C4))
                    .fma(r, FloatVector.broadcast(S, C3))
                    .fma(r, FloatVector.broadcast(S, C2));
            FloatVector p = r.mul(r).fma(q, r).add(1f);
            IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
            IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
            IntVector n2 = ni.sub(n1);
            FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(s1).mul(s2).blend(0f, zero).intoArray(out, oo + i);
        }
    }

    // ln 2 in two parts for the split exp: A has 16 significant bits, so n·A is an exact float for |n| <= 2^8
    // and d - n·A is exact; A + BC is ln 2 within 2^-44
    static final float LN2_A = 0x1.62e4p-1f;
    static final float LN2_BC = 0x1.7f7d1cp-20f;

    /**
     * {@code e^(x - m)} as an unevaluated sum {@code hi + lo} within about 2^-29 of its value (relative), for the
     * correctly rounded softmax: {@code hi[ho + i]} and {@code lo[loo + i]} for {@code i = 0, step, ... < len},
     * a vector at each i, as {@link #expInto}. {@code x - m} is split exactly into {@code d + dl} (TwoSum);
     * {@code n = round(d·log2 e)}; {@code r = d - n·ln 2 + dl} as {@code rh + rl}, {@code rh = d - n·A} exact,
     * {@code rl = dl - n·BC} (one FMA; |rl| < 2^-12); {@code e^rh = 1 + rh + rh²/2 + rh³·Q(rh)} (Taylor to
     * rh^8/8!, truncation under 2^-32) summed by Fast2Sum into {@code hi + lo}, times
     * {@code 1 + rl + rl²/2}; then both parts times
     * {@code 2^n} on the fast path, and off it times {@code 2^(n + SPLIT_SCALE)}, which keeps every exp down to
     * {@code e^LO} a normal number (the caller divides the scale out of the sum's reciprocal, so a subnormal
     * result is rounded once). Requires {@code x - m <= 0}: entries below {@link #LO} (and {@code -∞}) give 0
     * and 0; a NaN gives NaN.
     */
    static void expSplitInto(float[] x, int xo, int step, int len, float mScalar, float[] hi, int ho, float[] lo,
                             int loo, boolean fast) {
        FloatVector m = FloatVector.broadcast(S, mScalar);
        FloatVector nm = FloatVector.broadcast(S, -mScalar);
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = 0; i < len; i += step) {
            FloatVector z = FloatVector.fromArray(S, x, xo + i);
            FloatVector v = z.sub(m);
            FloatVector bb = v.sub(z);
            FloatVector dl = z.sub(v.sub(bb)).add(nm.sub(bb));
            VectorMask<Float> zero = v.lt(LO);
            v = v.blend(0f, zero);
            dl = dl.blend(0f, zero);
            FloatVector t = v.fma(LOG2E, MAGIC);
            FloatVector n = t.sub(MAGIC);
            FloatVector rh = n.fma(FloatVector.broadcast(S, -LN2_A), v);
            FloatVector rl = n.fma(FloatVector.broadcast(S, -LN2_BC), dl);
            FloatVector q = rh.fma(C8, C7)
                    .fma(rh, FloatVector.broadcast(S, C6))
                    .fma(rh, FloatVector.broadcast(S, C5))
                    .fma(rh, FloatVector.broadcast(S, C4))
                    .fma(rh, FloatVector.broadcast(S, C3));
            FloatVector r2 = rh.mul(rh);
            FloatVector r2e = rh.fma(rh, r2.mul(-1f));
            FloatVector h = r2.mul(0.5f);
            FloatVector tail = r2.mul(rh).mul(q);
            FloatVector s1 = rh.add(1f);
            FloatVector e1 = one.sub(s1).add(rh);
            FloatVector s2 = s1.add(h);
            FloatVector e2 = s1.sub(s2).add(h);
            FloatVector s3 = s2.add(tail);
            FloatVector e3 = s2.sub(s3).add(tail);
            FloatVector pl = s3.fma(rl.mul(0.5f).fma(rl, rl), e1.add(e2).add(e3).add(r2e.mul(0.5f)));
            if (fast) {
                FloatVector sc = t.reinterpretAsInts().add(FAST_BIAS).lanewise(VectorOperators.LSHL, 23)
                        .reinterpretAsFloats();
                s3.mul(sc).intoArray(hi, ho + i);
                pl.mul(sc).intoArray(lo, loo + i);
            } else {
                FloatVector sc = t.reinterpretAsInts().add(FAST_BIAS + SPLIT_SCALE).lanewise(VectorOperators.LSHL, 23)
                        .reinterpretAsFloats();
                s3.mul(sc).blend(0f, zero).intoArray(hi, ho + i);
                pl.mul(sc).blend(0f, zero).intoArray(lo, loo + i);
            }
        }
    }

    /** The exponent of the scale of the split exps off the fast path (see {@link #expSplitInto}). */
    static final int SPLIT_SCALE = 64;

    /**
     * The scalar {@link #expSplitInto} (general path: scaled by {@code 2^SPLIT_SCALE}, the same bits): returns
     * hi, stores lo at {@code lo[li]}.
     */
    static float expSplit(float z, float m, float[] lo, int li) {
        float v = z - m;
        float bb = v - z;
        float dl = (z - (v - bb)) + (-m - bb);
        if (v < LO) {
            lo[li] = 0;
            return 0;
        }
        float t = Math.fma(v, LOG2E, MAGIC);
        float n = t - MAGIC;
        float rh = Math.fma(n, -LN2_A, v);
        float rl = Math.fma(n, -LN2_BC, dl);
        float q = Math.fma(rh, C8, C7);
        q = Math.fma(q, rh, C6);
        q = Math.fma(q, rh, C5);
        q = Math.fma(q, rh, C4);
        q = Math.fma(q, rh, C3);
        float r2 = rh * rh;
        float r2e = Math.fma(rh, rh, r2 * -1f);
        float h = r2 * 0.5f;
        float tail = r2 * rh * q;
        float s1 = rh + 1f;
        float e1 = (1f - s1) + rh;
        float s2 = s1 + h;
        float e2 = (s1 - s2) + h;
        float s3 = s2 + tail;
        float e3 = (s2 - s3) + tail;
        float pl = Math.fma(s3, Math.fma(rl * 0.5f, rl, rl), ((e1 + e2) + e3) + r2e * 0.5f);
        float sc = Float.intBitsToFloat((Float.floatToRawIntBits(t) + FAST_BIAS + SPLIT_SCALE) << 23);
        lo[li] = pl * sc;
        return s3 * sc;
    }

    /** Lower end of the fast path's domain: for x >= FAST_LO, n >= -125 and e^x is a normal float. */
    static final float FAST_LO = -86f;
    static final int FAST_BIAS = 127 - MAGIC_BITS;


    static float exp(float x) {
        if (x < LO) {
            x = LO;
        } else if (x >= HI) {
            x = HI;
        }
        float t = Math.fma(x, LOG2E, MAGIC);
        float n = t - MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float q = Math.fma(r, C8, C7);
        q = Math.fma(q, r, C6);
        q = Math.fma(q, r, C5);
        q = Math.fma(q, r, C4);
        q = Math.fma(q, r, C3);
        q = Math.fma(q, r, C2);
        float p = Math.fma(r * r, q, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - MAGIC_BITS;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        float s1 = Float.intBitsToFloat((n1 + 127) << 23);
        float s2 = Float.intBitsToFloat((n2 + 127) << 23);
        return p * s1 * s2;
    }
}
