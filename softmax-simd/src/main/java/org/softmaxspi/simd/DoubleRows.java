package org.softmaxspi.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float64 work of {@link SimdKernel}, one row (slice) at a time.
 *
 * <p>Contiguous rows ({@code k >= L}, L the lanes of the preferred species) are processed in whole
 * vectors; the tail is one more vector ending at the row's end, overlapping the previous one (the
 * shared lanes get the same bits again; sums take the tail's new lanes only). Rows shorter than L run the same
 * arithmetic in scalar code. Along an axis that is not the last ({@code inner >= L}) the sweeps
 * read contiguous row segments, with vectors across the inner dimension (one slice per lane) and
 * per-column sums kept in arrays.
 *
 * <p>Every row is always computed by the same code in the same order, whichever thread runs it and
 * however the rows are split, so results are bit-for-bit reproducible.
 *
 * <p>For maintainers (all measured on JDK 17 C2; each one cost 2-15×): inside a vector loop, call
 * nothing but the Vector API itself (its methods are force-inlined; a helper of our own may be left
 * as a call, and then every vector is boxed), so blends are written out and the vector exp exists
 * only as the loop {@link DoubleExp#expInto}; do not put a vector exp
 * and a compensated sum in the same loop; use {@code mul(-1)}, not {@code neg()}, which is not
 * intrinsified for 512-bit doubles; never {@code reduceLanes(ADD)} on doubleing point (its order is
 * unspecified); use the preferred species only, never a second species of the same element type (C2
 * inlines Vector API calls by their type profile, which a second species pollutes; then the long-row
 * kernels ran as Java code, 4.5× slower). {@code DoubleRows} and {@code DoubleOps} are generated from this file and
 * {@code DoubleOps} by {@code softmax-simd/generate-double.sh}: edit the double files, then run it.
 */
final class DoubleRows {

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private static final double NEG_INF = Double.NEGATIVE_INFINITY;
    private static final double POS_INF = Double.POSITIVE_INFINITY;
    private static final double NAN = Double.NaN;
    private static final double ZERO = 0;
    private static final double ONE = 1;

    private static final DoubleVector IOTA;

    static {
        double[] iota = new double[L];
        for (int i = 0; i < L; i++) {
            iota[i] = i;
        }
        IOTA = DoubleVector.fromArray(S, iota, 0);
        if (L > 32 || Integer.bitCount(L) != 1) {
            throw new IllegalStateException("unsupported vector length " + L);
        }
    }

    private DoubleRows() {
    }

    /** Lanes {@code < L - tail}: those a tail vector ending at the row's end shares with the previous vector. */
    private static VectorMask<Double> head(int tail) {
        return IOTA.lt((double) (L - tail));
    }

    // ------------------------------------------------------------------ lane folds

    /**
     * The sum of {@code t[0 .. 2L)} (the lanes of a compensated (hi, lo) pair, stored by the caller),
     * in double, in a fixed order: the hi lanes by two interleaved Neumaier sums (even and odd lanes,
     * so that two dependency chains run side by side), the lo lanes, which are rounding errors,
     * plainly. It takes an array, not the vectors: a method with vector parameters that C2 does not
     * inline gets boxed vectors of unknown species, and runs the Vector API's Java fallback
     * (measured: a tenth of a 1000-double row's time).
     */
    private static double foldSum(double[] t) {
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
    static void maxMin(double[] z, int zo, int k, double[] mm) {
        DoubleVector a = DoubleVector.fromArray(S, z, zo);
        DoubleVector b = a;
        DoubleVector c = a;
        DoubleVector d = a;
        int i = L;
        for (; i <= k - 2 * L; i += 2 * L) {
            DoubleVector v = DoubleVector.fromArray(S, z, zo + i);
            DoubleVector w = DoubleVector.fromArray(S, z, zo + i + L);
            a = a.blend(v, a.lt(v));
            b = b.blend(v, v.lt(b));
            c = c.blend(w, c.lt(w));
            d = d.blend(w, w.lt(d));
        }
        if (i < k) {
            DoubleVector v = DoubleVector.fromArray(S, z, zo + Math.min(i, k - L));
            DoubleVector w = DoubleVector.fromArray(S, z, zo + k - L);
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
     * {@code fast} when every z - m is >= DoubleExp.FAST_LO (and <= 0): then the one-scaling exp,
     * which gives the same bits as the general one, serves. {@code out} must not overlap {@code z}.
     *
     * <p>The exps are stored by one loop ({@link DoubleExp#expInto}) and summed by a second pass over
     * the stored values (still in cache): C2 (JDK 17) compiled a loop holding both a vector exp and
     * a compensated sum 1.5-3x slower than the two loops together (measured).
     */
    static double expSum(double[] z, int zo, double[] out, int oo, int k, double m, boolean fast) {
        DoubleExp.expInto(z, zo, L, k - k % L, m, out, oo, fast);
        if (k % L != 0) {
            // the last entries by one more vector ending at the row's end (the lanes it shares
            // with the previous vector get the same bits again)
            DoubleExp.expInto(z, zo + k - L, L, 1, m, out, oo + k - L, fast);
        }
        return sumStored(out, oo, k);
    }

    /**
     * The sum of the stored exps out[oo .. oo+k), k >= L. Blocks of 4 vectors are summed per lane
     * in plain double (3 roundings per lane and block); each block sum is added by TwoSum into
     * (hi, lo); the last {@code k % L} entries are added in double.
     */
    private static double sumStored(double[] out, int oo, int k) {
        DoubleVector hi = DoubleVector.zero(S);
        DoubleVector lo = hi;
        int whole = k - k % L;
        int i = 0;
        for (; i <= whole - 4 * L; i += 4 * L) {
            DoubleVector blk = DoubleVector.fromArray(S, out, oo + i)
                    .add(DoubleVector.fromArray(S, out, oo + i + L))
                    .add(DoubleVector.fromArray(S, out, oo + i + 2 * L))
                    .add(DoubleVector.fromArray(S, out, oo + i + 3 * L));
            DoubleVector s = hi.add(blk);
            DoubleVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        if (i < whole) {
            DoubleVector blk = DoubleVector.fromArray(S, out, oo + i);
            for (i += L; i < whole; i += L) {
                blk = blk.add(DoubleVector.fromArray(S, out, oo + i));
            }
            DoubleVector s = hi.add(blk);
            DoubleVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        double[] lanes = new double[2 * L];
        hi.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        double tail = 0;
        for (i = whole; i < k; i++) {
            tail += out[oo + i];
        }
        return foldSum(lanes) + tail;
    }

    /** out[oo .. oo+k) *= c, k >= L. */
    static void scale(double[] out, int oo, int k, double c) {
        int i = 0;
        for (; i <= k - L; i += L) {
            DoubleVector.fromArray(S, out, oo + i).mul(c).intoArray(out, oo + i);
        }
        if (i < k) {
            DoubleVector v = DoubleVector.fromArray(S, out, oo + k - L);
            v.mul(c).blend(v, head(k - i)).intoArray(out, oo + k - L);
        }
    }

    static void fill(double[] out, int oo, int k, double v) {
        java.util.Arrays.fill(out, oo, oo + k, v);
    }

    static boolean nanRow(double m) {
        return !(m > NEG_INF && m < POS_INF);
    }

    /** Softmax of one contiguous row. */
    static void softmax(double[] z, int zo, double[] out, int oo, int k) {
        if (k < L) {
            softmaxShort(z, zo, out, oo, k);
            return;
        }
        double[] mm = new double[2];
        maxMin(z, zo, k, mm);
        double m = mm[0];
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double s = expSum(z, zo, out, oo, k, m, mm[1] - m >= DoubleExp.FAST_LO);
        scale(out, oo, k, (double) (1.0 / s));
    }

    /** Log-softmax of one contiguous row: (z - m) - log S. */
    static void logSoftmax(double[] z, int zo, double[] out, int oo, int k) {
        if (k < L) {
            logSoftmaxShort(z, zo, out, oo, k);
            return;
        }
        double[] mm = new double[2];
        maxMin(z, zo, k, mm);
        double m = mm[0];
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double ls = (double) Math.log(expSum(z, zo, out, oo, k, m, mm[1] - m >= DoubleExp.FAST_LO));
        subtract(z, zo, out, oo, k, m, ls);
    }

    /** out[oo + i] = (z[zo + i] - m) - ls over k >= L entries. */
    static void subtract(double[] z, int zo, double[] out, int oo, int k, double m, double ls) {
        DoubleVector vm = DoubleVector.broadcast(S, m);
        int i = 0;
        for (; i <= k - L; i += L) {
            DoubleVector.fromArray(S, z, zo + i).sub(vm).sub(ls).intoArray(out, oo + i);
        }
        if (i < k) {
            DoubleVector.fromArray(S, z, zo + k - L).sub(vm).sub(ls).intoArray(out, oo + k - L);
        }
    }

    /** The K×K Jacobian of one contiguous row of logits into out[jo .. jo + k²). */
    static void jacobian(double[] z, int zo, int k, double[] out, int jo) {
        softmax(z, zo, out, jo, k); // y in the block's first row, overwritten last
        for (int i = k - 1; i >= 0; i--) {
            double yi = out[jo + i];
            double ni = -yi;
            int ro = jo + i * k;
            int j = 0;
            for (; j <= k - L; j += L) {
                DoubleVector.fromArray(S, out, jo + j).mul(ni).intoArray(out, ro + j);
            }
            for (; j < k; j++) {
                out[ro + j] = out[jo + j] * ni;
            }
            out[ro + i] = yi * (ONE - yi);
        }
    }

    /** out = y (g - Σ g y) for one contiguous row; NaN row if y or g holds a non-finite entry. */
    static void backward(double[] y, int yo, double[] g, int go, double[] out, int oo, int k) {
        if (k < L) {
            backwardShort(y, yo, g, go, out, oo, k);
            return;
        }
        DoubleVector hi = DoubleVector.zero(S);
        DoubleVector lo = hi;
        DoubleVector bad = hi;
        int i = 0;
        for (; i <= k - 4 * L; i += 4 * L) {
            DoubleVector y0 = DoubleVector.fromArray(S, y, yo + i);
            DoubleVector y1 = DoubleVector.fromArray(S, y, yo + i + L);
            DoubleVector y2 = DoubleVector.fromArray(S, y, yo + i + 2 * L);
            DoubleVector y3 = DoubleVector.fromArray(S, y, yo + i + 3 * L);
            DoubleVector g0 = DoubleVector.fromArray(S, g, go + i);
            DoubleVector g1 = DoubleVector.fromArray(S, g, go + i + L);
            DoubleVector g2 = DoubleVector.fromArray(S, g, go + i + 2 * L);
            DoubleVector g3 = DoubleVector.fromArray(S, g, go + i + 3 * L);
            bad = bad.add(y0.sub(y0)).add(y1.sub(y1)).add(y2.sub(y2)).add(y3.sub(y3))
                    .add(g0.sub(g0)).add(g1.sub(g1)).add(g2.sub(g2)).add(g3.sub(g3));
            DoubleVector blk = g0.fma(y0, g1.mul(y1)).add(g2.fma(y2, g3.mul(y3)));
            DoubleVector s = hi.add(blk);
            DoubleVector bb = s.sub(hi);
            lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
            hi = s;
        }
        DoubleVector blk = DoubleVector.zero(S);
        for (; i <= k - L; i += L) {
            DoubleVector yv = DoubleVector.fromArray(S, y, yo + i);
            DoubleVector gv = DoubleVector.fromArray(S, g, go + i);
            bad = bad.add(yv.sub(yv)).add(gv.sub(gv));
            blk = gv.fma(yv, blk);
        }
        if (i < k) {
            DoubleVector yv = DoubleVector.fromArray(S, y, yo + k - L);
            DoubleVector gv = DoubleVector.fromArray(S, g, go + k - L);
            bad = bad.add(yv.sub(yv)).add(gv.sub(gv));
            blk = blk.add(gv.mul(yv).blend(ZERO, head(k - i)));
        }
        DoubleVector s = hi.add(blk);
        DoubleVector bb = s.sub(hi);
        lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
        if (bad.compare(VectorOperators.NE, ZERO).anyTrue()) {
            fill(out, oo, k, NAN);
            return;
        }
        double[] lanes = new double[2 * L];
        s.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        double d = (double) foldSum(lanes);
        for (i = 0; i <= k - L; i += L) {
            DoubleVector yv = DoubleVector.fromArray(S, y, yo + i);
            yv.mul(DoubleVector.fromArray(S, g, go + i).sub(d)).intoArray(out, oo + i);
        }
        if (i < k) {
            DoubleVector yv = DoubleVector.fromArray(S, y, yo + k - L);
            yv.mul(DoubleVector.fromArray(S, g, go + k - L).sub(d)).intoArray(out, oo + k - L);
        }
    }

    /** out = g - e^l Σ g for one contiguous row; NaN row if l has NaN or +∞, or g a non-finite entry. */
    static void logSoftmaxBackward(double[] l, int lo0, double[] g, int go, double[] out, int oo, int k) {
        if (k < L) {
            logSoftmaxBackwardShort(l, lo0, g, go, out, oo, k);
            return;
        }
        DoubleVector hi = DoubleVector.zero(S);
        DoubleVector lo = hi;
        DoubleVector bad = hi;
        DoubleVector blk = hi;
        int i = 0;
        int n = 0;
        for (; i <= k - L; i += L) {
            DoubleVector lv = DoubleVector.fromArray(S, l, lo0 + i);
            DoubleVector gv = DoubleVector.fromArray(S, g, go + i);
            DoubleVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
            bad = bad.add(lf.sub(lf)).add(gv.sub(gv));
            blk = blk.add(gv);
            if (++n == 4) {
                DoubleVector s = hi.add(blk);
                DoubleVector bb = s.sub(hi);
                lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
                hi = s;
                blk = DoubleVector.zero(S);
                n = 0;
            }
        }
        if (i < k) {
            DoubleVector lv = DoubleVector.fromArray(S, l, lo0 + k - L);
            DoubleVector gv = DoubleVector.fromArray(S, g, go + k - L);
            DoubleVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
            bad = bad.add(lf.sub(lf)).add(gv.sub(gv));
            blk = blk.add(gv.blend(ZERO, head(k - i)));
        }
        DoubleVector s = hi.add(blk);
        DoubleVector bb = s.sub(hi);
        lo = lo.add(hi.sub(s.sub(bb)).add(blk.sub(bb)));
        if (bad.compare(VectorOperators.NE, ZERO).anyTrue()) {
            fill(out, oo, k, NAN);
            return;
        }
        double[] lanes = new double[2 * L];
        s.intoArray(lanes, 0);
        lo.intoArray(lanes, L);
        double sg = (double) foldSum(lanes);
        lsbWrite(l, lo0, g, go, out, oo, k, -sg);
    }

    /**
     * out = e^l·ns + g over k >= L entries: e^l stored first (the tail by one more vector ending at
     * the row's end), then the products (the row is in cache by then).
     */
    private static void lsbWrite(double[] l, int lo0, double[] g, int go, double[] out, int oo, int k, double ns) {
        int whole = k - k % L;
        DoubleExp.expInto(l, lo0, L, whole, ZERO, out, oo, false);
        if (whole < k) {
            DoubleExp.expInto(l, lo0 + k - L, L, 1, ZERO, out, oo + k - L, false);
        }
        DoubleVector nsg = DoubleVector.broadcast(S, ns);
        int i = 0;
        for (; i < whole; i += L) {
            DoubleVector.fromArray(S, out, oo + i).fma(nsg, DoubleVector.fromArray(S, g, go + i)).intoArray(out, oo + i);
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
    static double crossEntropy(double[] z, int zo, int k, int label, double[] t, int to, double scale,
                               double[] grad, int go) {
        if (k < L) {
            return crossEntropyShort(z, zo, k, label, t, to, scale, grad, go);
        }
        double[] mm = new double[2];
        maxMin(z, zo, k, mm);
        double m = mm[0];
        if (nanRow(m)) {
            fill(grad, go, k, NAN);
            return Double.NaN;
        }
        double s = expSum(z, zo, grad, go, k, m, mm[1] - m >= DoubleExp.FAST_LO);
        double logS = Math.log(s);
        double inv = (double) (1.0 / s);
        if (t == null) {
            double el = grad[go + label];
            scaleGrad(grad, go, k, inv, scale);
            grad[go + label] = (el * inv - ONE) * scale;
            return logS - ((double) z[zo + label] - (double) m);
        }
        double loss = targetLoss(z, zo, t, to, k, m, logS);
        // gradient (e·inv - t)·scale, in place over the stored e
        int i = 0;
        for (; i <= k - L; i += L) {
            DoubleVector.fromArray(S, grad, go + i).mul(inv).sub(DoubleVector.fromArray(S, t, to + i)).mul(scale)
                    .intoArray(grad, go + i);
        }
        if (i < k) {
            DoubleVector v = DoubleVector.fromArray(S, grad, go + k - L);
            v.mul(inv).sub(DoubleVector.fromArray(S, t, to + k - L)).mul(scale).blend(v, head(k - i))
                    .intoArray(grad, go + k - L);
        }
        return loss;
    }

    /**
     * Σ over t > 0 of t·(log S - (z - m)), in double, compensated; +∞ when such a z is -∞. A
     * difference z - m that overflows is replaced by t·m - t·z, which does not.
     */
    static double targetLoss(double[] z, int zo, double[] t, int to, int k, double m, double logS) {
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

    private static void scaleGrad(double[] grad, int go, int k, double inv, double scale) {
        int i = 0;
        for (; i <= k - L; i += L) {
            DoubleVector.fromArray(S, grad, go + i).mul(inv).mul(scale).intoArray(grad, go + i);
        }
        if (i < k) {
            DoubleVector v = DoubleVector.fromArray(S, grad, go + k - L);
            v.mul(inv).mul(scale).blend(v, head(k - i)).intoArray(grad, go + k - L);
        }
    }

    // ------------------------------------------------------------------ short rows, k < L (scalar)

    private static double maxShort(double[] z, int zo, int k) {
        double m = NEG_INF;
        for (int j = 0; j < k; j++) {
            double v = z[zo + j];
            if (v > m) {
                m = v;
            }
        }
        return m;
    }

    static void softmaxShort(double[] z, int zo, double[] out, int oo, int k) {
        double m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double s = expShort(z, zo, out, oo, k, m);
        double inv = (double) (1.0 / s);
        for (int j = 0; j < k; j++) {
            out[oo + j] *= inv;
        }
    }

    /**
     * Σ e^(z - m) over k < L entries, each also stored at out[oo ..], the sum in double in index
     * order. Scalar: one vector exp of a short row (loaded from the array where it has room, from a
     * padded copy elsewhere) measured no faster on the machine of the benchmark report, and a
     * second, narrower double species (two overlapping half vectors: 2× faster for 10 entries) made
     * JDK 17's C2, which inlines Vector API calls by their type profile, fall back to Java code in
     * the long-row kernels (1×1000 softmax 4.5× slower after a 1×10 warm-up). So the kernels use the
     * preferred species only.
     */
    private static double expShort(double[] z, int zo, double[] out, int oo, int k, double m) {
        double s = 0;
        for (int j = 0; j < k; j++) {
            double e = DoubleExp.exp(z[zo + j] - m);
            out[oo + j] = e;
            s += e;
        }
        return s;
    }

    static void logSoftmaxShort(double[] z, int zo, double[] out, int oo, int k) {
        double m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(out, oo, k, NAN);
            return;
        }
        double ls = (double) Math.log(expShort(z, zo, out, oo, k, m));
        for (int j = 0; j < k; j++) {
            out[oo + j] = (z[zo + j] - m) - ls;
        }
    }

    static void backwardShort(double[] y, int yo, double[] g, int go, double[] out, int oo, int k) {
        double dot = 0;
        boolean bad = false;
        for (int j = 0; j < k; j++) {
            double yv = y[yo + j];
            double gv = g[go + j];
            bad |= !Double.isFinite(yv) || !Double.isFinite(gv);
            dot = Math.fma((double) gv, (double) yv, dot);
        }
        if (bad) {
            fill(out, oo, k, NAN);
            return;
        }
        double d = (double) dot;
        for (int j = 0; j < k; j++) {
            out[oo + j] = y[yo + j] * (g[go + j] - d);
        }
    }

    static void logSoftmaxBackwardShort(double[] l, int lo0, double[] g, int go, double[] out, int oo, int k) {
        double sum = 0;
        boolean bad = false;
        for (int j = 0; j < k; j++) {
            double lv = l[lo0 + j];
            double gv = g[go + j];
            bad |= Double.isNaN(lv) || lv == POS_INF || !Double.isFinite(gv);
            sum += gv;
        }
        if (bad) {
            fill(out, oo, k, NAN);
            return;
        }
        double nsg = -(double) sum;
        for (int j = 0; j < k; j++) {
            out[oo + j] = Math.fma(DoubleExp.exp(l[lo0 + j]), nsg, g[go + j]);
        }
    }

    static double crossEntropyShort(double[] z, int zo, int k, int label, double[] t, int to, double scale,
                                    double[] grad, int go) {
        double m = maxShort(z, zo, k);
        if (nanRow(m)) {
            fill(grad, go, k, NAN);
            return Double.NaN;
        }
        double s = expShort(z, zo, grad, go, k, m);
        double logS = Math.log(s);
        double inv = (double) (1.0 / s);
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
     * Softmax ({@code log == false}) or log-softmax along an inner axis, for the slices whose
     * columns are {@code [c0, c1)} ({@code c1 - c0 >= L}) in the block starting at {@code base}
     * (element j of column c at {@code base + j·inner + c}). Every sweep reads whole contiguous
     * row segments: the column maxima; then per row {@code z - m} stored, exponentiated in place and
     * added into per-column block sums (4 rows plainly, then TwoSum into (hi, lo)); then per row
     * the scaling by 1/S or the subtraction of log S. Columns past the last whole vector run the
     * same steps in scalar code with a double sum. When {@code logS} is given, column
     * {@code c0 + i}'s maximum goes to {@code max[i]} and the log of its sum (in double) to
     * {@code logS[i]} (for cross-entropy).
     */
    static void sweep(double[] z, double[] out, int base, int k, int inner, int c0, int c1, boolean log,
                      double[] max, double[] logS) {
        int w = c1 - c0;
        int wv = w - w % L;
        double[] m = new double[w];
        double[] hi = new double[wv];
        double[] lo = new double[wv];
        double[] blk = new double[wv];
        double[] tail = new double[w - wv];
        System.arraycopy(z, base + c0, m, 0, w);
        for (int j = 1, r = base + inner + c0; j < k; j++, r += inner) {
            for (int i = 0; i < wv; i += L) {
                DoubleVector a = DoubleVector.fromArray(S, m, i);
                DoubleVector v = DoubleVector.fromArray(S, z, r + i);
                a.blend(v, a.lt(v)).intoArray(m, i);
            }
            for (int i = wv; i < w; i++) {
                if (z[r + i] > m[i]) {
                    m[i] = z[r + i];
                }
            }
        }
        DoubleVector zero = DoubleVector.zero(S);
        for (int j = 0, r = base + c0; j < k; j++, r += inner) {
            for (int i = 0; i < wv; i += L) {
                DoubleVector.fromArray(S, z, r + i).sub(DoubleVector.fromArray(S, m, i)).intoArray(out, r + i);
            }
            DoubleExp.expInto(out, r, L, wv, ZERO, out, r, false);
            for (int i = 0; i < wv; i += L) {
                DoubleVector.fromArray(S, blk, i).add(DoubleVector.fromArray(S, out, r + i)).intoArray(blk, i);
            }
            if ((j & 3) == 3 || j == k - 1) {
                for (int i = 0; i < wv; i += L) {
                    DoubleVector h = DoubleVector.fromArray(S, hi, i);
                    DoubleVector b = DoubleVector.fromArray(S, blk, i);
                    DoubleVector s = h.add(b);
                    DoubleVector bb = s.sub(h);
                    DoubleVector.fromArray(S, lo, i).add(h.sub(s.sub(bb)).add(b.sub(bb))).intoArray(lo, i);
                    s.intoArray(hi, i);
                    zero.intoArray(blk, i);
                }
            }
            for (int i = wv; i < w; i++) {
                double e = DoubleExp.exp(z[r + i] - m[i]);
                out[r + i] = e;
                tail[i - wv] += e;
            }
        }
        if (logS != null) {
            System.arraycopy(m, 0, max, 0, w);
            for (int i = 0; i < wv; i++) {
                logS[i] = Math.log((double) hi[i] + lo[i]);
            }
            for (int i = wv; i < w; i++) {
                logS[i] = Math.log(tail[i - wv]);
            }
        }
        // per column: 1/S (or log S), NaN where the max is infinite
        double[] f = blk;
        for (int i = 0; i < wv; i += L) {
            DoubleVector mv = DoubleVector.fromArray(S, m, i);
            DoubleVector s = DoubleVector.fromArray(S, hi, i).add(DoubleVector.fromArray(S, lo, i));
            VectorMask<Double> bad = mv.eq(NEG_INF).or(mv.eq(POS_INF));
            (log ? s : DoubleVector.broadcast(S, ONE).div(s)).blend(NAN, bad).intoArray(f, i);
        }
        if (log) {
            for (int i = 0; i < wv; i++) {
                f[i] = (double) Math.log(f[i]);
            }
        }
        double[] ft = new double[w - wv];
        for (int i = wv; i < w; i++) {
            boolean bad = m[i] == NEG_INF || m[i] == POS_INF;
            ft[i - wv] = bad ? NAN : (double) (log ? Math.log(tail[i - wv]) : 1.0 / tail[i - wv]);
        }
        for (int j = 0, r = base + c0; j < k; j++, r += inner) {
            if (log) {
                for (int i = 0; i < wv; i += L) {
                    DoubleVector.fromArray(S, z, r + i).sub(DoubleVector.fromArray(S, m, i))
                            .sub(DoubleVector.fromArray(S, f, i)).intoArray(out, r + i);
                }
                for (int i = wv; i < w; i++) {
                    out[r + i] = (z[r + i] - m[i]) - ft[i - wv];
                }
            } else {
                for (int i = 0; i < wv; i += L) {
                    DoubleVector.fromArray(S, out, r + i).mul(DoubleVector.fromArray(S, f, i)).intoArray(out, r + i);
                }
                for (int i = wv; i < w; i++) {
                    out[r + i] *= ft[i - wv];
                }
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
    static void backwardSweep(double[] y, double[] g, double[] out, int base, int k, int inner, int c0, int c1) {
        int w = c1 - c0;
        double[] hi = new double[w];
        double[] lo = new double[w];
        double[] bad = new double[w];
        int j = 0;
        int q = base + c0;
        for (; j <= k - 4; j += 4, q += 4 * inner) {
            for (int i = 0; i < w; i += L) {
                DoubleVector y0 = DoubleVector.fromArray(S, y, q + i);
                DoubleVector y1 = DoubleVector.fromArray(S, y, q + inner + i);
                DoubleVector y2 = DoubleVector.fromArray(S, y, q + 2 * inner + i);
                DoubleVector y3 = DoubleVector.fromArray(S, y, q + 3 * inner + i);
                DoubleVector g0 = DoubleVector.fromArray(S, g, q + i);
                DoubleVector g1 = DoubleVector.fromArray(S, g, q + inner + i);
                DoubleVector g2 = DoubleVector.fromArray(S, g, q + 2 * inner + i);
                DoubleVector g3 = DoubleVector.fromArray(S, g, q + 3 * inner + i);
                DoubleVector.fromArray(S, bad, i).add(y0.sub(y0)).add(y1.sub(y1)).add(y2.sub(y2)).add(y3.sub(y3))
                        .add(g0.sub(g0)).add(g1.sub(g1)).add(g2.sub(g2)).add(g3.sub(g3)).intoArray(bad, i);
                DoubleVector blk = g0.fma(y0, g1.mul(y1)).add(g2.fma(y2, g3.mul(y3)));
                DoubleVector h = DoubleVector.fromArray(S, hi, i);
                DoubleVector sum = h.add(blk);
                DoubleVector bb = sum.sub(h);
                DoubleVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(blk.sub(bb))).intoArray(lo, i);
                sum.intoArray(hi, i);
            }
        }
        double[] rest = new double[w];
        for (; j < k; j++, q += inner) {
            for (int i = 0; i < w; i += L) {
                DoubleVector yv = DoubleVector.fromArray(S, y, q + i);
                DoubleVector gv = DoubleVector.fromArray(S, g, q + i);
                DoubleVector.fromArray(S, bad, i).add(yv.sub(yv)).add(gv.sub(gv)).intoArray(bad, i);
                gv.fma(yv, DoubleVector.fromArray(S, rest, i)).intoArray(rest, i);
            }
        }
        double[] d = rest;
        for (int i = 0; i < w; i += L) {
            DoubleVector blk = DoubleVector.fromArray(S, rest, i);
            DoubleVector h = DoubleVector.fromArray(S, hi, i);
            DoubleVector sum = h.add(blk);
            DoubleVector bb = sum.sub(h);
            DoubleVector l = DoubleVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(blk.sub(bb)));
            sum.add(l).blend(NAN, DoubleVector.fromArray(S, bad, i).compare(VectorOperators.NE, ZERO)).intoArray(d, i);
        }
        for (j = 0, q = base + c0; j < k; j++, q += inner) {
            for (int i = 0; i < w; i += L) {
                DoubleVector.fromArray(S, y, q + i).mul(DoubleVector.fromArray(S, g, q + i).sub(DoubleVector.fromArray(S, d, i)))
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
    static void logSoftmaxBackwardSweep(double[] l, double[] g, double[] out, int base, int k, int inner, int c0, int c1) {
        int w = c1 - c0;
        double[] hi = new double[w];
        double[] lo = new double[w];
        double[] bad = new double[w];
        double[] blk = new double[w];
        for (int j = 0, q = base + c0; j < k; j++, q += inner) {
            boolean fold = (j & 3) == 3 || j == k - 1;
            for (int i = 0; i < w; i += L) {
                DoubleVector lv = DoubleVector.fromArray(S, l, q + i);
                DoubleVector gv = DoubleVector.fromArray(S, g, q + i);
                DoubleVector lf = lv.blend(ZERO, lv.eq(NEG_INF));
                DoubleVector.fromArray(S, bad, i).add(lf.sub(lf)).add(gv.sub(gv)).intoArray(bad, i);
                DoubleVector b = DoubleVector.fromArray(S, blk, i).add(gv);
                if (fold) {
                    DoubleVector h = DoubleVector.fromArray(S, hi, i);
                    DoubleVector sum = h.add(b);
                    DoubleVector bb = sum.sub(h);
                    DoubleVector.fromArray(S, lo, i).add(h.sub(sum.sub(bb)).add(b.sub(bb))).intoArray(lo, i);
                    sum.intoArray(hi, i);
                    b = DoubleVector.zero(S);
                }
                b.intoArray(blk, i);
            }
        }
        double[] nsg = blk;
        for (int i = 0; i < w; i += L) {
            DoubleVector.fromArray(S, hi, i).add(DoubleVector.fromArray(S, lo, i)).mul(-1f)
                    .blend(NAN, DoubleVector.fromArray(S, bad, i).compare(VectorOperators.NE, ZERO)).intoArray(nsg, i);
        }
        double[] e = hi;
        for (int j = 0, q = base + c0; j < k; j++, q += inner) {
            DoubleExp.expInto(l, q, L, w, ZERO, e, 0, false);
            for (int i = 0; i < w; i += L) {
                DoubleVector.fromArray(S, e, i).fma(DoubleVector.fromArray(S, nsg, i), DoubleVector.fromArray(S, g, q + i))
                        .intoArray(out, q + i);
            }
        }
    }
}
