package org.softmaxspi.reference;

import java.math.BigDecimal;

/**
 * exp, expm1 and log1p in double-double arithmetic, accurate to about 2^-100 relative, for the
 * reference provider. Pure Java; no tables.
 *
 * <p>Implementation notes: {@code exp(x) = 2^k (1 + u)} with {@code k = round(x / ln 2)},
 * {@code r = x - k ln 2} computed in double-double with a two-part ln 2, {@code u = expm1(r)} from
 * {@code s = r / 256} by its Taylor series to degree 8 (truncation below 2^-105), then undoing the
 * scaling with eight steps of {@code expm1(2s) = expm1(s) (expm1(s) + 2)}, which keep the relative
 * error of u (no cancellation). log1p refines {@link Math#log1p} with one Newton step on
 * {@code expm1(l) = d}.
 */
final class ExactMath {

    /** ln 2 rounded to double, and the rest of ln 2. */
    static final double LN2_HI = 0.6931471805599453;
    static final double LN2_LO = new BigDecimal("0.69314718055994530941723212145817656807550013436025525412068")
            .subtract(new BigDecimal(LN2_HI)).doubleValue();
    private static final double INV_LN2 = 1.4426950408889634;
    private static final int SQUARINGS = 8;

    /** Below this, e^x is far under the smallest subnormal relative to any sum >= 1, so it counts as 0. */
    static final double EXP_ZERO_BELOW = -1100;

    private ExactMath() {
    }

    /** e^x as {@code 2^k (1 + u)}: the result of {@link #expParts(DD)}. */
    record ExpParts(int k, DD u) {
        /** e^x as a double-double (loses bits if it is subnormal). */
        DD value() {
            return DD.ONE.add(u).scalb(k);
        }

        /** (1 + u) / divisor * 2^k rounded once to double, subnormal or not. */
        double divide(DD divisor) {
            return DD.ONE.add(u).div(divisor).scaledValue(k);
        }

        /** (1 + u) / divisor as a double-double (in [2^-1, K] for a row sum {@code divisor} of K terms >= 1). */
        DD mantissaOver(DD divisor) {
            return DD.ONE.add(u).div(divisor);
        }
    }

    /** Splits e^x for finite {@code -1100 <= x <= 710}. */
    static ExpParts expParts(DD x) {
        int k = (int) Math.rint(x.hi() * INV_LN2);
        DD p = DD.twoProd(k, LN2_HI);
        DD r = DD.twoSum(x.hi(), -p.hi()).add(x.lo() - p.lo() - k * LN2_LO);
        return new ExpParts(k, expm1Reduced(r));
    }

    /** expm1(r) for |r| <= 0.35, in double-double. */
    private static DD expm1Reduced(DD r) {
        DD s = r.scalb(-8);
        double sh = s.hi();
        // s^3 (1/3! + s/4! + ... + s^5/8!) is below 2^-28 relative to u; double precision suffices.
        double tail = sh * sh * sh * (1.0 / 6 + sh * (1.0 / 24 + sh * (1.0 / 120 + sh * (1.0 / 720
                + sh * (1.0 / 5040 + sh * (1.0 / 40320))))));
        DD u = s.add(s.mul(s).scalb(-1)).add(tail);
        for (int i = 0; i < SQUARINGS; i++) {
            u = u.mul(u.add(2.0));
        }
        return u;
    }

    /** e^x - 1 in double-double for finite {@code -1100 <= x <= 710}. */
    static DD expm1(DD x) {
        ExpParts e = expParts(x);
        if (e.k() == 0) {
            return e.u();
        }
        // 2^k (1 + u) - 1 = 2^k u + (2^k - 1)
        return e.u().scalb(e.k()).add(DD.twoSum(Math.scalb(1.0, e.k()), -1.0));
    }

    /** log(1 + d) in double-double for finite {@code d >= 0}. */
    static DD log1p(DD d) {
        double dv = d.value();
        if (dv == 0) {
            return DD.ZERO;
        }
        double l0 = Math.log1p(dv);
        DD em = expm1(DD.of(l0));
        // Newton on f(l) = expm1(l) - d: l1 = l0 + (d - expm1(l0)) / (1 + expm1(l0))
        double corr = d.sub(em).value() / (1 + em.value());
        return DD.fastTwoSum(l0, corr);
    }
}
