package org.softmaxspi.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A provider module whose provider cannot load here fails its TCK run with the reason, unless skipped on purpose. */
class ForProviderTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(ConformanceTests.SKIP_PROPERTY);
    }

    private static DynamicTest only(String name) {
        List<DynamicNode> nodes = ConformanceTests.forProvider(name).toList();
        assertEquals(1, nodes.size(), "one test for a provider that cannot run");
        return (DynamicTest) nodes.get(0);
    }

    @Test
    void unavailableProvider_failsWithItsReason() {
        DynamicTest t = only(UnavailableProvider.NAME);
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> t.getExecutable().execute());
        assertTrue(e.getMessage().contains(UnavailableProvider.REASON), e.getMessage());
        assertTrue(e.getMessage().contains("-D" + ConformanceTests.SKIP_PROPERTY + "=" + UnavailableProvider.NAME),
                e.getMessage());
    }

    @Test
    void unavailableProvider_listedInTheSkipProperty_isAbortedNotPassed() {
        System.setProperty(ConformanceTests.SKIP_PROPERTY, "other, " + UnavailableProvider.NAME);
        DynamicTest t = only(UnavailableProvider.NAME);
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> t.getExecutable().execute());
        assertTrue(e.getMessage().contains(UnavailableProvider.REASON), e.getMessage());
    }

    @Test
    void missingProvider_fails() {
        DynamicTest t = only("no-such-provider");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> t.getExecutable().execute());
        assertTrue(e.getMessage().contains("no-such-provider"), e.getMessage());
    }
}
