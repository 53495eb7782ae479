package org.softmaxspi.simd;

/**
 * The provider's settings, read once from system properties. Free of {@code jdk.incubator.vector}
 * references, so the provider can report them without loading the Vector API.
 */
final class SimdConfig {

    /** System property: the number of threads one call may use (default: available processors). */
    static final String THREADS_PROPERTY = "softmax.simd.threads";

    /**
     * System property: the element count (of the work, e.g. rows·K, or rows·K² for the Jacobian)
     * below which a call stays on the calling thread.
     */
    static final String THRESHOLD_PROPERTY = "softmax.simd.parallelThreshold";

    /**
     * Default of {@link #THRESHOLD_PROPERTY}: about 5 µs of single-thread work; below it a second
     * thread gained nothing on the 2-core machine measured (8×1000 float32 softmax: 0.72 ns per
     * element on one thread, 0.51 on two).
     */
    static final long DEFAULT_THRESHOLD = 1L << 13;

    /** System property: how long an idle worker spins before it parks, in microseconds. */
    static final String SPIN_PROPERTY = "softmax.simd.spinMicros";

    /** Default of {@link #SPIN_PROPERTY}. */
    static final long DEFAULT_SPIN_MICROS = 50;

    final int threads;
    final long threshold;

    private SimdConfig(int threads, long threshold) {
        this.threads = threads;
        this.threshold = threshold;
    }

    static SimdConfig of(int threads, long threshold) {
        return new SimdConfig(Math.max(1, threads), Math.max(0, threshold));
    }

    /** {@link #SPIN_PROPERTY}, for the workers all kernels share. */
    static long spinMicros() {
        return longProperty(SPIN_PROPERTY, DEFAULT_SPIN_MICROS);
    }

    static SimdConfig fromSystemProperties() {
        int cpus = Runtime.getRuntime().availableProcessors();
        int threads = cpus;
        String t = System.getProperty(THREADS_PROPERTY);
        if (t != null && !t.isBlank()) {
            try {
                threads = Integer.parseInt(t.trim());
            } catch (NumberFormatException e) {
                threads = cpus;
            }
        }
        threads = Math.max(1, Math.min(threads, 256));
        long threshold = longProperty(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD);
        return new SimdConfig(threads, threshold);
    }

    private static long longProperty(String name, long fallback) {
        String s = System.getProperty(name);
        if (s == null || s.isBlank()) {
            return fallback;
        }
        try {
            return Math.max(0, Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public String toString() {
        return threads + (threads == 1 ? " thread" : " threads") + " (-D" + THREADS_PROPERTY + "), parallel from "
                + threshold + " elements (-D" + THRESHOLD_PROPERTY + "), idle workers spin " + spinMicros()
                + " µs (-D" + SPIN_PROPERTY + ")";
    }
}
