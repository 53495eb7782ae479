package org.softmaxspi.api;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The dtypes and operations a provider supports. The facade throws
 * {@link UnsupportedOperationException} for anything outside them, before calling the provider.
 *
 * @param dtypes supported element types (an unmodifiable copy is kept)
 * @param ops    supported operations (an unmodifiable copy is kept)
 */
public record Capabilities(Set<DType> dtypes, Set<Op> ops) {

    private static final Capabilities ALL = new Capabilities(EnumSet.allOf(DType.class), EnumSet.allOf(Op.class));

    /** Capabilities over unmodifiable copies of the given sets (neither null). */
    public Capabilities {
        // EnumSet: the facade asks on every call, and an EnumSet answers with a bit test
        dtypes = Collections.unmodifiableSet(dtypes.isEmpty() ? EnumSet.noneOf(DType.class) : EnumSet.copyOf(dtypes));
        ops = Collections.unmodifiableSet(ops.isEmpty() ? EnumSet.noneOf(Op.class) : EnumSet.copyOf(ops));
    }

    /** Every dtype and every operation. */
    public static Capabilities all() {
        return ALL;
    }

    /** True when both the dtype and the operation are supported. */
    public boolean supports(Op op, DType dtype) {
        return ops.contains(op) && dtypes.contains(dtype);
    }
}
