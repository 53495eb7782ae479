package org.softmaxspi.simd;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.conformance.ConformanceTests;

/**
 * The whole TCK on the simd provider, held to its declared accuracy. Fails when the
 * provider is unavailable here, unless it is skipped on purpose with {@code -Dsoftmax.tck.skip=simd}.
 */
class SimdConformanceTest {

    @TestFactory
    Stream<DynamicNode> tck() {
        return ConformanceTests.forProvider(SimdProvider.NAME);
    }
}
