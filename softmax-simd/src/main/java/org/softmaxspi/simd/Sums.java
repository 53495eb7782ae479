package org.softmaxspi.simd;

/** Scalar helpers. */
final class Sums {

    private Sums() {
    }

    /**
     * Σ a in order, compensated (Neumaier); a non-finite partial sum (NaN, +∞) is returned as is.
     */
    static double sum(double[] a) {
        double s = 0;
        double c = 0;
        for (double v : a) {
            double t = s + v;
            if (Math.abs(s) >= Math.abs(v)) {
                c += (s - t) + v;
            } else {
                c += (v - t) + s;
            }
            s = t;
        }
        return Double.isFinite(s) ? s + c : s;
    }

    /** Σ a / n; when the sum overflows though every term is finite, Σ (a / n) instead. */
    static double mean(double[] a) {
        double s = sum(a);
        if (s == Double.POSITIVE_INFINITY) {
            double[] scaled = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                if (!Double.isFinite(a[i])) {
                    return s;
                }
                scaled[i] = a[i] / a.length;
            }
            return sum(scaled);
        }
        return s / a.length;
    }
}
