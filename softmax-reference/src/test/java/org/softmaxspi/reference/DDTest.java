package org.softmaxspi.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link DD#affine} and {@link DD#scaledValue} against exact {@link BigDecimal} arithmetic rounded once: the
 * reference's subnormal results (Jacobian entries, gradients, losses) are only as good as this rounding.
 */
class DDTest {

    private static final MathContext DIGITS_60 = new MathContext(60);

    /** A double-double of magnitude about 2^e with a full low part. */
    private static DD dd(SplittableRandom r, int e) {
        double hi = Math.scalb(1 + r.nextDouble(), e) * (r.nextBoolean() ? 1 : -1);
        return DD.fastTwoSum(hi, Math.scalb(r.nextDouble() - 0.5, e - 53));
    }

    private static double exact(DD a, DD b, int k, DD c, double t) {
        BigDecimal x = a.exact().add(b.exact().multiply(DD.powerOfTwo(k))).multiply(c.exact());
        return x.divide(new BigDecimal(t), DIGITS_60).doubleValue();
    }

    @Test
    @DisplayName("affine((a + b·2^k)·c / t) is rounded once, from normal results down to the subnormal range")
    void affineRoundsOnce() {
        SplittableRandom r = new SplittableRandom(20261207);
        for (int n = 0; n < 20_000; n++) {
            DD a = r.nextInt(3) == 0 ? DD.ZERO : dd(r, -r.nextInt(1100));
            DD b = dd(r, r.nextInt(-50, 50));
            int k = -r.nextInt(1150);
            DD c = r.nextInt(4) == 0 ? DD.ONE : dd(r, r.nextInt(-20, 20)).mul(Math.signum(r.nextDouble() - 0.5));
            double t = r.nextInt(3) == 0 ? 1.0 : 0.25 + 4 * r.nextDouble();
            String what = "a = " + a + ", b = " + b + ", k = " + k + ", c = " + c + ", t = " + t;
            assertEquals(exact(a, b, k, c, t), DD.affine(a, b, k, c, t), what);
        }
    }

    @Test
    @DisplayName("scaledValue(k) rounds hi + lo once where Math.scalb(value(), k) rounds twice")
    void scaledValueRoundsOnce() {
        // (2.5 + 2^-80)·2^-1074 lies just above the tie between 2 and 3 times the smallest subnormal: once rounded
        // it is 3·MIN_VALUE; rounded to a double first (2.5) and then scaled, a tie to even gives 2·MIN_VALUE
        DD x = DD.fastTwoSum(2.5, 0x1p-80);
        assertEquals(2 * Double.MIN_VALUE, Math.scalb(x.value(), -1074));
        assertEquals(3 * Double.MIN_VALUE, x.scaledValue(-1074));
    }
}
