package org.softmaxspi.nd4j;

import java.util.Locale;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/**
 * The ND4J provider, {@code "nd4j"}: every operation, for float32 and float64 along any axis,
 * computed by libnd4j's own CPU ops in the caller's dtype (its softmax op, and compositions of its
 * ops where it has none that fits). Its accuracy is ND4J's, as {@link #accuracy} declares.
 * Priority 10: below simd (30), onnxruntime (25) and DJL (20), whose kernels measured faster (the benchmark reports),
 * above the reference (0).
 *
 * <p>Nothing is loaded by the constructor or by {@link #backend()}. The native backend loads once
 * per JVM, in {@link #availability()} or {@link #createKernel()} (whichever comes first), after the
 * CPU variant is chosen (see {@link CpuVariant}). When the native library cannot load,
 * {@link #availability()} reports it with the loader's message; it never throws and never lets
 * JavaCPP load a build the CPU cannot run.
 *
 * <p>How ND4J's own ops are used, and where ND4J's defects are avoided, is documented on
 * {@link Nd4jKernel}.
 */
public final class Nd4jProvider implements SoftmaxProvider {

    /** The provider's name: {@value}. */
    public static final String NAME = "nd4j";

    /** The priority: {@value}. */
    public static final int PRIORITY = 10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        try {
            return Nd4jRuntime.get().availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("ND4J native backend failed to load", e);
        }
    }

    /**
     * Library {@code ND4J}, the nd4j-native version (read from its jar, without loading it), and, once
     * loaded, the variant, binary level, BLAS and threads, and the time the first load took.
     */
    @Override
    public BackendInfo backend() {
        Nd4jRuntime.State s = Nd4jRuntime.peek();
        String details;
        if (s == null) {
            details = "native CPU backend, not loaded yet";
        } else if (!s.availability().available()) {
            details = "unavailable: " + s.availability().reason();
        } else {
            details = s.details() + "; variant " + s.variant().note()
                    + String.format(Locale.ROOT, "; first load %.0f ms", s.initNanos() / 1e6);
        }
        return new BackendInfo("ND4J", Nd4jRuntime.version(), details);
    }

    /**
     * Recursive summation for every operation, dtype and axis: libnd4j 1.0.0-M2.1 sums each row of
     * {@code exp(x − max)} with one accumulator of the dtype in a sequential loop (its {@code omp simd}
     * reduction is not vectorised in the shipped binaries), and its {@code Sum} along a dimension keeps
     * one accumulator per row as well; see {@link Nd4jKernel}.
     */
    @Override
    public Accuracy accuracy(Op op, DType dtype, Layout layout) {
        return Accuracy.recursive();
    }

    @Override
    public SoftmaxKernel createKernel() {
        Availability a = Nd4jRuntime.get().availability();
        if (!a.available()) {
            throw new IllegalStateException("ND4J is unavailable: " + a.reason());
        }
        return new Nd4jKernel();
    }
}
