package org.softmaxspi.api;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Copies between Java arrays and (native) NIO buffers for providers that run on native memory: one
 * bulk copy, optionally split across cores for large arrays. Alone, two cores copied 32 MB between the
 * heap and native memory here in 3 ms instead of 5.5 ms; inside the providers, right before and after
 * a native op, the split gained nothing in JMH (djl and nd4j at 128×32000, both dtypes, 3 forks each,
 * same run: within noise), most likely because the libraries' OpenMP threads spin on the second core
 * after an op. So copies run on the calling thread unless {@value #PARALLEL_FROM_PROPERTY} sets a
 * size (bytes, at least 64 KiB) from which they are split.
 *
 * <p>Every method copies {@code array.length} elements between the array and the buffer's elements
 * 0 to {@code array.length - 1} (absolute indices: the buffer's position and limit are ignored and
 * left unchanged). Parallel parts run in the {@link ForkJoinPool#commonPool() common pool} and the
 * calling thread, each on a contiguous range, so the result is the same as one sequential copy.
 */
public final class BulkCopy {

    /** The system property that sets {@link #PARALLEL_FROM_BYTES}: {@value}. */
    public static final String PARALLEL_FROM_PROPERTY = "softmax.bulkCopy.parallelFromBytes";

    /**
     * Arrays of at least this many bytes are copied in parallel parts: the system property
     * {@value #PARALLEL_FROM_PROPERTY} (at least 64 KiB), by default never ({@link Integer#MAX_VALUE}).
     */
    public static final int PARALLEL_FROM_BYTES = Math.max(64 << 10,
            Integer.getInteger(PARALLEL_FROM_PROPERTY, Integer.MAX_VALUE));

    private BulkCopy() {
    }

    /** {@code dst[0, src.length) = src}. */
    public static void put(float[] src, FloatBuffer dst) {
        put(src, dst, PARALLEL_FROM_BYTES);
    }

    /** {@code dst[0, src.length) = src}. */
    public static void put(double[] src, DoubleBuffer dst) {
        put(src, dst, PARALLEL_FROM_BYTES);
    }

    /** {@code dst = src[0, dst.length)}. */
    public static void get(FloatBuffer src, float[] dst) {
        get(src, dst, PARALLEL_FROM_BYTES);
    }

    /** {@code dst = src[0, dst.length)}. */
    public static void get(DoubleBuffer src, double[] dst) {
        get(src, dst, PARALLEL_FROM_BYTES);
    }

    /**
     * {@code dst[0, src.length) = src}, split across cores from {@code parallelFromBytes} (at least 64 KiB): for a
     * provider whose library leaves the other cores idle after an op (ONNX Runtime without spinning).
     */
    public static void put(float[] src, FloatBuffer dst, int parallelFromBytes) {
        copy(src.length, Float.BYTES, parallelFromBytes, (from, length) -> dst.put(from, src, from, length));
    }

    /** {@code dst[0, src.length) = src}, split across cores from {@code parallelFromBytes} (at least 64 KiB). */
    public static void put(double[] src, DoubleBuffer dst, int parallelFromBytes) {
        copy(src.length, Double.BYTES, parallelFromBytes, (from, length) -> dst.put(from, src, from, length));
    }

    /** {@code dst = src[0, dst.length)}, split across cores from {@code parallelFromBytes} (at least 64 KiB). */
    public static void get(FloatBuffer src, float[] dst, int parallelFromBytes) {
        copy(dst.length, Float.BYTES, parallelFromBytes, (from, length) -> src.get(from, dst, from, length));
    }

    /** {@code dst = src[0, dst.length)}, split across cores from {@code parallelFromBytes} (at least 64 KiB). */
    public static void get(DoubleBuffer src, double[] dst, int parallelFromBytes) {
        copy(dst.length, Double.BYTES, parallelFromBytes, (from, length) -> src.get(from, dst, from, length));
    }

    /** Copies one range of elements, the same index in the array and in the buffer. */
    private interface Range {
        void copy(int from, int length);
    }

    /** Elements {@code [0, n)} in one range, or in contiguous parts copied in parallel. */
    private static void copy(int n, int width, int parallelFromBytes, Range range) {
        int parts = parts((long) n * width, Math.max(64 << 10, parallelFromBytes));
        if (parts == 1) {
            range.copy(0, n);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = from(n, parts, p);
            range.copy(from, from(n, parts, p + 1) - from);
        });
    }

    private static int parts(long bytes, int parallelFromBytes) {
        if (bytes < parallelFromBytes) {
            return 1;
        }
        int cores = ForkJoinPool.getCommonPoolParallelism() + 1; // the workers and the calling thread
        return (int) Math.max(1, Math.min(cores, bytes / (parallelFromBytes / 2)));
    }

    private static int from(int n, int parts, int p) {
        return (int) ((long) n * p / parts);
    }
}
