package org.softmaxspi.simd;

import java.util.Optional;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/**
 * The provider {@code "simd"}: pure Java on the Vector API ({@code jdk.incubator.vector}), every
 * operation and dtype, several threads for large inputs. Priority 30, so it is the default whenever
 * the JVM was started with {@code --add-modules jdk.incubator.vector}; without that flag it reports
 * itself unavailable with that advice, and nothing else is affected.
 *
 * <p>This class refers to no {@code jdk.incubator.vector} type: the kernel classes that do are
 * loaded only by {@link #createKernel()}, after {@link #availability()} found the module.
 *
 * <h2>Threads</h2>
 * {@code -Dsoftmax.simd.threads=N} (default: the available processors) caps the threads one call
 * uses; the calling thread always works too. Inputs below
 * {@code -Dsoftmax.simd.parallelThreshold} elements of work (default 8192) stay on the calling
 * thread. The workers are daemon threads shared by all kernels; an idle worker spins for
 * {@code -Dsoftmax.simd.spinMicros} (default 50) before it parks. Work is split between threads by
 * whole rows, fixed segments of one long row, or column blocks for an inner axis, never by thread
 * count, so the result is bit-for-bit the same whatever the number of threads.
 *
 * <h2>Accuracy</h2>
 * Softmax and log-softmax along rows (the last axis, or an inner axis shorter than a vector, gathered
 * into rows), float32 and float64, without a temperature: correctly rounded in practice, declared so. Each
 * {@code e^(z - m)} is an unevaluated pair {@code hi + lo} of the dtype ({@code z - m} split exactly by
 * TwoSum and carried into a split exp, {@code FloatExp.expSplitInto}), the pairs summed by TwoSum per lane
 * and folded into a double-double {@code S - 1}, {@code y = (hi + lo)·R} with {@code R = 1/S} in
 * double-double, rounded once; {@code log S} in double-double from {@code log1p(S - 1)} and one Newton step,
 * {@code log y = (z - m) - log S} rounded once. Everything before the last rounding is within about 2^-28
 * (float32) or 2^-100 (float64) of the exact value (the README's accuracy section).
 *
 * <p>Everything else (an inner axis of at least a vector's width, the Jacobian, the backward passes, the
 * losses, calls with a temperature T ≠ 1, which is applied as {@code (z - m)/T} rounded in the dtype) is
 * declared pairwise and computed as follows. {@code exp} is the kernel's own: Cody–Waite reduction with FMA, a Taylor polynomial (degree 8
 * in float32, 13 in float64) and an exact two-step power-of-two scaling, so gradual underflow is
 * rounded once; its error is below 1 ulp (float32 ~0.8, float64 ~0.6 in the worst case analysis).
 * It is built from IEEE additions, multiplications and FMAs only, so a lane computes the same bits
 * in compiled code, in the interpreter and in the scalar tail code; {@code VectorOperators.EXP}
 * (SVML on x86, documented only as within 1 ulp in some implementations, and different from
 * {@link Math#exp} which the Vector API's Java fallback uses) is not used for that reason. Sums
 * over a row are taken in vector lanes in blocks of four vectors (three plain roundings per lane
 * and block), each block added with an exact TwoSum into a compensated (hi, lo) pair per lane, and
 * the lanes are folded in double with a Neumaier-compensated sum: the sum's error is a few roundings however long
 * the row, where a plain per-lane sum would lose up to K/L roundings (PyTorch's float32 softmax is
 * 1 045 ulps off on the suite's long-row trap for that reason). The compensation costs one extra
 * pass over the stored exps, which are still in cache. Softmax is {@code exp(z - m) · (1/S)}:
 * about 2–3 ulps plus what rounding {@code z - m} costs; log-softmax is {@code (z - m) - log S}
 * with {@code log S} from {@link Math#log} in double, never {@code log(softmax)}.
 *
 * <h2>Speed</h2>
 * A row along the last axis takes four sweeps: max and min; {@code e^(z - m)} stored into the
 * output; the sum of the stored values; the scaling by {@code 1/S}. Rows up to about 100 000
 * floats stay in the core's L2 between sweeps, so main memory sees one read of the input and one
 * write of the output, as for a copy. The exp uses one power-of-two scaling when the row's min
 * shows that nothing underflows, else the general form. Along an inner axis (not the last),
 * softmax, log-softmax, the backward passes and cross-entropy with labels sweep contiguous row
 * segments, with per-column sums; cross-entropy with probability targets transposes L slices at a
 * time into rows.
 */
public final class SimdProvider implements SoftmaxProvider {

    /** The provider's name: {@value}. */
    public static final String NAME = "simd";

    /** The module the kernel needs. */
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    /** The reason given when the Vector API module is not in the boot layer. */
    static final String NO_MODULE_REASON = "the Vector API module " + VECTOR_MODULE
            + " is not loaded: start the JVM with --add-modules " + VECTOR_MODULE;

    private final SimdConfig config = SimdConfig.fromSystemProperties();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 30;
    }

    @Override
    public Availability availability() {
        Optional<Module> module = ModuleLayer.boot().findModule(VECTOR_MODULE);
        if (module.isEmpty()) {
            return Availability.unavailable(NO_MODULE_REASON);
        }
        try {
            // Loads the Vector API and checks that a vector species of at least 2 float lanes exists.
            int lanes = Class.forName("org.softmaxspi.simd.VectorProbe", true, SimdProvider.class.getClassLoader())
                    .getDeclaredField("FLOAT_LANES").getInt(null);
            if (lanes < 2) {
                return Availability.unavailable("the Vector API has no SIMD float vectors on this CPU (" + lanes
                        + " lane)");
            }
            return Availability.ok();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return Availability.unavailable("the Vector API (" + VECTOR_MODULE + ") failed to load", e);
        }
    }

    @Override
    public BackendInfo backend() {
        return new BackendInfo("Java Vector API (" + VECTOR_MODULE + ")", System.getProperty("java.version", "unknown"),
                config + "; own polynomial exp, compensated blocked sums; preferred vector species");
    }

    /**
     * Correctly rounded for softmax and log-softmax along any axis, in both dtypes: the split exps and
     * double-double sums of the class javadoc (worst in the suite: 0.71 ulp float32 softmax, 0.55 float64);
     * an axis that is not the last is transposed into rows, L slices at a time; with options too (the SPI's
     * default for them), since a temperature T ≠ 1 reaches the kernel as {@code (z - m)/T} to twice the dtype's
     * precision (a pair, see {@code FloatOptions}) and costs no accuracy. Everything else
     * is compensated summation: blocks of four vectors summed per lane, each block added by TwoSum into a
     * (hi, lo) pair per lane, lanes folded in double by a Neumaier sum, so a sum is off by a few roundings
     * for any K; the exp is under 1 ulp, {@code z - m} is rounded in the dtype (κ). Declared as the pairwise
     * class, {@code 4 + 2⌈log2 K⌉ + κ}.
     */
    @Override
    public Accuracy accuracy(Op op, DType dtype, Layout layout) {
        if (op == Op.SOFTMAX || op == Op.LOG_SOFTMAX) {
            return Accuracy.correctlyRounded();
        }
        return Accuracy.pairwise();
    }

    @Override
    public SoftmaxKernel createKernel() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            throw new IllegalStateException(NO_MODULE_REASON);
        }
        return new SimdKernel(config);
    }
}
