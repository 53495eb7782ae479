package org.softmaxspi.conformance;

import java.util.function.IntToDoubleFunction;
import org.softmaxspi.api.DType;

/** Finds the worst element of a result against its exact values, scales and bounds. */
final class Measure {

    /** The worst element: the one with the largest error-to-bound ratio. */
    record Worst(int index, double error, double bound, double computed, double expected) {
        static final Worst NONE = new Worst(-1, 0, 0, 0, 0);

        boolean passed() {
            return error <= bound;
        }

        String describe(String what) {
            if (index < 0) {
                return "";
            }
            return what + "[" + index + "] = " + computed + ", expected " + expected + ", error "
                    + String.format(java.util.Locale.ROOT, "%.3g", error) + " ulps (bound "
                    + String.format(java.util.Locale.ROOT, "%.3g", bound) + ")";
        }

        Worst max(Worst o) {
            if (index < 0) {
                return o;
            }
            if (o.index < 0) {
                return this;
            }
            return ratio() >= o.ratio() ? this : o;
        }

        double ratio() {
            return bound == 0 ? (error == 0 ? 0 : Double.POSITIVE_INFINITY) : error / bound;
        }
    }

    private Measure() {
    }

    static Worst worst(double[] computed, Exact exact, IntToDoubleFunction scale, IntToDoubleFunction bound,
                       DType dtype) {
        return worst(computed, exact, scale, bound, dtype, false);
    }

    /**
     * The worst element; with {@code subnormalsFlushed} (an {@link org.softmaxspi.api.Accuracy#subnormalsFlushed()
     * Accuracy} that says so) a 0 where the exact value is below the dtype's smallest normal counts as no error.
     */
    static Worst worst(double[] computed, Exact exact, IntToDoubleFunction scale, IntToDoubleFunction bound,
                       DType dtype, boolean subnormalsFlushed) {
        double minNormal = dtype == DType.FLOAT32 ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        Worst w = Worst.NONE;
        for (int i = 0; i < computed.length; i++) {
            double s = scale.applyAsDouble(i);
            double e = subnormalsFlushed && computed[i] == 0 && Math.abs(exact.value(i)) < minNormal ? 0
                    : Tolerance.ulps(computed[i], exact.hi()[i], exact.lo()[i], s, dtype);
            double b = bound.applyAsDouble(i);
            double ratio = b == 0 ? (e == 0 ? 0 : Double.POSITIVE_INFINITY) : e / b;
            if (w.index() < 0 || ratio > w.ratio() || Double.isNaN(e)) {
                w = new Worst(i, e, b, computed[i], exact.value(i));
            }
        }
        return w;
    }
}
