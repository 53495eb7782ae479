package org.softmaxspi.conformance;

import java.math.BigDecimal;

/**
 * Exact results from the {@link Oracle}, each kept as a double-double {@code hi + lo} (about 32
 * significant digits, far more than any dtype needs), with NaN and infinities in {@code hi}.
 * Immutable by convention: the suite never writes into the arrays after construction.
 */
record Exact(double[] hi, double[] lo) {

    static Exact of(int n) {
        return new Exact(new double[n], new double[n]);
    }

    int length() {
        return hi.length;
    }

    private static final BigDecimal MAX = new BigDecimal(Double.MAX_VALUE);
    private static final BigDecimal ULP_OF_MAX = new BigDecimal(Math.ulp(Double.MAX_VALUE));

    /**
     * A finite exact value. One beyond the double range (it rounds to ±∞) is kept as {@code hi = ±∞} and
     * {@code lo} = how far it lies past ±MAX, in ulps of MAX, with hi's sign, so that a finite result can
     * be judged by its distance (a loss near MAX computed as a double just below it).
     */
    void set(int i, BigDecimal v) {
        double h = v.doubleValue();
        hi[i] = h;
        lo[i] = Double.isInfinite(h)
                ? Math.copySign(v.abs().subtract(MAX).divide(ULP_OF_MAX, java.math.MathContext.DECIMAL64).doubleValue(), h)
                : v.subtract(new BigDecimal(h)).doubleValue();
    }

    /** NaN or a true infinity (lo = hi: infinitely far past MAX), or a special finite value (lo = 0). */
    void setSpecial(int i, double v) {
        hi[i] = v;
        lo[i] = Double.isInfinite(v) ? v : 0;
    }

    /** For an exact value beyond the double range: how far past MAX, in ulps of MAX (+∞ for a true infinity). */
    static double pastMax(double lo) {
        return Math.abs(lo);
    }

    /** The exact value rounded to double (nearly always correctly). */
    double value(int i) {
        return hi[i] + lo[i];
    }
}
