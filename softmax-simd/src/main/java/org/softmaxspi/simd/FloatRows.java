package org.softmaxspi.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 work of {@link SimdKernel}, one row (slice) at a time.
 *
 * <p>Contiguous rows ({@code k >= L}, L the lanes of the preferred species) are processed in whole
 * vectors; the tail is one more vector ending at the row's end, overlapping the previous one (the
 * shared lanes get the same bits again; sums take the tail's new lanes only). Rows shorter than L run the same
 * arithmetic in scalar code. Along an axis that is not the last ({@code inner >= L}) the backward
 * sweeps and cross-entropy's softmax sweep read contiguous row segments, with vectors across the
 * inner dimension (one slice per lane) and per-column sums kept in arrays.
 *
 * <p>Every row is always computed by the same code in the same order, whichever thread runs it and
 * however the rows are split, so results are bit-for-bit reproducible.
 *
 * <p>For maintainers (all measured on JDK 17 C2; each one cost 2-15×): inside a vector loop, call
 * nothing but the Vector API itself (its methods are force-inlined; a helper of our own may be left
 * as a call, and then every vector is boxed), so blends are written out and the vector exp exists
 * only as the loop {@link FloatExp#expInto}; do not put a vector exp
 * and a compensated sum in the same loop; use {@code mul(-1)}, not {@code neg()}, which is not
 * intrinsified for 512-bit doubles; never {@code reduceLanes(ADD)} on floating point (its order is
 * unspecified); use the preferred species only, never a second species of the same element type (C2
 * inlines Vector API calls by their type profile, which a second species pollutes; then the long-row
 * kernels ran as Java code, 4.5× slower). {@code DoubleRows} and {@code DoubleOps} are generated from this file and
 * {@code FloatOps} by {@code softmax-simd/generate-double.sh}: edit the float files, then run it.
 */
final class FloatRows {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private static final float POS_INF = Float.POSITIVE_INFINITY;
    private static final float NAN = Float.NaN;
    private static final float ZERO = 0;
    private static final float ONE = 1;

    private static final FloatVector IOTA;

    static {
        float[] iota = new float[L];
        for (int i = 0; i < L; i++) {
            iota[i] = i;
        }
        IOTA = FloatVector.fromArray(S, iota, 0);
        if (L > 32 || Integer.bitCount(L) != 1) {
            throw new IllegalStateException("unsupported vector length " + L);
        }
    }

    private FloatRows() {
    }

    /** Lanes {@code < L - tail}: those a tail vector ending at the row's end shares with the previous vector. */
    private static VectorMask<Float> head(int tail) {
        return IOTA.lt((float) (L - tail));
    }

    // ------------------------------------------------------------------ lane folds

    /**
     * The sum of {@code t[0 .. 2L)} (the lanes of a compensated (hi, lo) pair, stored by the caller),
     * in double, in a fixed order: the hi lanes by two interleaved Neumaier sums (even and odd lanes,
     * so that two dependency chains run side by side), the lo lanes, which are rounding errors,
     * plainly. It takes an array, not the vectors: a method with vector parameters that C2 does not
     * inline gets boxed vectors of unknown species, and runs the Vector API's Java fallback
     * (measured: a tenth of a 1000-float row's time).
     */
    private static double foldSum(float[] t) {
        double s0 = 0;
        double s1 = 0;
        double c0 = 0;
        double c1 = 0;
        for (int i = 0; i < L; i += 2) {
            double v = t[i];
            double u = s0 + v;
            c0 += Math.abs(s0) >= Math.abs(v) ? (s0 - u) + v : (v - u) + s0;
            s0 = u;
            double w = t[i + 1];
            double x = s1 + w;
            c1 += Math.abs(s1) >= Math.abs(w) ? (s1 - x) + w : (w - x) + s1;
            s1 = x;
        }
        double lo = 0;
        for (int i = L; i < 2 * L; i++) {
            lo += t[i];
        }
        double s = s0 + s1;
        double c = Math.abs(s0) >= Math.abs(s1) ? (s0 - s) + s1 : (s1 - s) + s0;
        return s + (c + c0 + c1 + lo);
    }

    // ------------------------------------------------------------------ contiguous rows, k >= L

    /**
     * max and min of z[zo .. zo+k), k >= L, into mm[0] and mm[1]. A NaN entry may or may not
     * reach mm[0] (if not, it makes the row's sum NaN); the min only decides whether the fast exp
     * applies.
     */
    static void maxMin(float[] z, int zo, int k, float[] mm) {
        FloatVector a = FloatVector.fromArray(S, z, zo);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        int i = L;
        for (; i <= k - 2 * L; i += 2 * L) {
            FloatVector v = FloatVector.fromArray(S, z, zo + i);
            FloatVector w = FloatVector.fromArray(S, z, zo + i + L);
            a = a.blend(v, a.lt(v));
            b = b.blend(v, v.lt(b));
            c = c.blend(w, c.lt(w));
            d = d.blend(w, w.lt(d));
        }
        if (i < k) {
            FloatVector v = FloatVector.fromArray(S, z, zo + Math.min(i, k - L));
            FloatVector w = FloatVector.fromArray(S, z, zo + k - L);
            a = a.blend(v, a.lt(v));
            b = b.blend(v, v.lt(b));
            c = c.blend(w, c.lt(w));
            d = d.blend(w, w.lt(d));
        }
        // a NaN lane gives NaN, which makes the row a NaN row, as its NaN entry would anyway
        mm[0] = a.blend(c, a.lt(c)).reduceLanes(VectorOperators.MAX);
        mm[1] = b.blend(d, d.lt(b)).reduceLanes(VectorOperators.MIN);
    }

    /**
     * S = Σ e^(z - m) over z[zo .. zo+k), k >= L; also stores every e^(z - m) at out[oo ..].
     * {@code fast} when every z - m is >= FloatExp.FAST_LO (and <= 0): then the one-scaling exp,
     * which gives the same bits as the general one, serves. {@code out} must not overlap {@code z}.
     *
     * <p>The exps are stored by one loop ({@link FloatExp#expInto}) and summed by a second pass over
     * the stored values (still in cache): C2 (JDK 17) compiled a loop holding both a vector exp and
     * a compensated sum 1.5-3x slower than the two loops together (measured).
     */
    static double expSum(float[] z, int zo, float[] out, int oo, int k, float m, boolean fast) {
        FloatExp.expInto(z, zo, L, k - k % L, m, out, oo, fast);
        if (k % L != 0) {
            // the last entries by one more vector ending at the row's end (the lanes it shares
            // with the previous vector get the same bits again)
            FloatExp.expInto(z, zo + k - L, L, 1, m, out, oo + k - L, fast);
        }
        return sumStored(out, oo, k);
    }

    /**
     * The sum of the stored exps out[oo .. oo+k), k >= L. Blocks of 4 vectors are summed per lane
     * in plain float (3 roundings per lane and block); each block sum is added by TwoSum into
     * (hi, lo); the last {@code k % L} entries are added in double.
     */
    private static double sumStored(float[] out, int oo, int k) {
        FloatVector hi = FloatVector.zero(S);
        FloatVector lo = hi;
        int whole = k - k % L;
        int i = 0;
        for (; i <= whole - 4 * L; i += 4 * L) {
            FloatVector blk = FloatVector.fromArray(S, out, oo + i)
                    .add(FloatVector.fromArray(S, out, oo + i + L))
                    .add(FloatVector.fromArray(S, out, oo + i + 2 * L))
                    .add(FloatVector.fromArray(S, out, oo + i + 3 * L));
            FloatVector s = hi.add(blk);
            FloatVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        if (i < whole) {
            FloatVector blk = FloatVector.fromArray(S, out, oo + i);
            for (i += L; i < whole; i += L) {
                blk = blk.add(FloatVector.fromArray(S, out, oo + i));
            }
            FloatVector s = hi.add(blk);
            FloatVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        float[] lanes = new float[2 * L];
        hi.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        double tail = 0;
        for (i = whole; i < k; i++) {
            tail += out[oo + i];
        }
        return foldSum(lanes) + tail;
    }

    /** out[oo .. oo+k) *= c, k >= L. */
    static void scale(float[] out, int oo, int k, float c) {
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector.fromArray(S, out, oo + i).mul(c).intoArray(out, oo + i);
        }
        if (i < k) {
            FloatVector v = FloatVector.fromArray(S, out, oo + k - L);
            v.mul(c).blend(v, head(k - i)).intoArray(out, oo + k - L);
        }
    }

    static void fill(float[] out, int oo, int k, float v) {
        java.util.Arrays.fill(out, oo, oo + k, v);
    }

    static boolean nanRow(float m) {
        return !(m > NEG_INF && m < POS_INF);
    }

    /**
     * Softmax of one contiguous row, correctly rounded in practice: each {@code e^(z - m)} as {@code hi + lo}
     * ({@link FloatExp#expSplitInto}: hi into out, lo into this thread's {@link #low} room), their sum by
     * TwoSum per lane, folded in double, and {@code y = hi·R + lo·R} with one final rounding
     * ({@link #scaleSplit}); see the README's accuracy section for the error budget. With {@code zl} (else null)
     * the logits are the pairs {@code z + zl} (a temperature's {@code (z - m)/T} to twice the dtype's precision,
     * see {@link #addLowParts}), read at the same offset.
     */
    static void softmax(float[] z, float[] zl, int zo, float[] out, int oo, int k) {
        if (k < L) {
            softmaxShort(z, zl, zo, out, oo, k);
            return;
        }
        float[] mm = new float[2];
        maxMin(z, zo, k, mm);
        float m = mm[0];
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        float[] lo = low(k);
        boolean fast = mm[1] - m >= FloatExp.FAST_LO;
        double[] s1 = new double[2];
        expSumSplit(z, zl, zo, out, oo, lo, 0, k, m, fast, -1, s1);
        float[] r = new float[2];
        reciprocal(s1, fast, r);
        scaleSplit(out, oo, lo, 0, k, r[0], r[1]);
    }

    /**
     * Log-softmax of one contiguous row: {@code (z - m) - log S}, with {@code z - m} split exactly, {@code log S}
     * from {@code S - 1} ({@link #logOnePlus}: the dominant class keeps its relative accuracy) and one final
     * rounding ({@link #subtractSplit}); {@code zl} as for {@link #softmax}.
     */
    static void logSoftmax(float[] z, float[] zl, int zo, float[] out, int oo, int k) {
        if (k < L) {
            logSoftmaxShort(z, zl, zo, out, oo, k);
            return;
        }
        float[] mm = new float[2];
        maxMin(z, zo, k, mm);
        float m = mm[0];
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double[] s1 = new double[2];
        expSumSplit(z, zl, zo, out, oo, low(k), 0, k, m, mm[1] - m >= FloatExp.FAST_LO, -1, s1);
        float[] ls = new float[2];
        logOnePlus(s1, ls);
        subtractSplit(z, zl, zo, out, oo, k, m, ls[0], ls[1]);
    }

    // ------------------------------------------------------------------ split exps (correctly rounded rows)

    /** The most entries of {@link #low} a thread keeps between calls (larger rooms are dropped after use). */
    private static final int LOW_KEPT = 1 << 20;

    private static final ThreadLocal<float[][]> LOW = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    /** Room for at least {@code k} low parts of exps: this thread's, kept when at most {@link #LOW_KEPT} entries. */
    static float[] low(int k) {
        float[][] room = LOW.get();
        if (room[0].length >= k) {
            return room[0];
        }
        float[] a = new float[k];
        if (k <= LOW_KEPT) {
            room[0] = a;
        }
        return a;
    }

    /**
     * Stores {@code e^(z - m) = out + lo} over k >= L entries and sets {@code sum[0] + sum[1]} to
     * {@code start + S} (S the sum of the exps), a double-double: {@code start = -1} for a row (or segment) holding its maximum, so that a sum just above
     * 1 keeps the digits of its excess; {@code fast} as for {@link #expSum}. Off the fast path the stored exps
     * are scaled by {@link #splitScale}; the sum is not. With {@code zl} (else null) the exps are of
     * {@code z + zl - m} ({@link #addLowParts}).
     */
    static void expSumSplit(float[] z, float[] zl, int zo, float[] out, int oo, float[] lo, int lo0, int k, float m,
                            boolean fast, double start, double[] sum) {
        FloatExp.expSplitInto(z, zo, L, k - k % L, m, out, oo, lo, lo0, fast);
        if (k % L != 0) {
            FloatExp.expSplitInto(z, zo + k - L, L, 1, m, out, oo + k - L, lo, lo0 + k - L, fast);
        }
        if (zl != null) {
            addLowParts(out, oo, lo, lo0, zl, zo, k);
        }
        double scale = splitScale(fast);
        sumSplit(out, oo, lo, lo0, k, start * scale, (float) scale, sum);
        sum[0] /= scale;
        sum[1] /= scale;
    }

    /**
     * {@code e^(x + xl) = (hi + lo)·(1 + xl)} for the low parts {@code xl} of the logits, over k entries:
     * {@code lo += hi·xl}. A low part is at most half an ulp of {@code x} (2^-18 for a float32 x above e's
     * underflow, 2^-44 for float64), so the dropped {@code xl²/2} and {@code lo·xl} stay under 2^-36 (2^-88) of
     * the exp. Each entry once (a scalar tail, not an overlapping vector).
     */
    private static void addLowParts(float[] hi, int ho, float[] lo, int lo0, float[] xl, int xo, int k) {
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector.fromArray(S, hi, ho + i).fma(FloatVector.fromArray(S, xl, xo + i),
                    FloatVector.fromArray(S, lo, lo0 + i)).intoArray(lo, lo0 + i);
        }
        for (; i < k; i++) {
            lo[lo0 + i] = Math.fma(hi[ho + i], xl[xo + i], lo[lo0 + i]);
        }
    }

    /** Vectors between renormalizations of the per-lane (sum, error) pairs of {@link #sumSplit}. */
    private static final int RENORMALIZE = 64;

    /**
     * {@code start + Σ (hi + lo)} over k >= L entries, as a double-double into {@code sum}: two interleaved per-lane sums of the hi parts by
     * TwoSum, whose errors and the lo parts go into a per-lane error term, renormalized (Fast2Sum) every
     * {@value #RENORMALIZE} vectors so that the error terms' own rounding stays below 2^-40 of the sum; the two
     * sums joined by TwoSum, then the lanes, the error terms and the last {@code k % L} entries folded by
     * {@link #foldFrom}. (Accumulators that start at a bound of the terms would allow Fast2Sum, three operations
     * instead of six, but then every term smaller than their last bit goes whole into the error term, a plain
     * float sum: 1.57 ulps on the suite's long-row trap.) The hi parts equal to {@code unit} (the exps of the
     * maxima, 1 times the scale) are counted apart and added to {@code start} first ({@link #foldFrom} does the same for
     * the tail): with start = -1 they cancel
     * exactly, so that a sum of the others far below an ulp of 1 keeps its own digits instead of going into the
     * error term of the lane that holds the 1 (1.15 ulps on a float64 log-probability of -8.4e-207).
     */
    private static void sumSplit(float[] hi, int ho, float[] lo, int lo0, int k, double start, float unit,
                                 double[] sum) {
        FloatVector a = FloatVector.zero(S);
        FloatVector ae = a;
        FloatVector b = a;
        FloatVector be = a;
        FloatVector ones = a;
        int whole = k - k % L;
        int i = 0;
        while (i < whole) {
            int end = Math.min(whole, i + RENORMALIZE * L);
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector xa = FloatVector.fromArray(S, hi, ho + i);
                FloatVector x = xa.blend(ZERO, xa.eq(unit));
                FloatVector ya = FloatVector.fromArray(S, hi, ho + i + L);
                FloatVector y = ya.blend(ZERO, ya.eq(unit));
                ones = ones.add(xa.sub(x)).add(ya.sub(y));
                FloatVector s = a.add(x);
                FloatVector bb = s.sub(a);
                ae = ae.add(a.sub(s.sub(bb)).add(x.sub(bb))).add(FloatVector.fromArray(S, lo, lo0 + i));
                a = s;
                FloatVector t = b.add(y);
                FloatVector cc = t.sub(b);
                be = be.add(b.sub(t.sub(cc)).add(y.sub(cc))).add(FloatVector.fromArray(S, lo, lo0 + i + L));
                b = t;
            }
            if (i < end) {
                FloatVector xa = FloatVector.fromArray(S, hi, ho + i);
                FloatVector x = xa.blend(ZERO, xa.eq(unit));
                ones = ones.add(xa.sub(x));
                FloatVector s = a.add(x);
                FloatVector bb = s.sub(a);
                ae = ae.add(a.sub(s.sub(bb)).add(x.sub(bb))).add(FloatVector.fromArray(S, lo, lo0 + i));
                a = s;
                i += L;
            }
            FloatVector s = a.add(ae);
            ae = ae.sub(s.sub(a));
            a = s;
            FloatVector t = b.add(be);
            be = be.sub(t.sub(b));
            b = t;
        }
        FloatVector s = a.add(b);
        FloatVector bb = s.sub(a);
        FloatVector e = a.sub(s.sub(bb)).add(b.sub(bb)).add(ae).add(be);
        int tail = k - whole;
        float[] lanes = new float[2 * L + 2 * tail];
        ones.intoArray(lanes, 0);
        double units = start;
        for (int j = 0; j < L; j++) {
            units += lanes[j]; // exact: counts of units
        }
        s.intoArray(lanes, 0);
        e.intoArray(lanes, L);
        System.arraycopy(hi, ho + whole, lanes, 2 * L, tail);
        System.arraycopy(lo, lo0 + whole, lanes, 2 * L + tail, tail);
        foldFrom(units, lanes, lanes.length, unit, sum);
    }

    /**
     * {@code start + Σ t[0 .. n)}, compensated (TwoSum), as a double-double into {@code sum} (normalized:
     * {@code sum[1]} is below half an ulp of {@code sum[0]}): the entries equal to {@code unit} (the exps of the
     * maxima) first, exactly, then the others in index order. The TwoSum errors go into a plain sum, which keeps
     * no digits far below an ulp of the running sum; adding the units first lets start = -1 cancel before the
     * small terms come. (A full double-double addition per term keeps them in any order but made a 1×10 float32
     * softmax 1.6× slower.)
     */
    private static void foldFrom(double start, float[] t, int n, float unit, double[] sum) {
        double s = start;
        for (int i = 0; i < n; i++) {
            s += t[i] == unit ? unit : 0; // exact: a count of units
        }
        double c = 0;
        for (int i = 0; i < n; i++) {
            double v = t[i] == unit ? 0 : t[i];
            double u = s + v;
            double bb = u - s;
            c += (s - (u - bb)) + (v - bb);
            s = u;
        }
        double h = s + c;
        sum[0] = h;
        sum[1] = c - (h - s);
    }

    /**
     * The reciprocal of {@code S = 1 + s1[0] + s1[1]} (a double-double) times {@code 2^64 / splitScale(fast)},
     * as two dtype numbers {@code r[0] + r[1]} for {@link #scaleSplit}: {@code 1/S} in double, corrected by
     * one Newton step in double-double (so that float64 results too are rounded once from within 2^-100).
     */
    static void reciprocal(double[] s1, boolean fast, float[] r) {
        double sh = 1 + s1[0];
        double bb = sh - 1;
        double sl = ((1 - (sh - bb)) + (s1[0] - bb)) + s1[1];
        double f = Math.scalb(1.0, 64) / splitScale(fast);
        double rh = 1 / sh;
        double rl = (Math.fma(-sh, rh, 1) - sl * rh) / sh * f;
        rh *= f;
        float h = (float) rh;
        r[0] = h;
        r[1] = (float) ((rh - h) + rl);
    }

    /**
     * {@code log S = log1p(s1[0] + s1[1])} as two dtype numbers {@code ls[0] + ls[1]}: {@code x = log1p(s1[0])}
     * in double, then one Newton step {@code x + (S - e^x)/e^x} with {@code e^x} from the float64 split exp
     * (within 2^-57) and {@code S - e^x} formed exactly (both are near S), so that float64 log-probabilities
     * too are rounded once. {@code S - 1} rather than S keeps the digits of a sum just above 1. Below
     * {@link #SERIES} the split exp's low part, which then carries all of {@code e^x - 1}, is only as good as
     * one double (a few roundings of x itself); there {@code log1p(s) = s - s²/2 + s³/3} is exact to 2^-90 of
     * itself and is used instead.
     */
    static void logOnePlus(double[] s1, float[] ls) {
        double x;
        double xl;
        if (s1[0] < SERIES) {
            double s = s1[0];
            x = s;
            xl = s1[1] + s * s * (s * (1.0 / 3) - 0.5);
        } else {
            x = Math.log1p(s1[0]);
            double[] lo = new double[1];
            double down = Math.scalb(1.0, -DoubleExp.SPLIT_SCALE);
            double eh = DoubleExp.expSplit(x, 0, lo, 0) * down;
            double el = lo[0] * down;
            double d = ((1 - eh) + s1[0]) + (s1[1] - el);
            xl = d / eh;
        }
        float h = (float) x;
        ls[0] = h;
        ls[1] = (float) ((x - h) + xl);
    }

    /** Where {@link #logOnePlus} takes the series instead of the Newton step through the exp. */
    private static final double SERIES = 0x1p-30;

    /** The double-double sum of the pairs {@code p[2i] + p[2i + 1]} into {@code sum}. */
    static void sumPairs(double[] p, double[] sum) {
        double s = 0;
        double c = 0;
        for (double v : p) {
            double u = s + v;
            double bb = u - s;
            c += (s - (u - bb)) + (v - bb);
            s = u;
        }
        double h = s + c;
        sum[0] = h;
        sum[1] = c - (h - s);
    }

    /** The factor of the stored split exps: 1 on the fast path, else {@code 2^SPLIT_SCALE}. */
    static double splitScale(boolean fast) {
        return fast ? 1 : Math.scalb(1.0, FloatExp.SPLIT_SCALE);
    }

    /**
     * {@code 2^-64}: the results of {@link #scaleSplit} are formed times 2^64 and scaled back by this, so that
     * for a subnormal result the correction terms stay normal: then the result is rounded to 24 (53) bits and
     * once more to the subnormal grid, within 0.75 ulp, instead of losing the corrections (1.5 ulps).
     */
    private static final float RESULT_DOWN = 0x1p-64f;

    /**
     * {@code out = (out + lo)·R} over k >= L entries, {@code R = rh + rl} from {@link #reciprocal} (times 2^64,
     * see {@link #RESULT_DOWN}), with one rounding per normal entry: {@code fma(hi, rh, lo·rh + hi·rl)·2^-64}.
     */
    static void scaleSplit(float[] out, int oo, float[] lo, int lo0, int k, float rh, float rl) {
        FloatVector vh = FloatVector.broadcast(S, rh);
        FloatVector vl = FloatVector.broadcast(S, rl);
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector h = FloatVector.fromArray(S, out, oo + i);
            FloatVector c = FloatVector.fromArray(S, lo, lo0 + i).fma(vh, h.mul(vl));
            h.fma(vh, c).mul(RESULT_DOWN).intoArray(out, oo + i);
        }
        if (i < k) {
            FloatVector h = FloatVector.fromArray(S, out, oo + k - L);
            FloatVector c = FloatVector.fromArray(S, lo, lo0 + k - L).fma(vh, h.mul(vl));
            h.fma(vh, c).mul(RESULT_DOWN).blend(h, head(k - i)).intoArray(out, oo + k - L);
        }
    }

    /**
     * {@code out = (z - m) - (lsh + lsl)} over k >= L entries with one rounding per entry: {@code z - m} and
     * {@code (z - m) - lsh} by TwoSum, their errors added before the last addition; {@code -∞} stays {@code -∞}
     * unless the row is NaN (a NaN {@code lsh}). With {@code zl} (else null), of {@code z + zl} and m = 0
     * ({@link #subtractPairs}).
     */
    static void subtractSplit(float[] z, float[] zl, int zo, float[] out, int oo, int k, float m, float lsh,
                              float lsl) {
        if (Float.isNaN(lsh)) {
            // a NaN entry that the max did not see made the sum NaN: the whole row is NaN, -∞ entries too
            fill(out, oo, k, NAN);
            return;
        }
        if (zl != null) {
            subtractPairs(z, zl, zo, out, oo, k, lsh, lsl);
            return;
        }
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector nm = FloatVector.broadcast(S, -m);
        FloatVector vh = FloatVector.broadcast(S, lsh);
        FloatVector nh = FloatVector.broadcast(S, -lsh);
        FloatVector vl = FloatVector.broadcast(S, lsl);
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector x = FloatVector.fromArray(S, z, zo + i);
            FloatVector v = x.sub(vm);
            FloatVector bb = v.sub(x);
            FloatVector dl = x.sub(v.sub(bb)).add(nm.sub(bb));
            FloatVector d = v.sub(vh);
            FloatVector cc = d.sub(v);
            FloatVector de = v.sub(d.sub(cc)).add(nh.sub(cc));
            d.add(de.add(dl.sub(vl))).blend(v, v.eq(NEG_INF)).intoArray(out, oo + i);
        }
        if (i < k) {
            // one more vector ending at the row's end (the lanes it shares with the previous one get the same bits)
            FloatVector x = FloatVector.fromArray(S, z, zo + k - L);
            FloatVector v = x.sub(vm);
            FloatVector bb = v.sub(x);
            FloatVector dl = x.sub(v.sub(bb)).add(nm.sub(bb));
            FloatVector d = v.sub(vh);
            FloatVector cc = d.sub(v);
            FloatVector de = v.sub(d.sub(cc)).add(nh.sub(cc));
            d.add(de.add(dl.sub(vl))).blend(v, v.eq(NEG_INF)).intoArray(out, oo + k - L);
        }
    }

    /**
     * {@code out = (z + zl) - (lsh + lsl)} for logits already shifted by their max (m = 0), one rounding per
     * entry: {@code z - lsh} by TwoSum, its error and {@code zl - lsl} added before the last addition.
     */
    private static void subtractPairs(float[] z, float[] zl, int zo, float[] out, int oo, int k, float lsh,
                                      float lsl) {
        FloatVector vh = FloatVector.broadcast(S, lsh);
        FloatVector nh = FloatVector.broadcast(S, -lsh);
        FloatVector vl = FloatVector.broadcast(S, lsl);
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, z, zo + i);
            FloatVector d = v.sub(vh);
            FloatVector cc = d.sub(v);
            FloatVector de = v.sub(d.sub(cc)).add(nh.sub(cc));
            FloatVector dl = FloatVector.fromArray(S, zl, zo + i).sub(vl);
            d.add(de.add(dl)).blend(v, v.eq(NEG_INF)).intoArray(out, oo + i);
        }
        for (; i < k; i++) {
            float v = z[zo + i];
            float d = v - lsh;
            float cc = d - v;
            float de = (v - (d - cc)) + (-lsh - cc);
            out[oo + i] = v == NEG_INF ? v : d + (de + (zl[zo + i] - lsl));
        }
    }

    /**
     * The K×K Jacobian of one contiguous row of logits ({@code zl} as for {@link #softmax}) into
     * out[jo .. jo + k²): {@code y_i(δ_ij - y_j)}, the diagonal of the largest y as {@code y_i·Σ_{j≠i} y_j}
     * (1 - y_i without its cancellation: every other y is at most 1/2, so 1 - y_j is exact enough as it is).
     */
    static void jacobian(float[] z, float[] zl, int zo, int k, float[] out, int jo) {
        softmax(z, zl, zo, out, jo, k); // y in the block's first row, overwritten last
        int top = 0;
        for (int j = 1; j < k; j++) {
            if (out[jo + j] > out[jo + top]) {
                top = j;
            }
        }
        double others = 0;
        for (int j = 0; j < k; j++) {
            others += j == top ? 0 : out[jo + j];
        }
        float topOthers = (float) others;
        for (int i = k - 1; i >= 0; i--) {
            float yi = out[jo + i];
            float ni = -yi;
            int ro = jo + i * k;
            int j = 0;
            for (; j <= k - L; j += L) {
                FloatVector.fromArray(S, out, jo + j).mul(ni).intoArray(out, ro + j);
            }
            for (; j < k; j++) {
                out[ro + j] = out[jo + j] * ni;
            }
            out[ro + i] = yi * (i == top ? topOthers : ONE - yi);
        }
    }

    /** out = y (g - Σ g y) for one contiguous row; NaN row if y or g holds a non-finite entry. */
    static void backward(float[] y, int yo, float[] g, int go, float[] out, int oo, int k) {
        if (k < L) {
            backwardShort(y, yo, g, go, out, oo, k);
            return;
        }
        FloatVector hi = FloatVector.zero(S);
        FloatVector lo = hi;
        FloatVector bad = hi;
        int i = 0;
        for (; i <= k - 4 * L; i += 4 * L) {
            FloatVector y0 = FloatVector.fromArray(S, y, yo + i);
            FloatVector y1 = FloatVector.fromArray(S, y, yo + i + L);
            FloatVector y2 = FloatVector.fromArray(S, y, yo + i + 2 * L);
            FloatVector y3 = FloatVector.fromArray(S, y, yo + i + 3 * L);
            FloatVector g0 = FloatVector.fromArray(S, g, go + i);
            FloatVector g1 = FloatVector.fromArray(S, g, go + i + L);
            FloatVector g2 = FloatVector.fromArray(S, g, go + i + 2 * L);
            FloatVector g3 = FloatVector.fromArray(S, g, go + i + 3 * L);
            bad = bad.add(y0.sub(y0)).add(y1.sub(y1)).add(y2.sub(y2)).add(y3.sub(y3))
                    .add(g0.sub(g0)).add(g1.sub(g1)).add(g2.sub(g2)).add(g3.sub(g3));
            FloatVector blk = g0.fma(y0, g1.mul(y1)).add(g2.fma(y2, g3.mul(y3)));
            FloatVector s = hi.add(blk);
            FloatVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        FloatVector blk = FloatVector.zero(S);
        for (; i <= k - L; i += L) {
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            bad = bad.add(yv.sub(yv)).add(gv.sub(gv));
            blk = gv.fma(yv, blk);
        }
        if (i < k) {
            FloatVector yv = FloatVector.fromArray(S, y, yo + k - L);
            FloatVector gv = FloatVector.fromArray(S, g, go + k - L);
            bad = bad.add(yv.sub(yv)).add(gv.sub(gv));
            blk = blk.add(gv.mul(yv).blend(ZERO, head(k - i)));
        }
        FloatVector s = hi.add(blk);
        FloatVector bb = s.sub(hi);
        lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
        if (bad.compare(VectorOperators.NE, ZERO).anyTrue()) {
            fill(out, oo, k, NAN);
            return;
        }
        float[] lanes = new float[2 * L];
        s.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        float d = (float) foldSum(lanes);
        for (i = 0; i <= k - L; i += L) {
            FloatVector yv = FloatVector.fromArray(S, y, yo + i);
            yv.mul(FloatVector.fromArray(S, g, go + i).sub(d)).intoArray(out, oo + i);
        }
        if (i < k) {
            FloatVector yv = FloatVector.fromArray(S, y, yo + k - L);
            yv.mul(FloatVector.fromArray(S, g, go + k - L).sub(d)).intoArray(out, oo + k - L);
        }
    }

    /** out = g - e^l Σ g for one contiguous row; NaN row if l has NaN or +∞, or g a non-finite entry. */
    static void logSoftmaxBackward(float[] l, int lo0, float[] g, int go, float[] out, int oo, int k) {
        if (k < L) {
            logSoftmaxBackwardShort(l, lo0, g, go, out, oo, k);
            return;
        }
        FloatVector hi = FloatVector.zero(S);
        FloatVector lo = hi;
        FloatVector bad = hi;
        FloatVector blk = hi;
        int i = 0;
        int n = 0;
        for (; i <= k - L; i += L) {
            FloatVector lv = FloatVector.fromArray(S, l, lo0 + i);
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
            bad = bad.add(lf.sub(lf)).add(gv.sub(gv));
            blk = blk.add(gv);
            if (++n == 4) {
                FloatVector s = hi.add(blk);
                FloatVector bb = s.sub(hi);
                lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
                hi = s;
                blk = FloatVector.zero(S);
                n = 0;
            }
        }
        if (i < k) {
            FloatVector lv = FloatVector.fromArray(S, l, lo0 + k - L);
            FloatVector gv = FloatVector.fromArray(S, g, go + k - L);
            FloatVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
            bad = bad.add(lf.sub(lf)).add(gv.sub(gv));
            blk = blk.add(gv.blend(ZERO, head(k - i)));
        }
        FloatVector s = hi.add(blk);
        FloatVector bb = s.sub(hi);
        lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
        if (bad.compare(VectorOperators.NE, ZERO).anyTrue()) {
            fill(out, oo, k, NAN);
            return;
        }
        float[] lanes = new float[2 * L];
        s.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        float sg = (float) foldSum(lanes);
        lsbWrite(l, lo0, g, go, out, oo, k, -sg);
    }

    /**
     * out = e^l·ns + g over k >= L entries: e^l stored first (the tail by one more vector ending at
     * the row's end), then the products (the row is in cache by then).
     */
    private static void lsbWrite(float[] l, int lo0, float[] g, int go, float[] out, int oo, int k, float ns) {
        int whole = k - k % L;
        FloatExp.expInto(l, lo0, L, whole, ZERO, out, oo, false);
        if (whole < k) {
            FloatExp.expInto(l, lo0 + k - L, L, 1, ZERO, out, oo + k - L, false);
        }
        FloatVector nsg = FloatVector.broadcast(S, ns);
        int i = 0;
        for (; i < whole; i += L) {
            FloatVector.fromArray(S, out, oo + i).fma(nsg, FloatVector.fromArray(S, g, go + i)).intoArray(out, oo + i);
        }
        for (; i < k; i++) {
            out[oo + i] = Math.fma(out[oo + i], ns, g[go + i]);
        }
    }

    /**
     * Cross-entropy of one contiguous row: the row's loss (in double, before rounding), and the
     * gradient (y - t)·scale into grad[go ..]. Exactly one of {@code t} (probability targets at
     * t[to ..]) and {@code label >= 0} is given.
     */
    static double crossEntropy(float[] z, int zo, int k, int label, float[] t, int to, float scale,
                               float[] grad, int go) {
        if (k < L) {
            return crossEntropyShort(z, zo, k, label, t, to, scale, grad, go);
        }
        float[] mm = new float[2];
        maxMin(z, zo, k, mm);
        float m = mm[0];
        if (nanRow(m)) {
            fill(grad, go, k, NAN);
            return Double.NaN;
        }
        double s = expSum(z, zo, grad, go, k, m, mm[1] - m >= FloatExp.FAST_LO);
        double logS = Math.log(s);
        float inv = (float) (1.0 / s);
        if (t == null) {
            float el = grad[go + label];
            scaleGrad(grad, go, k, inv, scale);
            grad[go + label] = (el * inv - ONE) * scale;
            return logS - ((double) z[zo + label] - (double) m);
        }
        double loss = targetLoss(z, zo, t, to, k, m, logS);
        // gradient (e·inv - t)·scale, in place over the stored e
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector.fromArray(S, grad, go + i).mul(inv).sub(FloatVector.fromArray(S, t, to + i)).mul(scale)
                    .intoArray(grad, go + i);
        }
        if (i < k) {
            FloatVector v = FloatVector.fromArray(S, grad, go + k - L);
            v.mul(inv).sub(FloatVector.fromArray(S, t, to + k - L)).mul(scale).blend(v, head(k - i))
                    .intoArray(grad, go + k - L);
        }
        return loss;
    }

    /**
     * Σ over t > 0 of t·(log S - (z - m)), in double, compensated; +∞ when such a z is -∞. A
     * difference z - m that overflows is replaced by t·m - t·z, which does not.
     */
    static double targetLoss(float[] z, int zo, float[] t, int to, int k, float m, double logS) {
        double s = 0;
        double c = 0;
        for (int j = 0; j < k; j++) {
            double tv = t[to + j];
            if (tv != 0) {
                double zv = z[zo + j];
                double d = zv - (double) m;
                double term;
                if (d == Double.NEGATIVE_INFINITY && zv != Double.NEGATIVE_INFINITY) {
                    term = tv * logS + (tv * m - tv * zv);
                } else {
                    term = tv * (logS - d);
                }
                double u = s + term;
                c += Math.abs(s) >= Math.abs(term) ? (s - u) + term : (term - u) + s;
                s = u;
            }
        }
        return Double.isFinite(s) ? s + c : s;
    }

    private static void scaleGrad(float[] grad, int go, int k, float inv, float scale) {
        int i = 0;
        for (; i <= k - L; i += L) {
            FloatVector.fromArray(S, grad, go + i).mul(inv).mul(scale).intoArray(grad, go + i);
        }
        if (i < k) {
            FloatVector v = FloatVector.fromArray(S, grad, go + k - L);
            v.mul(inv).mul(scale).blend(v, head(k - i)).intoArray(grad, go + k - L);
        }
    }

    // ------------------------------------------------------------------ short rows, k < L (scalar)

    private static float maxShort(float[] z, int zo, int k) {
        float m = NEG_INF;
        for (int j = 0; j < k; j++) {
            float v = z[zo + j];
            if (v > m) {
                m = v;
            }
        }
        return m;
    }

    /** {@link #softmax} of k < L entries: the same arithmetic in scalar code. */
    static void softmaxShort(float[] z, float[] zl, int zo, float[] out, int oo, int k) {
        float m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        float[] t = new float[2 * k];
        double[] s1 = new double[2];
        expShortSplit(z, zl, zo, k, m, t, s1);
        float[] r = new float[2];
        reciprocal(s1, false, r);
        float rh = r[0];
        float rl = r[1];
        for (int j = 0; j < k; j++) {
            float h = t[j];
            out[oo + j] = Math.fma(h, rh, Math.fma(t[k + j], rh, h * rl)) * RESULT_DOWN;
        }
    }

    /**
     * The split exps of k < L entries, scaled by {@code splitScale(false)}, hi into t[0 .. k) and lo into
     * t[k .. 2k); sets {@code s1} to S - 1 (not scaled), a double-double; {@code zl} as for {@link #softmax}.
     */
    private static void expShortSplit(float[] z, float[] zl, int zo, int k, float m, float[] t, double[] s1) {
        for (int j = 0; j < k; j++) {
            t[j] = FloatExp.expSplit(z[zo + j], m, t, k + j);
            if (zl != null) {
                t[k + j] = Math.fma(t[j], zl[zo + j], t[k + j]);
            }
        }
        double scale = splitScale(false);
        foldFrom(-scale, t, 2 * k, (float) scale, s1);
        s1[0] /= scale;
        s1[1] /= scale;
    }

    /**
     * Σ e^(z - m) over k < L entries, each also stored at out[oo ..], the sum in double in index
     * order. Scalar: one vector exp of a short row (loaded from the array where it has room, from a
     * padded copy elsewhere) measured no faster on the machine of the benchmark report, and a
     * second, narrower float species (two overlapping half vectors: 2× faster for 10 entries) made
     * JDK 17's C2, which inlines Vector API calls by their type profile, fall back to Java code in
     * the long-row kernels (1×1000 softmax 4.5× slower after a 1×10 warm-up). So the kernels use the
     * preferred species only.
     */
    private static double expShort(float[] z, int zo, float[] out, int oo, int k, float m) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            float e = FloatExp.exp(z[zo + j] - m);
            out[oo + j] = e;
            s += e;
        }
        return s;
    }

    /** {@link #logSoftmax} of k < L entries: the same arithmetic in scalar code. */
    static void logSoftmaxShort(float[] z, float[] zl, int zo, float[] out, int oo, int k) {
        float m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double[] s1 = new double[2];
        expShortSplit(z, zl, zo, k, m, new float[2 * k], s1);
        float[] ls = new float[2];
        logOnePlus(s1, ls);
        float lsh = ls[0];
        float lsl = ls[1];
        if (Float.isNaN(lsh)) {
            fill(out, oo, k, NAN);
            return;
        }
        for (int j = 0; j < k; j++) {
            float x = z[zo + j];
            float v = x - m;
            float bb = v - x;
            float dl = (x - (v - bb)) + (-m - bb) + (zl == null ? 0 : zl[zo + j]);
            float d = v - lsh;
            float cc = d - v;
            float de = (v - (d - cc)) + (-lsh - cc);
            out[oo + j] = v == NEG_INF ? v : d + (de + (dl - lsl));
        }
    }

    static void backwardShort(float[] y, int yo, float[] g, int go, float[] out, int oo, int k) {
        double dot = 0;
        boolean bad = false;
        for (int j = 0; j < k; j++) {
            float yv = y[yo + j];
            float gv = g[go + j];
            bad |= !Float.isFinite(yv) || !Float.isFinite(gv);
            dot = Math.fma((double) gv, (double) yv, dot);
        }
        if (bad) {
            fill(out, oo, k, NAN);
            return;
        }
        float d = (float) dot;
        for (int j = 0; j < k; j++) {
            out[oo + j] = y[yo + j] * (g[go + j] - d);
        }
    }

    static void logSoftmaxBackwardShort(float[] l, int lo0, float[] g, int go, float[] out, int oo, int k) {
        double sum = 0;
        boolean bad = false;
        for (int j = 0; j < k; j++) {
            float lv = l[lo0 + j];
            float gv = g[go + j];
            bad |= Float.isNaN(lv) || lv == POS_INF || !Float.isFinite(gv);
            sum += gv;
        }
        if (bad) {
            fill(out, oo, k, NAN);
            return;
        }
        float nsg = -(float) sum;
        for (int j = 0; j < k; j++) {
            out[oo + j] = Math.fma(FloatExp.exp(l[lo0 + j]), nsg, g[go + j]);
        }
    }

    static double crossEntropyShort(float[] z, int zo, int k, int label, float[] t, int to, float scale,
                                    float[] grad, int go) {
        float m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(grad, go, k, NAN);
            return Double.NaN;
        }
        double s = expShort(z, zo, grad, go, k, m);
        double logS = Math.log(s);
        float inv = (float) (1.0 / s);
        if (t == null) {
            for (int j = 0; j < k; j++) {
                grad[go + j] = j == label ? (grad[go + j] * inv - ONE) * scale : grad[go + j] * inv * scale;
            }
            return logS - ((double) z[zo + label] - (double) m);
        }
        for (int j = 0; j < k; j++) {
            grad[go + j] = (grad[go + j] * inv - t[to + j]) * scale;
        }
        return targetLoss(z, zo, t, to, k, m, logS);
    }

    // ------------------------------------------------------------------ sweeps (inner axis), inner >= L

    /**
     * The softmax along an inner axis for cross-entropy with labels (pairwise accuracy; softmax and
     * log-softmax themselves transpose blocks into rows, see {@link FloatOps}), for the slices whose
     * columns are {@code [c0, c1)} ({@code c1 - c0 >= L}) in the block starting at {@code base}
     * (element j of column c at {@code base + j·inner + c}). Every sweep reads whole contiguous
     * row segments: the column maxima; then per row {@code z - m} stored, exponentiated in place and
     * added into per-column block sums (4 rows plainly, then TwoSum into (hi, lo)); then per row
     * the scaling by 1/S. Columns past the last whole vector run the
     * same steps in scalar code with a double sum. Column
     * {@code c0 + i}'s maximum goes to {@code max[i]} and the log of its sum (in double) to
     * {@code logS[i]}.
     */
    static void sweep(float[] z, float[] out, int base, int k, int inner, int c0, int c1, float[] max,
                      double[] logS) {
        int w = c1 - c0;
        int wv = w - w % L;
        float[] m = new float[w];
        float[] hi = new float[wv];
        float[] lo = new float[wv];
        float[] blk = new float[wv];
        double[] tail = new double[w - wv];
        System.arraycopy(z, base + c0, m, 0, w);
        for (int j = 1, r = base + inner + c0; j < k; j++, r += inner) {
            for (int i = 0; i < wv; i += L) {
                FloatVector a = FloatVector.fromArray(S, m, i);
                FloatVector v = FloatVector.fromArray(S, z, r + i);
                a.blend(v, a.lt(v)).intoArray(m, i);
            }
            for (int i = wv; i < w; i++) {
                if (z[r + i] > m[i]) {
                    m[i] = z[r + i];
                }
            }
        }
        FloatVector zero = FloatVector.zero(S);
        for (int j = 0, r = base + c0; j < k; j++, r += inner) {
            for (int i = 0; i < wv; i += L) {
                FloatVector.fromArray(S, z, r + i).sub(FloatVector.fromArray(S, m, i)).intoArray(out, r + i);
            }
            FloatExp.expInto(out, r, L, wv, ZERO, out, r, false);
            for (int i = 0; i < wv; i += L) {
                FloatVector.fromArray(S, blk, i).add(FloatVector.fromArray(S, out, r + i)).intoArray(blk, i);
            }
            if ((j & 3) == 3 || j == k - 1) {
                for (int i = 0; i < wv; i += L) {
                    FloatVector h = FloatVector.fromArray(S, hi, i);
                    FloatVector b = FloatVector.fromArray(S, blk, i);
                    FloatVector s = h.add(b);
                    FloatVector bb = s.sub(h);
                    FloatVector.fromArray(S, lo, i).add(h.sub(s.sub(bb)).add(b.sub(bb))).intoArray(lo, i);
                    s.intoArray(hi, i);
                    zero.intoArray(blk, i);
                }
            }
            for (int i = wv; i < w; i++) {
                float e = FloatExp.exp(z[r + i] - m[i]);
                out[r + i] = e;
                tail[i - wv] += e;
            }
        }
        System.arraycopy(m, 0, max, 0, w);
        for (int i = 0; i < wv; i++) {
            logS[i] = Math.log((double) hi[i] + lo[i]);
        }
        for (int i = wv; i < w; i++) {
            logS[i] = Math.log(tail[i - wv]);
        }
        // per column: 1/S, NaN where the max is infinite
        float[] f = blk;
        for (int i = 0; i < wv; i += L) {
            FloatVector mv = FloatVector.fromArray(S, m, i);
            FloatVector s = FloatVector.fromArray(S, hi, i).add(FloatVector.fromArray(S, lo, i));
            VectorMask<Float> bad = mv.eq(NEG_INF).or(mv.eq(POS_INF));
            FloatVector.broadcast(S, ONE).div(s).blend(NAN, bad).intoArray(f, i);
        }
        float[] ft = new float[w - wv];
        for (int i = wv; i < w; i++) {
            boolean bad = m[i] == NEG_INF || m[i] == POS_INF;
            ft[i - wv] = bad ? NAN : (float) (1.0 / tail[i - wv]);
        }
        for (int j = 0, r = base + c0; j < k; j++, r += inner) {
            for (int i = 0; i < wv; i += L) {
                FloatVector.fromArray(S, out, r + i).mul(FloatVector.fromArray(S, f, i)).intoArray(out, r + i);
            }
            for (int i = wv; i < w; i++) {
                out[r + i] *= ft[i - wv];
            }
        }
    }

    // ------------------------------------------------------------------ columns (inner axis), inner >= L

    /**
     * The backward pass along an inner axis for the slices whose columns are {@code [c0, c1)}
     * ({@code c1 - c0} a positive multiple of L) in the block starting at {@code base} (element j
     * of column c at {@code base + j·inner + c}): dot = Σ_j g·y per column, in blocks of 4 rows (two
     * FMAs and an add per lane), each block added by TwoSum into (hi, lo); the rows past the last
     * block by FMA into one more block; then out = y·(g - dot). Both sweeps read whole contiguous
     * row segments. A column with a non-finite y or g gets NaN. Writes only {@code out}, which it
     * never reads, so overlapping calls (the last columns of an axis) write the same bits twice.
     */
    static void backwardSweep(float[] y, float[] g, float[] out, int base, int k, int inner, int c0, int c1) {
        int w = c1 - c0;
        float[] hi = new float[w];
        float[] lo = new float[w];
        float[] bad = new float[w];
        int j = 0;
        int q = base + c0;
        for (; j <= k - 4; j += 4, q += 4 * inner) {
            for (int i = 0; i < w; i += L) {
                FloatVector y0 = FloatVector.fromArray(S, y, q + i);
                FloatVector y1 = FloatVector.fromArray(S, y, q + inner + i);
                FloatVector y2 = FloatVector.fromArray(S, y, q + 2 * inner + i);
                FloatVector y3 = FloatVector.fromArray(S, y, q + 3 * inner + i);
                FloatVector g0 = FloatVector.fromArray(S, g, q + i);
                FloatVector g1 = FloatVector.fromArray(S, g, q + inner + i);
                FloatVector g2 = FloatVector.fromArray(S, g, q + 2 * inner + i);
                FloatVector g3 = FloatVector.fromArray(S, g, q + 3 * inner + i);
                FloatVector.fromArray(S, bad, i).add(y0.sub(y0)).add(y1.sub(y1)).add(y2.sub(y2)).add(y3.sub(y3))
                        .add(g0.sub(g0)).add(g1.sub(g1)).add(g2.sub(g2)).add(g3.sub(g3)).intoArray(bad, i);
                FloatVector blk = g0.fma(y0, g1.mul(y1)).add(g2.fma(y2, g3.mul(y3)));
                FloatVector h = FloatVector.fromArray(S, hi, i);
                FloatVector sum = h.add(blk);
                FloatVector bb = sum.sub(h);
                FloatVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(blk.sub(bb))).intoArray(lo, i);
                sum.intoArray(hi, i);
            }
        }
        float[] rest = new float[w];
        for (; j < k; j++, q += inner) {
            for (int i = 0; i < w; i += L) {
                FloatVector yv = FloatVector.fromArray(S, y, q + i);
                FloatVector gv = FloatVector.fromArray(S, g, q + i);
                FloatVector.fromArray(S, bad, i).add(yv.sub(yv)).add(gv.sub(gv)).intoArray(bad, i);
                gv.fma(yv, FloatVector.fromArray(S, rest, i)).intoArray(rest, i);
            }
        }
        float[] d = rest;
        for (int i = 0; i < w; i += L) {
            FloatVector blk = FloatVector.fromArray(S, rest, i);
            FloatVector h = FloatVector.fromArray(S, hi, i);
            FloatVector sum = h.add(blk);
            FloatVector bb = sum.sub(h);
            FloatVector l = FloatVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(blk.sub(bb)));
            sum.add(l).blend(NAN, FloatVector.fromArray(S, bad, i).compare(VectorOperators.NE, ZERO)).intoArray(d, i);
        }
        for (j = 0, q = base + c0; j < k; j++, q += inner) {
            for (int i = 0; i < w; i += L) {
                FloatVector.fromArray(S, y, q + i).mul(FloatVector.fromArray(S, g, q + i).sub(FloatVector.fromArray(S, d, i)))
                        .intoArray(out, q + i);
            }
        }
    }

    /**
     * The log-softmax backward pass along an inner axis, columns {@code [c0, c1)} as in
     * {@link #backwardSweep}: sg = Σ_j g per column (4 rows added plainly, then TwoSum into
     * (hi, lo)); then per row segment e^l into a scratch row and out = e^l·(-sg) + g. A column with
     * a NaN or +∞ in l, or a non-finite g, gets NaN. Writes only {@code out}, which it never reads.
     */
    static void logSoftmaxBackwardSweep(float[] l, float[] g, float[] out, int base, int k, int inner, int c0, int c1) {
        int w = c1 - c0;
        float[] hi = new float[w];
        float[] lo = new float[w];
        float[] bad = new float[w];
        float[] blk = new float[w];
        for (int j = 0, q = base + c0; j < k; j++, q += inner) {
            boolean fold = (j & 3) == 3 || j == k - 1;
            for (int i = 0; i < w; i += L) {
                FloatVector lv = FloatVector.fromArray(S, l, q + i);
                FloatVector gv = FloatVector.fromArray(S, g, q + i);
                FloatVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
                FloatVector.fromArray(S, bad, i).add(lf.sub(lf)).add(gv.sub(gv)).intoArray(bad, i);
                FloatVector b = FloatVector.fromArray(S, blk, i).add(gv);
                if (fold) {
                    FloatVector h = FloatVector.fromArray(S, hi, i);
                    FloatVector sum = h.add(b);
                    FloatVector bb = sum.sub(h);
                    FloatVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(b.sub(bb))).intoArray(lo, i);
                    sum.intoArray(hi, i);
                    b = FloatVector.zero(S);
                }
                b.intoArray(blk, i);
            }
        }
        float[] nsg = blk;
        for (int i = 0; i < w; i += L) {
            FloatVector.fromArray(S, hi, i).add(FloatVector.fromArray(S, lo, i)).mul(-1f)
                    .blend(NAN, FloatVector.fromArray(S, bad, i).compare(VectorOperators.NE, ZERO)).intoArray(nsg, i);
        }
        float[] e = hi;
        for (int j = 0, q = base + c0; j < k; j++, q += inner) {
            FloatExp.expInto(l, q, L, w, ZERO, e, 0, false);
            for (int i = 0; i < w; i += L) {
                FloatVector.fromArray(S, e, i).fma(FloatVector.fromArray(S, nsg, i), FloatVector.fromArray(S, g, q + i))
                        .intoArray(out, q + i);
            }
        }
    }
}
