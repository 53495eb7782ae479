package org.softmaxspi.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Small arrays on the calling thread, large ones in parallel parts (this module's tests set
 * {@value BulkCopy#PARALLEL_FROM_PROPERTY} to 64 KiB): the same bytes either way.
 */
class BulkCopyTest {

    @Test
    void theTestsTakeTheParallelPath() {
        assertEquals(64 << 10, BulkCopy.PARALLEL_FROM_BYTES);
    }

    @Test
    void floats_smallAndLarge_roundTrip_positionUnchanged() {
        for (int n : new int[] {0, 1, 1000, BulkCopy.PARALLEL_FROM_BYTES / Float.BYTES * 3 + 7}) {
            SplittableRandom r = new SplittableRandom(n);
            float[] src = new float[n];
            for (int i = 0; i < n; i++) {
                src[i] = (float) r.nextDouble();
            }
            FloatBuffer b = ByteBuffer.allocateDirect(n * Float.BYTES + 8).order(ByteOrder.nativeOrder()).asFloatBuffer();
            b.position(1);
            BulkCopy.put(src, b);
            float[] back = new float[n];
            BulkCopy.get(b, back);
            assertArrayEquals(src, back, "n = " + n);
            assertEquals(1, b.position());
            if (n > 0) {
                assertEquals(src[n - 1], b.get(n - 1));
            }
        }
    }

    @Test
    void doubles_smallAndLarge_roundTrip() {
        for (int n : new int[] {0, 3, BulkCopy.PARALLEL_FROM_BYTES / Double.BYTES * 2 + 1}) {
            double[] src = new SplittableRandom(n).doubles(n).toArray();
            DoubleBuffer b = ByteBuffer.allocateDirect(n * Double.BYTES).order(ByteOrder.nativeOrder()).asDoubleBuffer();
            BulkCopy.put(src, b);
            double[] back = new double[n];
            BulkCopy.get(b, back);
            assertArrayEquals(src, back, "n = " + n);
        }
    }
}
