package org.softmaxspi.api;

import java.util.Locale;

/**
 * How cross-entropy combines the per-row losses (a row is one slice along the class axis).
 * The gradient is scaled the same way: by {@code 1/rows} for {@link #MEAN}, by 1 otherwise.
 */
public enum Reduction {
    /** The mean over rows; NaN when there are no rows (0/0, as PyTorch). */
    MEAN,
    /** The sum over rows; 0 when there are no rows. */
    SUM,
    /** One loss per row, shaped as the input without the class axis. */
    NONE;

    /** The lowercase name used in requests: {@code mean}, {@code sum} or {@code none}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code mean}, {@code sum} or {@code none} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when it is none of them
     */
    public static Reduction fromLabel(String label) {
        for (Reduction r : values()) {
            if (r.label().equalsIgnoreCase(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("reduction: unknown value '" + label + "' (expected mean, sum or none)");
    }
}
