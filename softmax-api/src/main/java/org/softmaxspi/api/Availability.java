package org.softmaxspi.api;

import java.util.Objects;

/**
 * Whether a provider can be used in this JVM, and if not, why (in words a user can act on).
 *
 * @param available true when the provider's backend loaded and works
 * @param reason    why it is unavailable; empty when available
 */
public record Availability(boolean available, String reason) {

    private static final Availability AVAILABLE = new Availability(true, "");

    /** An availability; {@code reason} is empty when available and must not be null. */
    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    /** The provider works. */
    public static Availability ok() {
        return AVAILABLE;
    }

    /** The provider cannot be used; {@code reason} says why (for example the native loader's message). */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason == null || reason.isBlank() ? "unknown reason" : reason);
    }

    /** Unavailable because of {@code failure}: its class and message, and those of its root cause. */
    public static Availability unavailable(String what, Throwable failure) {
        StringBuilder sb = new StringBuilder(what).append(": ").append(describe(failure));
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != failure) {
            sb.append(" (cause: ").append(describe(root)).append(')');
        }
        return unavailable(sb.toString());
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
