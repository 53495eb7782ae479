package org.softmaxspi.conformance;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.api.Softmax;

/** Runs the whole suite against every provider ServiceLoader finds on the test class path. */
class AllProvidersConformanceTest {

    @TestFactory
    Stream<DynamicNode> everyProviderPassesTheSuite() {
        List<Softmax> providers = ConformanceTests.availableProviders();
        assertFalse(providers.isEmpty(), "no provider on the test class path");
        return ConformanceTests.dynamicTests(providers);
    }
}
