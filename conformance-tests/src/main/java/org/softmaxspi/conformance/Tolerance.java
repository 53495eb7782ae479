package org.softmaxspi.conformance;

import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * How errors are measured: in ulps of the dtype, against scales, with κ. The bounds themselves are
 * declared by each provider ({@link Accuracy}, from the summation its algorithm uses) and combined
 * per operation by {@link Judge}.
 *
 * <p>Why these scales. oneDNN's test harness accepts 10·eps relative error forward, ×5 for
 * log-softmax and ×4 for backward; we judge every provider by the bound its own algorithm warrants:
 * <ul>
 *   <li>{@code base = 4}: one exp (≤ 1 ulp in good libraries), one division or log (0.5–1 ulp), one
 *       rounding of the sum and of the result.</li>
 *   <li>the sum: {@code 2·⌈log2 K⌉} for pairwise or compensated summation, {@code ⌈K/L⌉ − 1 + fold}
 *       for L lane accumulators, {@code K − 1} for one running accumulator (see {@link Accuracy}).</li>
 *   <li>{@code + κ_i} (softmax only): rounding {@code z_i - m} in the dtype perturbs
 *       {@code e^(z_i - m)} by up to {@code |z_i - m|} ulps. This is inherent to every method that
 *       forms the difference in the dtype; κ is 0 where the difference is exact.</li>
 * </ul>
 * Scales: softmax is judged in plain ulps of the exact value. Log-softmax is judged in ulps of
 * {@code max(|exact|, 1)}: near 0 (the dominant class) any method that forms the sum S loses
 * {@code eps} absolutely in {@code log S}. The Jacobian diagonal is judged against
 * {@code y_i·max(y_i, 1 - y_i)}, the size of the terms a direct {@code y_i - y_i²} subtracts. The
 * backward against {@code y_k(|g_k| + Σ|g_j| y_j)}, its condition; the log-softmax backward against
 * {@code |g_k| + e^{l_k}·Σ|g_j|}. Cross-entropy losses against {@code max(|exact|, 1)} (per row and
 * mean) or {@code max(|exact|, rows)} (sum), with the sum's ulps over the rows more for the
 * reduction; gradients against {@code scale·max(y_k, t_k)}. A correctly rounded declaration is
 * judged in plain ulps of the exact value instead, bound 1 everywhere.
 */
final class Tolerance {

    private Tolerance() {
    }

    /** What the provider of {@code s} declares for {@code op} and {@code dtype} on {@code shape} along {@code axis}. */
    static Accuracy declared(Softmax s, Op op, DType dtype, int[] shape, int axis) {
        return declared(s, op, dtype, Layout.of(shape, axis));
    }

    /** What the provider of {@code s} declares for a call with {@code options} (never null). */
    static Accuracy declared(Softmax s, Op op, DType dtype, Layout layout, SoftmaxOptions options) {
        return java.util.Objects.requireNonNull(s.provider().accuracy(op, dtype, layout, options),
                () -> "provider '" + s.name() + "': accuracy(" + op.label() + ", " + dtype.label() + ", " + layout
                        + ", " + options + ") returned null");
    }

    /** What the provider of {@code s} declares (never null: a provider returning null is a defect). */
    static Accuracy declared(Softmax s, Op op, DType dtype, Layout layout) {
        return java.util.Objects.requireNonNull(s.provider().accuracy(op, dtype, layout),
                () -> "provider '" + s.name() + "': accuracy(" + op.label() + ", " + dtype.label() + ", " + layout
                        + ") returned null");
    }

    /**
     * κ: the ulps that rounding {@code z - m} in the dtype may cost after exp; 0 when the
     * difference is exact in the dtype.
     */
    static double kappa(double z, double m, DType dtype) {
        if (!Double.isFinite(z) || !Double.isFinite(m)) {
            return 0;
        }
        double s = z - m;
        double err = (z - (s - (s - z))) + (-m - (s - z)); // TwoSum error of z + (-m)
        boolean exact;
        if (dtype == DType.FLOAT32) {
            float f = (float) z - (float) m;
            exact = err == 0 && f == s;
        } else {
            exact = err == 0;
        }
        return exact || Double.isInfinite(s) ? 0 : Math.abs(s);
    }

    /** The size of one ulp of {@code scale} in the dtype (the smallest subnormal for 0). */
    static double ulp(double scale, DType dtype) {
        double a = Math.abs(scale);
        return dtype == DType.FLOAT32 ? Math.ulp((float) Math.min(a, Float.MAX_VALUE)) : Math.ulp(a);
    }

    /**
     * The error of {@code computed} against the exact {@code hi + lo}, in ulps of {@code scale}.
     * NaN and infinities must match exactly (0 or +∞ ulps). Overflow is judged as a rounding: an exact value past
     * the dtype's MAX (it rounds to an infinity) is met by that infinity, or by a finite result of its sign judged
     * by its distance in ulps of MAX; an infinite result for a finite exact value counts as MAX + 1 ulp. A true
     * infinity (an infinite loss) must be computed as infinity.
     */
    static double ulps(double computed, double hi, double lo, double scale, DType dtype) {
        if (Double.isNaN(hi)) {
            return Double.isNaN(computed) ? 0 : Double.POSITIVE_INFINITY;
        }
        double rounded = dtype == DType.FLOAT32 ? (float) (hi + lo) : hi + lo;
        if (Double.isInfinite(rounded)) {
            if (computed == rounded) {
                return 0;
            }
            // a finite result of the right sign for a finite exact value past MAX: its distance in ulps of MAX
            // (the exact value rounds to ±∞, a result just below MAX is a rounding error like any other)
            if (!Double.isFinite(computed) || Math.signum(computed) != Math.signum(rounded)) {
                return Double.POSITIVE_INFINITY;
            }
            if (dtype == DType.FLOAT32) {
                return Math.abs((computed - hi) - lo) / ulp(Float.MAX_VALUE, dtype);
            }
            return Double.isInfinite(hi)
                    ? Exact.pastMax(lo) + (Double.MAX_VALUE - Math.abs(computed)) / Math.ulp(Double.MAX_VALUE)
                    : Math.abs((computed - hi) - lo) / Math.ulp(Double.MAX_VALUE);
        }
        if (Double.isNaN(computed)) {
            return Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(computed)) {
            // overflow is a rounding too: an infinity stands for the first value past MAX, MAX + 1 ulp, so an exact
            // value just under MAX (a loss near MAX) computed as ∞ is judged by that distance
            double max = dtype == DType.FLOAT32 ? Float.MAX_VALUE : Double.MAX_VALUE;
            double ulpOfMax = ulp(max, dtype);
            if (Math.signum(computed) != Math.signum(hi)) {
                return Double.POSITIVE_INFINITY;
            }
            double past = ((Math.abs(hi) - max) + lo * Math.signum(hi)) / ulpOfMax;
            return Math.abs(1 - past);
        }
        double diff = Math.abs((computed - hi) - lo);
        return diff / ulp(scale, dtype);
    }
}
