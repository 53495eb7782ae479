package org.softmaxspi.onnxruntime;

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
 * The provider {@code "onnxruntime"}: every operation is a small ONNX graph (opset 13) run by ONNX Runtime's
 * CPU execution provider ({@code com.microsoft.onnxruntime:onnxruntime:1.23.2}, whose jar carries the native
 * library), in the caller's dtype, float32 and float64, along any axis; see {@link OrtKernel} for the graphs.
 * Its accuracy is ONNX Runtime's, as {@link #accuracy} declares.
 *
 * <h2>Start</h2>
 * ONNX Runtime loads lazily, once per JVM, in {@link #availability()} or {@link #createKernel()}: its Java
 * binding extracts {@code libonnxruntime.so} and its JNI library (about 22 MB) from the jar to a temporary
 * directory and loads them (about 0.3 s here), then each graph's session is created at its first call
 * (a few milliseconds each). A library that cannot load gives {@link Availability#unavailable unavailable}
 * with the loader's reason and what to check; {@link #availability()} never throws. The constructor does
 * nothing and {@link #backend()} never loads ONNX Runtime. Session options: {@link OrtSessions}.
 */
public final class OnnxRuntimeProvider implements SoftmaxProvider {

    /** The provider's name: {@value}. */
    public static final String NAME = "onnxruntime";

    /**
     * The provider's priority: {@value}. Below simd (30), above djl (20), nd4j (10) and the reference (0):
     * priorities follow the measured speed (the 2026-11-28 onnxruntime benchmark report). In float32, the usual
     * dtype, ONNX Runtime's MLAS softmax made this provider faster than djl at 64×1000 and 128×32000 (2.9 against
     * 5.4 ms from arrays) and as fast at 1×10; it also starts in 0.3 s without unpacking anything to disk. Its
     * float64 is slower than djl's (38 against 19 ms): name {@code djl} for float64-heavy work.
     */
    public static final int PRIORITY = 25;

    /** The ONNX Runtime version this provider is built and tested against: {@value}. */
    public static final String VERSION = "1.23.2";

    /** Does nothing: ONNX Runtime is loaded only by {@link #availability()} or {@link #createKernel()}. */
    public OnnxRuntimeProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    /** Loads ONNX Runtime the first time (see the class description); never throws. */
    @Override
    public Availability availability() {
        try {
            return OrtRuntime.outcome().availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("the ONNX Runtime provider failed to check its library", e);
        }
    }

    /** Library {@code ONNX Runtime}, version {@value #VERSION}; the details give the session options once started. */
    @Override
    public BackendInfo backend() {
        return new BackendInfo("ONNX Runtime", VERSION, OrtRuntime.details());
    }

    /**
     * From ONNX Runtime's CPU kernels (onnxruntime/core/mlas/lib/compute.cpp, TransKernelFma3.S,
     * TransKernelAvx512F.S; providers/cpu/math/softmax_shared.cc; providers/cpu/reduction/reduction_ops.cc):
     * <ul>
     *   <li>float32 softmax and log-softmax (also under the Jacobian and the cross-entropy) are MLAS's: the
     *       exponentials are summed in one vector accumulator, 8 lanes (AVX2/FMA3) or 16 (AVX-512), folded by
     *       3 or 4 horizontal adds, so {@code blocked(8, 4)}; an inner axis is transposed to the last first, so
     *       the same holds along any axis.</li>
     *   <li>float64 softmax and log-softmax (and the Jacobian and cross-entropy on them) run caffe2's
     *       {@code SoftmaxCPU}: the row sums are Eigen's row-major matrix-times-ones product, which keeps one packet
     *       accumulator per row, at least 2 doubles wide (SSE2, the x86-64 baseline), folded by one add:
     *       {@code blocked(2, 1)}. The long-row trap measures 6 829 ulps, as PyTorch's 4-lane sum (6 833), so the
     *       release build likely uses 4-lane AVX packets; the baseline is what the source guarantees.</li>
     *   <li>The backward passes sum with {@code ReduceSum}, whose middle-axis reduction adds the K terms in
     *       order (MLAS SGEMM with M = 1, or a loop): {@code recursive}; NLL has no row sum, and is declared as
     *       the backward passes.</li>
     *   <li>float32, every op: {@linkplain Accuracy#withSubnormalsFlushed() subnormal results may be 0}. MLAS's
     *       AVX2 (FMA3) exponential kernels clamp {@code z − m} at {@code LowerRangeSumExp} = −88.376 (ln of the
     *       smallest normal float) and scale by one power of two, so no result below {@link Float#MIN_NORMAL}
     *       comes out (README, ONNX Runtime finding 8: measured on an AMD EPYC without AVX-512, where e^−88 gave 0);
     *       the AVX-512 kernels gave the correctly rounded subnormals on an Intel Xeon. Which one runs is MLAS's
     *       choice at start, so the declaration allows both.</li>
     * </ul>
     */
    @Override
    public Accuracy accuracy(Op op, DType dtype, Layout layout) {
        boolean softmaxKernel = op == Op.SOFTMAX || op == Op.LOG_SOFTMAX || op == Op.JACOBIAN || op == Op.CROSS_ENTROPY;
        if (dtype == DType.FLOAT64) {
            return softmaxKernel ? Accuracy.blocked(2, 1) : Accuracy.recursive();
        }
        return (softmaxKernel ? Accuracy.blocked(8, 4) : Accuracy.recursive()).withSubnormalsFlushed();
    }

    @Override
    public SoftmaxKernel createKernel() {
        OrtRuntime.Outcome o = OrtRuntime.outcome();
        if (o.kernel() == null) {
            throw new IllegalStateException("provider 'onnxruntime' is unavailable: " + o.availability().reason());
        }
        return o.kernel();
    }

    /** ONNX Runtime's name of this platform's native directory in its jar, such as {@code linux-x64}. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : "linux";
        String a = arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : "x64";
        return o + "-" + a;
    }
}
