package org.softmaxspi.api;

import java.util.Objects;

/**
 * What a provider computes with: the library, its version and free-form details
 * (native build, instruction set, threads).
 *
 * @param library the library's name, e.g. {@code "ND4J"} or {@code "Java (java.lang.Math)"}
 * @param version its version, or {@code "unknown"}
 * @param details anything else worth printing; may be empty
 */
public record BackendInfo(String library, String version, String details) {

    /** A description; no component may be null. */
    public BackendInfo {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(details, "details");
    }

    @Override
    public String toString() {
        return library + " " + version + (details.isEmpty() ? "" : " (" + details + ")");
    }
}
