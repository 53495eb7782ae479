package org.softmaxspi.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/** What the TCK does not see: the session cache's bound, threads sharing sessions, the backend's description. */
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*onnxruntime\\s*(,.*)?")
class OnnxRuntimeProviderTest {

    private static final Softmax ORT = SoftmaxProviders.get("onnxruntime");

    @Test
    void describesItsSessionOptions() {
        String details = ORT.provider().backend().details();
        assertTrue(details.startsWith("ONNX Runtime 1.23.2, CPU execution provider"), details);
        assertTrue(details.contains("intra-op threads"), details);
    }

    @Test
    void pastTheBoundACallGetsAOneOffSessionWithTheSameResult() {
        OrtKernel kernel = (OrtKernel) new OnnxRuntimeProvider().createKernel();
        double[] z = {1, 2, 3, 4, 5, 6};
        int[] labels = {0, 2};
        double[] first = null;
        // each ignore_index is a key of its own (an attribute of the ONNX loss op)
        for (int ignore = -1000; ignore < -1000 + OrtSessions.MAX_SESSIONS + 8; ignore++) {
            double[] loss = new double[1];
            ORT.crossEntropy(z, new int[] {2, 3}, 1, labels, LossOptions.of(Reduction.MEAN).withIgnoreIndex(ignore),
                    loss, new double[6]);
            if (first == null) {
                first = loss;
            }
            assertArrayEquals(first, loss, 0);
        }
        assertEquals(OrtSessions.MAX_SESSIONS, kernel.sessions().size(), "the cache stops at its bound");
    }

    @Test
    void threadsSharingSessionsGetTheSingleThreadedBits() throws Exception {
        Random r = new Random(3);
        float[] z = new float[64 * 1000];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) (r.nextGaussian() * 4);
        }
        int[] shape = {64, 1000};
        float[] y = ORT.softmax(z, shape, 1);
        float[] l = ORT.logSoftmax(z, shape, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                calls.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertArrayEquals(y, ORT.softmax(z, shape, 1));
                        assertArrayEquals(l, ORT.logSoftmax(z, shape, 0));
                    }
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void scratchMemoryIsAlignedAndLongEnoughForAnySize() {
        for (int bytes = 1; bytes < 2000; bytes += 7) {
            java.nio.ByteBuffer b = OrtCall.Scratch.aligned(bytes);
            assertEquals(bytes, b.remaining());
            assertEquals(0, b.alignmentOffset(0, OrtCall.Scratch.ALIGNMENT));
        }
    }
}
