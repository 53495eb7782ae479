package org.softmaxspi.conformance;

import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;

/**
 * The outcome of one check of one provider.
 *
 * @param provider the provider's name
 * @param check    what was checked: {@code accuracy}, {@code onnx-expected}, {@code rows-sum-to-1},
 *                 {@code shift-invariance}, {@code jacobian-rows-sum-to-0}, {@code backward-equals-jacobian},
 *                 {@code finite-difference}, {@code bad-input}, {@code inputs-unchanged}, {@code threads},
 *                 {@code buffers (…)}, {@code options-identical}, {@code options} (a check of {@link OptionChecks}
 *                 that threw)
 * @param op       the operation, or null for checks about the whole API
 * @param dtype    the dtype, or null
 * @param caseName the case, or a short description of the probe
 * @param error    the largest error found (ulps, or relative error for finite differences; 0 or 1 for yes/no checks)
 * @param bound    the bound at that element
 * @param passed   whether the check passed
 * @param message  the details: for a failure the element, the values and the error
 * @param declared for accuracy checks: the provider's declared bound as a formula ({@code Accuracy.formula()}),
 *                 else empty
 * @param referenceError for accuracy checks: the error, measured the same way, of a correctly rounded
 *                 provider in the same run on the same case, or NaN when the run has none
 */
public record CheckResult(String provider, String check, Op op, DType dtype, String caseName, double error,
                          double bound, boolean passed, String message, String declared, double referenceError) {

    /** A result without a declared bound or a reference error (properties and contracts). */
    public CheckResult(String provider, String check, Op op, DType dtype, String caseName, double error,
                       double bound, boolean passed, String message) {
        this(provider, check, op, dtype, caseName, error, bound, passed, message, "", Double.NaN);
    }

    /** The name of the check: provider, check, op, dtype and case, for test reports. */
    public String name() {
        return provider + " · " + check + (op == null ? "" : " · " + op.label())
                + (dtype == null ? "" : " · " + dtype.label()) + " · " + caseName;
    }

    /** A line naming provider, check, op, dtype, case and the outcome. */
    public String describe() {
        return name() + ": " + (passed ? "ok" : "FAILED") + (message.isEmpty() ? "" : " — " + message);
    }
}
