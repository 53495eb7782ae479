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

    /** Default of {@link #THRESHOLD_PROPERTY}: about 30–60 µs of single-thread work. */
    static final long DEFAULT_THRESHOLD = 1L << 17;

    final int threads;
    final long threshold;

    private SimdConfig(int threads, long threshold) {
        this.threads = threads;
        this.threshold = threshold;
    }

    static SimdConfig of(int threads, long threshold) {
        return new SimdConfig(Math.max(1, threads), Math.max(0, threshold));
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
        long threshold = DEFAULT_THRESHOLD;
        String s = System.getProperty(THRESHOLD_PROPERTY);
        if (s != null && !s.isBlank()) {
            try {
                threshold = Math.max(0, Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                threshold = DEFAULT_THRESHOLD;
            }
        }
        return new SimdConfig(threads, threshold);
    }

    @Override
    public String toString() {
        return threads + (threads == 1 ? " thread" : " threads") + " (-D" + THREADS_PROPERTY + "), parallel from "
                + threshold + " elements (-D" + THRESHOLD_PROPERTY + ")";
    }
}
