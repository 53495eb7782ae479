package org.softmaxspi.reference;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

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

    /** The exact value {@code hi + lo}. */
    BigDecimal exact() {
        return new BigDecimal(hi).add(new BigDecimal(lo));
    }

    /** {@code this·2^k} rounded once to double, subnormal or not. */
    double scaledValue(int k) {
        return affine(ZERO, this, k, ONE, 1.0);
    }

    /** Below this magnitude a double-double's low part may be subnormal and lose bits. */
    private static final double SAFE = 0x1p-900;

    /** 2^k exactly. */
    static BigDecimal powerOfTwo(int k) {
        // 2^-n = 5^n / 10^n
        return k >= 0 ? new BigDecimal(BigInteger.TWO.pow(k)) : new BigDecimal(BigInteger.valueOf(5).pow(-k), -k);
    }

    /**
     * {@code (a + b·2^k)·c / t} rounded once to double, for finite parts and {@code t > 0}: in double-double
     * arithmetic when every part and the result are 0 or of magnitude at least 2^-900, else in exact
     * {@link BigDecimal} arithmetic (the division by {@code t ≠ 1} to 40 digits), so that a result near or in
     * the subnormal range keeps every bit a double-double would lose there (the fuzz properties and the soak
     * run found the reference 2 to 121 ulps off on subnormal Jacobian entries, gradients and losses).
     */
    static double affine(DD a, DD b, int k, DD c, double t) {
        boolean bZero = b.hi == 0;
        if ((a.hi == 0 || Math.abs(a.hi) >= SAFE) && (bZero || Math.getExponent(b.hi) + k >= -900)
                && Math.abs(c.hi) >= SAFE) {
            DD sum = bZero ? a : a.add(b.scalb(k));
            DD v = sum.mul(c);
            if (t != 1.0) {
                v = v.div(of(t));
            }
            if (Double.isFinite(v.hi) && (Math.abs(v.hi) >= SAFE || v.hi == 0 && sum.hi == 0)) {
                return v.value();
            }
        }
        if (!(Double.isFinite(a.hi) && Double.isFinite(b.hi) && Double.isFinite(c.hi) && Double.isFinite(t))) {
            return a.add(b.scalb(k)).mul(c).value() / t;
        }
        BigDecimal x = a.exact().add(b.exact().multiply(powerOfTwo(k))).multiply(c.exact());
        if (t != 1.0) {
            x = x.divide(new BigDecimal(t), new MathContext(40));
        }
        return x.doubleValue();
    }
}
