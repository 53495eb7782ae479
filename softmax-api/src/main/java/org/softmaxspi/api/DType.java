package org.softmaxspi.api;

import java.util.Locale;

/** The element types every operation exists for. */
public enum DType {
    /** IEEE 754 binary32, Java {@code float[]}. */
    FLOAT32,
    /** IEEE 754 binary64, Java {@code double[]}. */
    FLOAT64;

    /** The lowercase name used in requests, reports and messages: {@code float32} or {@code float64}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code float32} or {@code float64} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static DType fromLabel(String label) {
        for (DType t : values()) {
            if (t.label().equalsIgnoreCase(label)) {
                return t;
            }
        }
        throw new IllegalArgumentException("dtype: unknown value '" + label + "' (expected float32 or float64)");
    }
}
