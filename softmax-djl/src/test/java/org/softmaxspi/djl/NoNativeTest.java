package org.softmaxspi.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.ProviderUnavailableException;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Runs only in the surefire execution {@code no-native}: pytorch-native-cpu is removed from the
 * class path, DJL_CACHE_DIR is an empty directory and ai.djl.offline is NOT set by the build (the
 * provider must set it). DJL would download libtorch; the provider must instead be unavailable with
 * a reason that says what to add, never throw or hang, and leave the reference provider working.
 */
class NoNativeTest {

    @Test
    void unavailableWithAClearReasonAndTheReferenceStillWorks() {
        assertNull(getClass().getClassLoader().getResource("native/lib/pytorch.properties"),
                "this test needs pytorch-native-cpu off the class path");
        assertNull(System.getProperty("ai.djl.offline"), "the build must leave ai.djl.offline to the provider");

        DjlProvider p = new DjlProvider();
        assertEquals("DJL", p.backend().library()); // backend() works before (and without) the engine

        long t0 = System.nanoTime();
        Availability a = p.availability();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("no-native: availability() answered in " + ms + " ms: " + a.reason());
        assertFalse(a.available());
        assertEquals("true", System.getProperty("ai.djl.offline"), "the provider sets offline mode");
        assertTrue(a.reason().contains("pytorch-native-cpu"), a.reason());
        assertTrue(a.reason().contains("offline"), a.reason());
        assertTrue(a.reason().contains("Failed to save pytorch index file"), a.reason()); // DJL's own message

        assertSame(a, p.availability(), "asked once; never throws");
        assertTrue(p.backend().details().startsWith("unavailable"), p.backend().details());
        assertThrows(IllegalStateException.class, p::createKernel);

        ProviderStatus djl = SoftmaxProviders.all().stream().filter(s -> s.name().equals("djl")).findFirst()
                .orElseThrow();
        assertFalse(djl.available());
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
                () -> SoftmaxProviders.get("djl"));
        assertTrue(e.getMessage().contains("pytorch-native-cpu"), e.getMessage());

        assertEquals("reference", SoftmaxProviders.getDefault().name());
        assertArrayEquals(new double[] {0.5, 0.5}, SoftmaxProviders.get("reference").softmax(new double[] {3, 3}));
    }
}
