package org.softmaxspi.nd4j;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.conformance.ConformanceTests;

/**
 * The whole TCK on the nd4j provider (ND4J's own kernels), held to its declared accuracy. Fails when the
 * provider is unavailable here, unless it is skipped on purpose with {@code -Dsoftmax.tck.skip=nd4j}.
 */
class Nd4jConformanceTest {

    @TestFactory
    Stream<DynamicNode> tck() {
        return ConformanceTests.forProvider(Nd4jProvider.NAME);
    }
}
