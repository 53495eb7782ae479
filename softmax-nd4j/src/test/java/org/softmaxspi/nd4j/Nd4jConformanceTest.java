package org.softmaxspi.nd4j;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.api.SoftmaxProviders;
import org.softmaxspi.conformance.ConformanceTests;

/** The whole conformance suite (float32 and float64, every case, property and contract) against "nd4j". */
class Nd4jConformanceTest {

    @TestFactory
    Stream<DynamicNode> conformance() {
        return ConformanceTests.dynamicTests(List.of(SoftmaxProviders.get("nd4j")));
    }
}
