package org.softmaxspi.reference;

/**
 * A sum of doubles in three cascaded levels: each term is added to the first level by TwoSum, whose
 * exact error goes to the second by TwoSum, whose error goes to the third plainly. The error of the
 * whole sum is about {@code n·u³·Σ|x|} (u = 2^-53), so a difference that cancels 50 bits and more
 * (the backward pass's {@code g_k − Σ g_j y_j} when one class dominates) still keeps about 100 bits,
 * where a double-double sum ({@code u²·Σ|x|}) keeps about 50. Mutable, for one row at a time.
 */
final class CascadedSum {

    private double s1;
    private double s2;
    private double s3;

    /** Adds {@code x}. */
    void add(double x) {
        double a = s1 + x;
        double bb = a - s1;
        double e = (s1 - (a - bb)) + (x - bb);
        s1 = a;
        double b = s2 + e;
        double cc = b - s2;
        double f = (s2 - (b - cc)) + (e - cc);
        s2 = b;
        s3 += f;
    }

    /** Adds the exact product {@code a·b} (two terms: its rounded value and the FMA's remainder). */
    void addProduct(double a, double b) {
        double p = a * b;
        add(p);
        add(Math.fma(a, b, -p));
    }

    /** {@code x} plus this sum, as a double-double accurate to about {@code u³} of the terms' magnitudes. */
    DD plus(double x) {
        DD a = DD.twoSum(x, s1);
        DD b = DD.twoSum(a.lo(), s2);
        return DD.of(a.hi()).add(DD.of(b.hi())).add(b.lo() + s3);
    }
}
