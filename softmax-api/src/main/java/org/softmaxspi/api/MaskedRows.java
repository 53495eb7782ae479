package org.softmaxspi.api;

import java.util.Locale;

/**
 * What softmax gives for a row with nothing to normalize: every entry masked out, or (without a
 * mask) every entry {@code -∞}. Rows holding NaN or {@code +∞} among their unmasked entries are NaN
 * under both policies.
 */
public enum MaskedRows {
    /**
     * A row of NaN (log-softmax too): 0/0, as PyTorch's {@code softmax} and JAX's
     * {@code jax.nn.softmax(where=)} give. The default.
     */
    NAN,
    /**
     * "Safe softmax": probabilities 0 (log-probabilities {@code -∞}, the log of those zeros), as
     * PyTorch's {@code _safe_softmax} (used by scaled-dot-product attention), oneDNN's
     * {@code softmax_accurate_inf_as_zero} and ONNX {@code Attention} give.
     */
    ZERO;

    /** The lowercase name used in requests: {@code nan} or {@code zero}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code nan} or {@code zero} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static MaskedRows fromLabel(String label) {
        for (MaskedRows r : values()) {
            if (r.label().equalsIgnoreCase(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("masked_rows: unknown value '" + label + "' (expected nan or zero)");
    }
}
