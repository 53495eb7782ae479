package org.softmaxspi.onnxruntime;

import static org.softmaxspi.onnxruntime.OrtGraphs.GRADIENT;
import static org.softmaxspi.onnxruntime.OrtGraphs.HALF_LOG;
import static org.softmaxspi.onnxruntime.OrtGraphs.KEEP;
import static org.softmaxspi.onnxruntime.OrtGraphs.LABELS;
import static org.softmaxspi.onnxruntime.OrtGraphs.LOSS;
import static org.softmaxspi.onnxruntime.OrtGraphs.MASK;
import static org.softmaxspi.onnxruntime.OrtGraphs.MASKED;
import static org.softmaxspi.onnxruntime.OrtGraphs.ROW_COEFFICIENT;
import static org.softmaxspi.onnxruntime.OrtGraphs.ROW_COUNTS;
import static org.softmaxspi.onnxruntime.OrtGraphs.SCALE;
import static org.softmaxspi.onnxruntime.OrtGraphs.SLICE_MASK;
import static org.softmaxspi.onnxruntime.OrtGraphs.TARGET;
import static org.softmaxspi.onnxruntime.OrtGraphs.TARGET_OPTIONS;
import static org.softmaxspi.onnxruntime.OrtGraphs.TEMPERATURE;
import static org.softmaxspi.onnxruntime.OrtGraphs.TEMPERED;
import static org.softmaxspi.onnxruntime.OrtGraphs.UNIFORM;
import static org.softmaxspi.onnxruntime.OrtGraphs.UPSTREAM;
import static org.softmaxspi.onnxruntime.OrtGraphs.WEIGHT;
import static org.softmaxspi.onnxruntime.OrtGraphs.WEIGHTED;
import static org.softmaxspi.onnxruntime.OrtGraphs.X;
import static org.softmaxspi.onnxruntime.OrtGraphs.Y;
import static org.softmaxspi.onnxruntime.OrtGraphs.ZERO_ROWS;

import ai.onnxruntime.OrtEnvironment;
import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.LossTerms;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.ThreadArrays;
import org.softmaxspi.api.UntypedKernel;
import org.softmaxspi.onnxruntime.OrtGraphs.Key;
import org.softmaxspi.onnxruntime.OrtGraphs.Kind;

/**
 * The ONNX Runtime kernel: every operation is one small ONNX graph ({@link OrtGraphs}) run by ONNX Runtime's
 * CPU execution provider in the caller's dtype, float32 or float64, along any axis (the data viewed as
 * {@code [N, K]} or {@code [N, K, D]}, axis 1).
 *
 * <h2>Where the contract's semantics need a fix-up (the README's findings; each has a test)</h2>
 * <ul>
 *   <li>Empty inputs return early (nothing to write; a reduced loss of zero rows is NaN for the mean, 0 for
 *       the sum), without a session run.</li>
 *   <li>A mean over only ignored rows: the loss and the counted rows' gradient are NaN, as for every provider
 *       ({@link LossTerms#finishEmptyMean}).</li>
 *   <li>float64 cross-entropy with labels: a counted row whose logits hold NaN or +∞ gets loss NaN (finding 2,
 *       inside {@code SoftmaxCrossEntropyLoss}: found by the fuzz properties).</li>
 *   <li>Overflow of a finite loss ({@code z − m} overflowing for {@code z = −MAX} next to {@code m = +MAX}):
 *       only when a row's loss comes out infinite, the call's losses are recomputed from half
 *       log-probabilities and doubled (the {@code HALF_LOG} graph), as for the other adapters.</li>
 * </ul>
 *
 * <h2>Copies per call</h2>
 * See {@link OrtCall}: direct buffers are used in place, arrays copied once in and once out of per-thread
 * direct memory; ONNX Runtime writes into pinned outputs, so only its own intermediate tensors are allocated
 * (by its arena).
 *
 * <p>Thread-safe: sessions are shared ({@code OrtSession.run} is thread-safe), buffers are per thread.
 */
final class OrtKernel extends UntypedKernel {

    private final OrtEnvironment env;
    private final OrtSessions sessions;
    private final ThreadLocal<OrtCall.Scratch> scratch = ThreadLocal.withInitial(OrtCall.Scratch::new);

    OrtKernel(OrtEnvironment env, OrtSessions sessions) {
        this.env = env;
        this.sessions = sessions;
    }

    /** The sessions (for tests). */
    OrtSessions sessions() {
        return sessions;
    }

    @Override
    protected void softmaxOp(Object logits, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        int flags = softmaxFlags(o, l, true);
        try (OrtCall c = call(new Key(log ? Kind.LOG_SOFTMAX : Kind.SOFTMAX, dtype(logits), l.isLastAxis(), flags,
                null, null), logits)) {
            c.data(X, logits, view(l));
            softmaxOptions(c, o, l, flags);
            c.output(Y, out, view(l)).run();
        } finally {
            Reference.reachabilityFence(logits);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    protected void jacobianOp(Object logits, Layout l, SoftmaxOptions o, Object out) {
        if (l.size() == 0) {
            return;
        }
        int flags = softmaxFlags(o, l, true);
        try (OrtCall c = call(new Key(Kind.JACOBIAN, dtype(logits), l.isLastAxis(), flags, null, null), logits)) {
            c.data(X, logits, view(l));
            softmaxOptions(c, o, l, flags);
            c.output(Y, out, new long[] {l.rows(), l.axisLength(), l.axisLength()}).run();
        } finally {
            Reference.reachabilityFence(logits);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    protected void backwardOp(Object first, Object upstream, Layout l, SoftmaxOptions o, Object out, boolean log) {
        if (l.size() == 0) {
            return;
        }
        int flags = softmaxFlags(o, l, false);
        Kind kind = log ? Kind.LOG_SOFTMAX_BACKWARD : Kind.BACKWARD;
        try (OrtCall c = call(new Key(kind, dtype(first), l.isLastAxis(), flags, null, null), first)) {
            c.data(X, first, view(l)).data(UPSTREAM, upstream, view(l));
            softmaxOptions(c, o, l, flags);
            c.output(Y, out, view(l)).run();
        } finally {
            Reference.reachabilityFence(first);
            Reference.reachabilityFence(upstream);
            Reference.reachabilityFence(out);
        }
    }

    @Override
    protected void crossEntropyOp(Object logits, Layout l, Object targets, LossOptions o, Object lossOut,
                                  Object gradientOut) {
        int[] labels = targets instanceof int[] t ? t : null;
        LossTerms terms = LossTerms.of(o, l, labels, dtype(logits) == DType.FLOAT64);
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        try {
            if (labels != null && o.labelSmoothing() == 0) {
                labelsLoss(Kind.CROSS_ENTROPY_LABELS, logits, l, labels, o, terms, lossOut, gradientOut);
                if (dtype(logits) == DType.FLOAT64) {
                    nanRowLosses(logits, l, labels, o, lossOut, gradientOut);
                }
            } else {
                composedLoss(logits, l, targets, o, terms, 0, lossOut, gradientOut);
            }
            if (anyInfinite(lossOut)) {
                composedLoss(logits, l, targets, o, terms, HALF_LOG, lossOut, gradientOut);
            }
        } finally {
            Reference.reachabilityFence(logits);
            Reference.reachabilityFence(targets);
            Reference.reachabilityFence(lossOut);
            Reference.reachabilityFence(gradientOut);
        }
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    @Override
    protected void nllOp(Object logProbabilities, Layout l, int[] labels, LossOptions o, Object lossOut,
                         Object gradientOut) {
        LossTerms terms = LossTerms.of(o, l, labels, dtype(logProbabilities) == DType.FLOAT64);
        if (l.size() == 0) {
            fill(lossOut, terms.emptyMean ? Double.NaN : 0);
            return;
        }
        labelsLoss(Kind.NLL, logProbabilities, l, labels, o, terms, lossOut, gradientOut);
        terms.finishEmptyMean(l, lossOut, gradientOut);
    }

    /**
     * ONNX's own loss op with labels (SoftmaxCrossEntropyLoss or NegativeLogLikelihoodLoss, with its weight
     * input and ignore_index), and the gradient {@code (y − onehot)·c_n·scale} or {@code onehot·c_n·scale}.
     */
    private void labelsLoss(Kind kind, Object x, Layout l, int[] labels, LossOptions o, LossTerms terms,
                            Object lossOut, Object gradientOut) {
        int flags = o.hasWeight() ? WEIGHTED : 0;
        Integer ignore = o.hasIgnoreIndex() ? o.ignoreIndex() : null;
        Key key = new Key(kind, dtype(x), l.isLastAxis(), flags, o.reduction(), ignore);
        try (OrtCall c = call(key, x)) {
            c.data(X, x, view(l)).labels(LABELS, labels, rowShape(l));
            if (o.hasWeight()) {
                c.values(WEIGHT, terms.weight, new long[] {l.axisLength()});
            }
            if (OrtGraphs.takesRowCoefficient(key)) {
                c.values(ROW_COEFFICIENT, kind == Kind.NLL ? terms.nllCoefficient : terms.labelCoefficient,
                        rowsWithAxis(l));
            }
            scale(c, key, terms);
            c.output(LOSS, lossOut, lossShape(l, o.reduction())).output(GRADIENT, gradientOut, view(l)).run();
        }
    }

    /** {@code −Σ c·log y} composed of ONNX ops: labels with smoothing, or probability targets. */
    private void composedLoss(Object logits, Layout l, Object targets, LossOptions o, LossTerms terms, int halfLog,
                              Object lossOut, Object gradientOut) {
        boolean withLabels = targets instanceof int[];
        Kind kind = withLabels ? Kind.CROSS_ENTROPY_SMOOTHED : Kind.CROSS_ENTROPY_TARGETS;
        int flags = halfLog | (!withLabels && !o.isPlain() ? TARGET_OPTIONS : 0);
        Key key = new Key(kind, dtype(logits), l.isLastAxis(), flags, o.reduction(), null);
        try (OrtCall c = call(key, logits)) {
            c.data(X, logits, view(l));
            if (withLabels) {
                c.labels(LABELS, terms.safeLabels, rowShape(l))
                        .values(ROW_COEFFICIENT, terms.labelCoefficient, rowsWithAxis(l))
                        .values(ROW_COUNTS, terms.rowCounts, rowsWithAxis(l))
                        .values(UNIFORM, terms.uniformCoefficients(), classShape(l));
            } else {
                c.data(TARGET, targets, view(l));
                if (!o.isPlain()) {
                    c.scalar(KEEP, terms.keep).scalar(UNIFORM, terms.uniform).values(WEIGHT, terms.weight, classShape(l));
                }
            }
            scale(c, key, terms);
            c.output(LOSS, lossOut, lossShape(l, o.reduction())).output(GRADIENT, gradientOut, view(l)).run();
        }
    }

    /**
     * Finding 2 inside {@code SoftmaxCrossEntropyLoss} (float64): its expansion's {@code LogSoftmax} takes
     * {@code log(max(Σ, 1e-20))}, so a row holding NaN next to a large logit gets a finite loss. A counted row
     * (not the ignored label) whose logits hold NaN or +∞ gets loss NaN and a NaN gradient row, and so does a
     * reduced loss over it, as the contract says; one pass over the logits in Java.
     */
    private static void nanRowLosses(Object logits, Layout l, int[] labels, LossOptions o, Object lossOut,
                                     Object gradientOut) {
        int k = l.axisLength();
        int inner = l.inner();
        for (int row = 0; row < l.rows(); row++) {
            if (o.ignores(labels[row])) {
                continue;
            }
            int start = l.rowStart(row);
            boolean bad = false;
            for (int j = 0, idx = start; j < k && !bad; j++, idx += inner) {
                double v = get(logits, idx);
                bad = Double.isNaN(v) || v == Double.POSITIVE_INFINITY;
            }
            if (bad) {
                set(lossOut, o.reduction() == Reduction.NONE ? row : 0, Double.NaN);
                for (int j = 0, idx = start; j < k; j++, idx += inner) {
                    set(gradientOut, idx, Double.NaN);
                }
            }
        }
    }

    private static double get(Object a, int i) {
        return a instanceof double[] d ? d[i] : ((DoubleBuffer) a).get(i);
    }

    private static void set(Object a, int i, double v) {
        if (a instanceof double[] d) {
            d[i] = v;
        } else {
            ((DoubleBuffer) a).put(i, v);
        }
    }

    // -------------------------------------------------------------- helpers

    /** The mean's scale, for the graphs that take it. */
    private static void scale(OrtCall c, Key key, LossTerms terms) {
        if (OrtGraphs.takesScale(key)) {
            c.scalar(SCALE, terms.scale);
        }
    }

    private OrtCall call(Key key, Object data) {
        return new OrtCall(env, sessions.lease(key), scratch.get(), key.dtype() == DType.FLOAT64,
                addressFree(key));
    }

    /**
     * Whether the graph's bits do not depend on where its memory starts: float32 softmax, log-softmax and Jacobian
     * (MLAS's softmax, which walks each row from its first element whatever the address, and elementwise ops).
     * Graphs with float64 kernels or ReduceSum (Eigen) do depend on it (finding 3).
     */
    static boolean addressFree(Key key) {
        return key.dtype() == DType.FLOAT32
                && (key.kind() == Kind.SOFTMAX || key.kind() == Kind.LOG_SOFTMAX || key.kind() == Kind.JACOBIAN);
    }

    /** The graph flags of softmax options ({@code withRows}: whether the zero policy applies to the op). */
    private static int softmaxFlags(SoftmaxOptions o, Layout l, boolean withRows) {
        int flags = 0;
        if (o.hasMask()) {
            flags |= MASKED | (o.isSliceMask(l) ? SLICE_MASK : 0);
        }
        if (o.temperature() != 1) {
            flags |= TEMPERED;
        }
        if (withRows && o.maskedRows() == MaskedRows.ZERO) {
            flags |= ZERO_ROWS;
        }
        return flags;
    }

    /** The mask and temperature inputs that {@code flags} ask for. */
    private static void softmaxOptions(OrtCall c, SoftmaxOptions o, Layout l, int flags) {
        if ((flags & MASKED) != 0) {
            boolean slice = (flags & SLICE_MASK) != 0;
            int n = o.maskLength();
            boolean[] mask = ThreadArrays.booleans(0, n);
            o.copyMask(0, mask, 0, n);
            c.flags(MASK, mask, n, slice ? classShape(l) : view(l));
        }
        if ((flags & TEMPERED) != 0) {
            c.scalar(TEMPERATURE, o.temperature(c.isFloat64() ? DType.FLOAT64 : DType.FLOAT32));
        }
    }

    private static DType dtype(Object data) {
        return data instanceof double[] || data instanceof DoubleBuffer ? DType.FLOAT64 : DType.FLOAT32;
    }

    /** {@code [N, K]} for the last axis, else {@code [N, K, D]}. */
    private static long[] view(Layout l) {
        return l.isLastAxis() ? new long[] {l.outer(), l.axisLength()}
                : new long[] {l.outer(), l.axisLength(), l.inner()};
    }

    /** One value per row, as the ONNX loss ops take labels and give unreduced losses: {@code [N]} or {@code [N, D]}. */
    private static long[] rowShape(Layout l) {
        return l.isLastAxis() ? new long[] {l.outer()} : new long[] {l.outer(), l.inner()};
    }

    /** One value per row aligned with the data: {@code [N, 1]} or {@code [N, 1, D]}. */
    private static long[] rowsWithAxis(Layout l) {
        return l.isLastAxis() ? new long[] {l.outer(), 1} : new long[] {l.outer(), 1, l.inner()};
    }

    /** One value per class aligned with the data: {@code [1, K]} or {@code [1, K, 1]}. */
    private static long[] classShape(Layout l) {
        return l.isLastAxis() ? new long[] {1, l.axisLength()} : new long[] {1, l.axisLength(), 1};
    }

    private static long[] lossShape(Layout l, Reduction r) {
        return r == Reduction.NONE ? rowShape(l) : new long[0];
    }

    private static boolean anyInfinite(Object loss) {
        if (loss instanceof float[] f) {
            for (float v : f) {
                if (Float.isInfinite(v)) {
                    return true;
                }
            }
        } else if (loss instanceof double[] d) {
            for (double v : d) {
                if (Double.isInfinite(v)) {
                    return true;
                }
            }
        } else if (loss instanceof FloatBuffer f) {
            for (int i = 0; i < f.limit(); i++) {
                if (Float.isInfinite(f.get(i))) {
                    return true;
                }
            }
        } else {
            DoubleBuffer d = (DoubleBuffer) loss;
            for (int i = 0; i < d.limit(); i++) {
                if (Double.isInfinite(d.get(i))) {
                    return true;
                }
            }
        }
        return false;
    }
}
