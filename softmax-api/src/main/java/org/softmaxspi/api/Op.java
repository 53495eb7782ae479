package org.softmaxspi.api;

import java.util.Locale;

/** The operations of the API; a provider declares which it supports in its {@link Capabilities}. */
public enum Op {
    /** y_i = e^{z_i - m} / sum_k e^{z_k - m}, m = max z. */
    SOFTMAX,
    /** z_i - m - log sum_k e^{z_k - m}. */
    LOG_SOFTMAX,
    /** J_ij = y_i (delta_ij - y_j) for each slice along the axis. */
    JACOBIAN,
    /** Vector-Jacobian product from y and g = dL/dy: y (g - sum g y). */
    BACKWARD,
    /** From log-softmax output and g: g - softmax * sum g. */
    LOG_SOFTMAX_BACKWARD,
    /** Cross-entropy from logits, loss and gradient y - t. */
    CROSS_ENTROPY,
    /** Negative log-likelihood from log-probabilities and class labels, loss and gradient. */
    NLL;

    /** The lowercase name used in requests and reports, e.g. {@code log_softmax}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a label such as {@code log_softmax} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when it is no operation
     */
    public static Op fromLabel(String label) {
        for (Op op : values()) {
            if (op.label().equalsIgnoreCase(label)) {
                return op;
            }
        }
        throw new IllegalArgumentException("op: unknown value '" + label + "' (expected one of "
                + java.util.Arrays.stream(values()).map(Op::label).toList() + ")");
    }
}
