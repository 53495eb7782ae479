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

    void set(int i, BigDecimal v) {
        double h = v.doubleValue();
        hi[i] = h;
        lo[i] = Double.isInfinite(h) ? 0 : v.subtract(new BigDecimal(h)).doubleValue();
    }

    void setSpecial(int i, double v) {
        hi[i] = v;
        lo[i] = 0;
    }

    /** The exact value rounded to double (nearly always correctly). */
    double value(int i) {
        return hi[i] + lo[i];
    }
}
