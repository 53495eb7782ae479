package org.softmaxspi.api;

/**
 * The service provider interface: one numeric backend, found by {@link java.util.ServiceLoader}
 * through {@code META-INF/services/org.softmaxspi.api.SoftmaxProvider}.
 *
 * <p>Keep the constructor trivial: it must not load native code or allocate. Loading happens in
 * {@link #availability()} or {@link #createKernel()}, each called at most once by the facade.
 *
 * <p>Users do not call providers directly; {@link SoftmaxProviders} and {@link Softmax} do.
 */
public interface SoftmaxProvider {

    /** A stable lowercase name, such as {@code "reference"} or {@code "nd4j"}; unique among providers. */
    String name();

    /**
     * Higher wins when no provider is named by the user. The reference provider has 0; native
     * backends rank above it.
     */
    int priority();

    /**
     * Whether the backend works here, and if not, why. Must never throw, never hang and never
     * crash the JVM: a native library that cannot load gives {@code unavailable(reason)}. May be
     * slow the first time (it may load the backend); the facade calls it once and caches the answer.
     */
    Availability availability();

    /** The backend's library and version; must not load the backend. */
    BackendInfo backend();

    /**
     * The dtypes and operations supported; {@link Capabilities#all()} for a complete provider. A
     * constant: a {@link Softmax} asks once, at its first operation, and keeps the answer.
     */
    default Capabilities capabilities() {
        return Capabilities.all();
    }

    /**
     * The error bound this provider guarantees for {@code op} in {@code dtype} on {@code layout},
     * stated from the algorithm it runs (see {@link Accuracy}); the conformance suite holds the
     * provider to it and {@code softmax verify} prints it. The layout is given because a library may
     * sum differently along the last axis (SIMD lanes) and along an inner one (one sum per column).
     * A constant function of its arguments; must not load the backend.
     *
     * <p>The default, {@link Accuracy#pairwise()}, is the bound every provider was held to before
     * providers declared their own; a provider that runs a less accurate algorithm must declare it.
     */
    default Accuracy accuracy(Op op, DType dtype, Layout layout) {
        return Accuracy.pairwise();
    }

    /**
     * As {@link #accuracy(Op, DType, Layout)}, for a call with {@code options} (a mask, a temperature, a
     * masked-rows policy), whose algorithm may differ: for example one that forms {@code (z - m)/T} in the
     * dtype before its kernel cannot be correctly rounded for T ≠ 1. The conformance suite's option checks
     * hold the provider to this declaration. The default is the declaration without options.
     */
    default Accuracy accuracy(Op op, DType dtype, Layout layout, SoftmaxOptions options) {
        return accuracy(op, dtype, layout);
    }

    /**
     * Makes the object that does the work; called once, lazily, only when {@link #availability()}
     * said available. May throw if the backend fails after all; the facade reports that as
     * {@link ProviderUnavailableException}.
     */
    SoftmaxKernel createKernel();
}
