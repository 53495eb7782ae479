package org.softmaxspi.djl;

import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/**
 * The provider {@code "djl"}: every operation computed by PyTorch's own CPU kernels (libtorch 2.7.1)
 * through DJL {@code NDArray}s, in the caller's dtype, float32 and float64, along any axis. Its
 * accuracy is PyTorch's, as {@link #accuracy} declares.
 *
 * <h2>Priority 20</h2>
 * Below simd (30) and onnxruntime (25, faster in float32, slower in float64), above ND4J (10) and the
 * reference (0): priorities follow the measured speed (the benchmark reports). PyTorch's kernels are vectorised and multi-threaded (softmax at 128×32000 several
 * times faster than ND4J's), and a small call costs about as much as ND4J's. The price of the default:
 * the first start in a fresh environment unpacks libtorch (432 MB) into {@code ~/.djl.ai} (about
 * 3 s), and every later JVM pays about 0.5 s to load it.
 *
 * <h2>Offline</h2>
 * Before any DJL class is touched, the provider sets the system property {@value #OFFLINE_PROPERTY}
 * to {@code true} unless the user has set it or the environment variable {@code DJL_OFFLINE}. In
 * offline mode DJL never downloads libtorch and never sends its start-up telemetry requests (the
 * EC2 metadata address and a tracking URL). The setting is JVM-wide; set {@code -Dai.djl.offline=false}
 * to let DJL download (models, or libtorch when the native jar is missing).
 *
 * <h2>Start</h2>
 * The engine starts lazily, once per JVM, in {@link #availability()} or {@link #createKernel()},
 * on a daemon thread ({@code softmax-djl-engine-start}) that is waited for at most
 * {@value #START_TIMEOUT_PROPERTY} seconds (default 300):
 * a start that cannot finish (a download with no network timeout, when offline mode is off) gives
 * {@link Availability#unavailable unavailable} instead of a hang. Any failure (libtorch not on the
 * class path, a broken library, a missing DJL jar) gives {@code unavailable} with the cause and what
 * to add; {@link #availability()} never throws. The constructor does nothing, and {@link #backend()}
 * never loads DJL.
 *
 * <p>The native library comes from {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} on
 * the class path and is extracted to DJL's cache: {@code DJL_CACHE_DIR} (environment variable or
 * system property; {@code ENGINE_CACHE_DIR} for the engine alone), else {@code ~/.djl.ai}.
 * {@code PYTORCH_LIBRARY_PATH} points DJL at an existing libtorch 2.7.1 directory instead.
 */
public final class DjlProvider implements SoftmaxProvider {

    /** The provider's name: {@value}. */
    public static final String NAME = "djl";

    /** The provider's priority: {@value} (see the class description for why). */
    public static final int PRIORITY = 20;

    /** DJL's offline switch, set to {@code true} by the provider when the user has not set it: {@value}. */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    /** The longest wait, in seconds, for the engine to start: {@value}. */
    public static final String START_TIMEOUT_PROPERTY = "softmax.djl.startTimeoutSeconds";

    /**
     * The DJL and libtorch versions this provider is built and tested against (checked against the
     * loaded engine by the tests; {@link #backend()} cannot ask DJL without loading it).
     */
    public static final String VERSION = "0.35.1 (PyTorch 2.7.1)";

    /** Does nothing: DJL is loaded only by {@link #availability()} or {@link #createKernel()}. */
    public DjlProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    /** Starts the engine the first time (see the class description); never throws. */
    @Override
    public Availability availability() {
        try {
            return DjlStartup.outcome().availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("the DJL provider failed to check its engine", e);
        }
    }

    /** Library {@code DJL}, version {@value #VERSION}; the details name the engine and its threads once started. */
    @Override
    public BackendInfo backend() {
        return new BackendInfo("DJL", VERSION, DjlStartup.details());
    }

    /**
     * PyTorch's CPU kernels sum in the dtype (see {@link DjlKernel}). Along the last axis (inner size
     * 1) {@code vec::reduce_all} keeps one accumulator per SIMD lane: at least 8 floats or 4 doubles
     * (AVX2 and the default build; AVX-512 has twice as many), folded with at most 7 roundings (the
     * default build's and double's sequential fold of 8 lanes; AVX2 float uses a 3-level tree), so
     * {@code blocked(8, 7)} for float32 and {@code blocked(4, 7)} for float64. {@code torch.sum}, used
     * by the backward passes and the loss reductions, is a cascade whose first level is at least as
     * finely blocked, so the same bound holds for it. Along an inner axis every kernel keeps one
     * accumulator per column and adds the K terms in order: recursive.
     */
    @Override
    public Accuracy accuracy(Op op, DType dtype, Layout layout) {
        if (layout.inner() != 1) {
            return Accuracy.recursive();
        }
        return Accuracy.blocked(dtype == DType.FLOAT32 ? 8 : 4, 7);
    }

    @Override
    public SoftmaxKernel createKernel() {
        DjlStartup.Outcome o = DjlStartup.outcome();
        if (o.kernel() == null) {
            throw new IllegalStateException("provider 'djl' is unavailable: " + o.availability().reason());
        }
        return o.kernel();
    }
}
