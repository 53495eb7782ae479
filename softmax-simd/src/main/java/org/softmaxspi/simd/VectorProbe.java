package org.softmaxspi.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/** Loaded reflectively by {@link SimdProvider#availability()} once the module is known to be present. */
final class VectorProbe {

    /** Lanes of the preferred float species. */
    static final int FLOAT_LANES = FloatVector.SPECIES_PREFERRED.length();

    /** Lanes of the preferred double species. */
    static final int DOUBLE_LANES = DoubleVector.SPECIES_PREFERRED.length();

    private VectorProbe() {
    }

    static String describe() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors (" + FLOAT_LANES + " float, "
                + DOUBLE_LANES + " double lanes)";
    }
}
