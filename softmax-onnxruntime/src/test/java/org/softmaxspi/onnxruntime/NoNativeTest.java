package org.softmaxspi.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.ProviderUnavailableException;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Runs only in the surefire execution {@code no-native}: {@code onnxruntime.native.path} points ONNX Runtime at
 * a directory without its native libraries. The provider must be unavailable with the loader's reason and what
 * to check, never throw, and leave the reference provider working.
 */
class NoNativeTest {

    @Test
    void unavailableWithTheLoadersReasonAndTheReferenceStillWorks() {
        String path = System.getProperty("onnxruntime.native.path");
        assertTrue(path != null && path.endsWith("no-native-libraries"), "this test needs the no-native execution");

        OnnxRuntimeProvider p = new OnnxRuntimeProvider();
        assertEquals("ONNX Runtime", p.backend().library()); // backend() works without the library

        Availability a = p.availability();
        System.out.println("no-native: " + a.reason());
        assertFalse(a.available());
        assertTrue(a.reason().contains("libonnxruntime.so"), a.reason());          // the loader's own message
        assertTrue(a.reason().contains("onnxruntime.native.path"), a.reason());    // what to check
        assertSame(a, p.availability(), "asked once; never throws");
        assertTrue(p.backend().details().startsWith("unavailable"), p.backend().details());
        assertThrows(IllegalStateException.class, p::createKernel);

        ProviderStatus ort = SoftmaxProviders.all().stream().filter(s -> s.name().equals("onnxruntime")).findFirst()
                .orElseThrow();
        assertFalse(ort.available());
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
                () -> SoftmaxProviders.get("onnxruntime"));
        assertTrue(e.getMessage().contains("onnxruntime.native.path"), e.getMessage());

        assertEquals("reference", SoftmaxProviders.getDefault().name());
        assertArrayEquals(new double[] {0.5, 0.5}, SoftmaxProviders.get("reference").softmax(new double[] {3, 3}));
    }
}
