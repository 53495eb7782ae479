package org.softmaxspi.reference;

/**
 * A double-double: the unevaluated sum {@code hi + lo} with {@code |lo| <= ulp(hi)/2}, about 106
 * significant bits. Immutable. Only finite values are supported; callers handle infinities and
 * NaN before they get here.
 *
 * <p>Implementation notes: the error-free transformations TwoSum (Knuth), FastTwoSum (Dekker) and
 * TwoProduct with {@link Math#fma}; addition and multiplication follow the "accurate" variants of
 * the QD library (Hida, Li and Bailey, 2001).
 */
record DD(double hi, double lo) {

    static final DD ZERO = new DD(0, 0);
    static final DD ONE = new DD(1, 0);

    static DD of(double a) {
        return new DD(a, 0);
    }

    /** a + b exactly, for any finite a and b. */
    static DD twoSum(double a, double b) {
        double s = a + b;
        double bb = s - a;
        double e = (a - (s - bb)) + (b - bb);
        return new DD(s, e);
    }

    /** a + b exactly, when {@code |a| >= |b|} or a is 0. */
    static DD fastTwoSum(double a, double b) {
        double s = a + b;
        return new DD(s, b - (s - a));
    }

    /** a * b exactly (barring underflow). */
    static DD twoProd(double a, double b) {
        double p = a * b;
        return new DD(p, Math.fma(a, b, -p));
    }

    DD add(DD o) {
        DD s = twoSum(hi, o.hi);
        DD t = twoSum(lo, o.lo);
        DD u = fastTwoSum(s.hi, s.lo + t.hi);
        return fastTwoSum(u.hi, u.lo + t.lo);
    }

    DD add(double b) {
        DD s = twoSum(hi, b);
        return fastTwoSum(s.hi, s.lo + lo);
    }

    DD sub(DD o) {
        return add(o.negate());
    }

    DD negate() {
        return new DD(-hi, -lo);
    }

    DD mul(DD o) {
        DD p = twoProd(hi, o.hi);
        return fastTwoSum(p.hi, p.lo + (hi * o.lo + lo * o.hi));
    }

    DD mul(double b) {
        DD p = twoProd(hi, b);
        return fastTwoSum(p.hi, p.lo + lo * b);
    }

    /** this / o with three quotient digits (long division), accurate to about 2^-104. */
    DD div(DD o) {
        double q1 = hi / o.hi;
        DD r = sub(o.mul(q1));
        double q2 = r.hi / o.hi;
        r = r.sub(o.mul(q2));
        double q3 = r.hi / o.hi;
        return fastTwoSum(q1, q2).add(q3);
    }

    /** this * 2^k; exact unless the result is subnormal. */
    DD scalb(int k) {
        return new DD(Math.scalb(hi, k), Math.scalb(lo, k));
    }

    /** The value rounded to double (once: {@code hi} is already the rounded sum). */
    double value() {
        return hi + lo;
    }
}
