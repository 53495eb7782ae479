package org.softmaxspi.api;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Copies between Java arrays and (native) NIO buffers for providers that run on native memory: one
 * bulk copy, split across cores for large arrays. On the machines measured here one core copies
 * 32 MB between the heap and native memory in about 5.5 ms and two cores in about 3 ms, which is as
 * much as a native library's whole softmax of that array; below {@value #PARALLEL_FROM_BYTES} bytes
 * waking a second thread costs more than it saves, and the copy runs on the calling thread.
 *
 * <p>Every method copies {@code array.length} elements between the array and the buffer's elements
 * 0 to {@code array.length - 1} (absolute indices: the buffer's position and limit are ignored and
 * left unchanged). Parallel parts run in the {@link ForkJoinPool#commonPool() common pool} and the
 * calling thread, each on a contiguous range, so the result is the same as one sequential copy.
 */
public final class BulkCopy {

    /** Arrays of at least this many bytes are copied in parallel parts: {@value} (4 MiB). */
    public static final int PARALLEL_FROM_BYTES = 4 << 20;

    private BulkCopy() {
    }

    /** {@code dst[0, src.length) = src}. */
    public static void put(float[] src, FloatBuffer dst) {
        int parts = parts(src.length * (long) Float.BYTES);
        if (parts == 1) {
            dst.put(0, src, 0, src.length);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = from(src.length, parts, p);
            dst.put(from, src, from, from(src.length, parts, p + 1) - from);
        });
    }

    /** {@code dst[0, src.length) = src}. */
    public static void put(double[] src, DoubleBuffer dst) {
        int parts = parts(src.length * (long) Double.BYTES);
        if (parts == 1) {
            dst.put(0, src, 0, src.length);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = from(src.length, parts, p);
            dst.put(from, src, from, from(src.length, parts, p + 1) - from);
        });
    }

    /** {@code dst = src[0, dst.length)}. */
    public static void get(FloatBuffer src, float[] dst) {
        int parts = parts(dst.length * (long) Float.BYTES);
        if (parts == 1) {
            src.get(0, dst, 0, dst.length);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = from(dst.length, parts, p);
            src.get(from, dst, from, from(dst.length, parts, p + 1) - from);
        });
    }

    /** {@code dst = src[0, dst.length)}. */
    public static void get(DoubleBuffer src, double[] dst) {
        int parts = parts(dst.length * (long) Double.BYTES);
        if (parts == 1) {
            src.get(0, dst, 0, dst.length);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = from(dst.length, parts, p);
            src.get(from, dst, from, from(dst.length, parts, p + 1) - from);
        });
    }

    private static int parts(long bytes) {
        if (bytes < PARALLEL_FROM_BYTES) {
            return 1;
        }
        int cores = ForkJoinPool.getCommonPoolParallelism() + 1; // the workers and the calling thread
        return (int) Math.max(1, Math.min(cores, bytes / (PARALLEL_FROM_BYTES / 2)));
    }

    private static int from(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }
}
