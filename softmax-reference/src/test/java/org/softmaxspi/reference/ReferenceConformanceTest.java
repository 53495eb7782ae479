package org.softmaxspi.reference;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.conformance.ConformanceTests;

/**
 * The whole TCK on the reference provider, held to its declaration: every result within 1 ulp. Fails when the
 * provider is unavailable here, unless it is skipped on purpose with {@code -Dsoftmax.tck.skip=reference}.
 */
class ReferenceConformanceTest {

    @TestFactory
    Stream<DynamicNode> tck() {
        return ConformanceTests.forProvider(ReferenceProvider.NAME);
    }
}
