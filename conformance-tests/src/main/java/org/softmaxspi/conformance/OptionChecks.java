package org.softmaxspi.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.DoubleCrossEntropy;
import org.softmaxspi.api.FloatCrossEntropy;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The options part of the suite: temperature, masks and masked rows ({@link SoftmaxOptions}) on every
 * softmax operation, and cross-entropy and NLL with class weights, ignored labels, label smoothing and
 * every reduction ({@link LossOptions}), for both dtypes. Each result is judged against
 * {@link OptionOracle} within the provider's declared accuracy (scales below); every gradient is also
 * checked against central finite differences of the provider's own forward operation (float64); the
 * 52 ONNX SoftmaxCrossEntropyLoss / NegativeLogLikelihoodLoss backend cases are run and compared with
 * their published values; and options that change nothing must give the plain methods' bits.
 *
 * <p>Scales and bounds ({@code fwd} is the declared forward bound for K, see {@link Accuracy}): softmax in
 * ulps of the exact value, bound {@code fwd + κ}, where with a temperature κ = |z − m|/T + 1 (the rounded
 * quotient perturbs the exponent); log-softmax in ulps of {@code max(|exact|, 1)}, bound {@code fwd + 1};
 * Jacobian and the backward passes on {@link Judge}'s scales divided by T, bounds one ulp more; a loss in
 * ulps of the sum of the magnitudes of its terms ({@code Σ |c_j|·max(|log y_j|, 1)}, times the mean's
 * scale), bound {@code fwd + sum(rows) + 4}; a gradient element in ulps of
 * {@code scale·(y_j Σ|c| + |c_j|)}, bound {@code fwd + κ + 4}. A correctly rounded provider: plain
 * ulps, bound 1.
 */
final class OptionChecks {

    static final String ONNX_LOSS_RESOURCE = "onnx-cross-entropy-cases.json";
    /** ONNX's published float32 losses come from numpy in float32: this many ulps beyond our bound. */
    static final double ONNX_EXTRA_ULPS = 4;

    private OptionChecks() {
    }

    /** A softmax-family case with options. */
    record SoftmaxCase(String name, int[] shape, int axis, double[] z, SoftmaxOptions options) {
    }

    /** A loss case: cross-entropy with labels or targets, or NLL (labels). */
    record LossCase(String name, int[] shape, int axis, double[] z, int[] labels, double[] target,
                    LossOptions options, boolean nll, float[] onnxLoss, float[] onnxLogProb) {
        LossCase with(Reduction r) {
            return new LossCase(name + " " + r.label(), shape, axis, z, labels, target, options.withReduction(r), nll,
                    null, null);
        }

        Op op() {
            return nll ? Op.NLL : Op.CROSS_ENTROPY;
        }
    }

    static List<CheckResult> check(Softmax s, long seed) {
        List<CheckResult> out = new ArrayList<>();
        for (SoftmaxCase c : softmaxCases(seed)) {
            for (DType dtype : DType.values()) {
                for (Op op : new Op[] {Op.SOFTMAX, Op.LOG_SOFTMAX, Op.JACOBIAN, Op.BACKWARD, Op.LOG_SOFTMAX_BACKWARD}) {
                    if (Properties.supports(s, dtype, op) && (op != Op.JACOBIAN || small(c))) {
                        out.add(guard(s, op, dtype, c.name(), () -> softmaxAccuracy(s, c, op, dtype, seed)));
                    }
                }
            }
            if (Properties.supports(s, DType.FLOAT64, Op.BACKWARD)) {
                out.add(guard(s, Op.BACKWARD, DType.FLOAT64, c.name(), () -> finiteDifference(s, c, seed, false)));
                out.add(guard(s, Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64, c.name(),
                        () -> finiteDifference(s, c, seed, true)));
                if (small(c)) {
                    out.add(guard(s, Op.JACOBIAN, DType.FLOAT64, c.name(), () -> jacobianDifference(s, c, seed)));
                }
            }
        }
        for (LossCase base : lossCases(seed)) {
            for (Reduction r : Reduction.values()) {
                LossCase c = base.with(r);
                for (DType dtype : DType.values()) {
                    if (Properties.supports(s, dtype, c.op())) {
                        out.add(guard(s, c.op(), dtype, c.name(), () -> lossAccuracy(s, c, dtype, exactLoss(c, dtype))));
                    }
                }
                if (Properties.supports(s, DType.FLOAT64, c.op())) {
                    out.add(guard(s, c.op(), DType.FLOAT64, c.name(), () -> lossDifference(s, c, seed)));
                }
            }
        }
        for (LossCase c : onnxLossCases()) {
            if (Properties.supports(s, DType.FLOAT32, c.op())) {
                OptionOracle.Loss exact = exactLoss(c, DType.FLOAT32);
                out.add(guard(s, c.op(), DType.FLOAT32, c.name(), () -> lossAccuracy(s, c, DType.FLOAT32, exact)));
                out.add(guard(s, c.op(), DType.FLOAT32, c.name(), () -> onnxExpected(s, c, exact)));
                if (c.onnxLogProb() != null && Properties.supports(s, DType.FLOAT32, Op.LOG_SOFTMAX)) {
                    out.add(guard(s, Op.LOG_SOFTMAX, DType.FLOAT32, c.name(), () -> onnxLogProb(s, c)));
                }
            }
        }
        for (DType dtype : DType.values()) {
            DType d = dtype;
            if (java.util.stream.Stream.of(Op.SOFTMAX, Op.LOG_SOFTMAX, Op.JACOBIAN, Op.BACKWARD, Op.LOG_SOFTMAX_BACKWARD,
                    Op.CROSS_ENTROPY).allMatch(op -> Properties.supports(s, d, op))) {
                out.add(guard(s, null, dtype, "options that change nothing", () -> plainIdentical(s, dtype, seed)));
            }
        }
        return out;
    }

    /** Jacobians are checked on rows of at most 100 (K² elements per row). */
    private static boolean small(SoftmaxCase c) {
        return Layout.of(c.shape(), c.axis()).axisLength() <= 100;
    }

    private interface Check {
        CheckResult run();
    }

    /** A check that threw is a failure naming the exception, not a crash of the suite. */
    private static CheckResult guard(Softmax s, Op op, DType dtype, String caseName, Check check) {
        try {
            return check.run();
        } catch (RuntimeException | LinkageError e) {
            return new CheckResult(s.name(), "options", op, dtype, caseName, Double.POSITIVE_INFINITY, 0, false,
                    "threw " + e);
        }
    }

    // ------------------------------------------------------------------ cases

    static List<SoftmaxCase> softmaxCases(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5EEDL);
        SoftmaxOptions none = SoftmaxOptions.defaults();
        List<SoftmaxCase> c = new ArrayList<>();
        c.add(new SoftmaxCase("temperature-0.5", new int[] {4, 17}, -1, normal(r, 68, 0, 3), none.withTemperature(0.5)));
        c.add(new SoftmaxCase("temperature-100-logits-1000", new int[] {3, 33}, -1, normal(r, 99, 1000, 200),
                none.withTemperature(100)));
        c.add(new SoftmaxCase("temperature-0.01", new int[] {2, 9}, -1, normal(r, 18, 0, 1),
                none.withTemperature(0.01)));
        double[] z = normal(r, 60, 0, 2);
        boolean[] mask = randomMask(r, 60, 0.7);
        Arrays.fill(mask, 36, 48, false); // row 3 entirely masked
        z[3 * 12 + 2] = Double.NaN;
        z[0] = Double.POSITIVE_INFINITY;
        z[1] = 1e30;
        mask[0] = false;
        mask[1] = false;
        mask[3 * 12 + 2] = false;
        mask[2] = true;
        c.add(new SoftmaxCase("mask-nan-rows", new int[] {5, 12}, -1, z, none.withMask(mask)));
        c.add(new SoftmaxCase("mask-zero-rows-t2", new int[] {5, 12}, -1, z,
                none.withMask(mask).withMaskedRows(MaskedRows.ZERO).withTemperature(2)));
        boolean[] slice = {true, false, true, true, false, true, true, true, false};
        c.add(new SoftmaxCase("slice-mask-axis0-t0.7", new int[] {9, 4}, 0, normal(r, 36, 0, 4),
                none.withMask(slice).withTemperature(0.7)));
        double[] inf = normal(r, 24, 0, 1);
        Arrays.fill(inf, 6, 12, Double.NEGATIVE_INFINITY);
        inf[13] = Double.NEGATIVE_INFINITY;
        inf[15] = Double.NEGATIVE_INFINITY;
        c.add(new SoftmaxCase("neg-inf-row-zero", new int[] {4, 6}, -1, inf, none.withMaskedRows(MaskedRows.ZERO)));
        c.add(new SoftmaxCase("neg-inf-row-nan", new int[] {4, 6}, -1, inf, none.withTemperature(3)));
        boolean[] mask3 = randomMask(r, 70, 0.6);
        for (int j = 0; j < 7; j++) {
            mask3[j * 5 + 2] = false; // slice (0, 2) along axis 1 entirely masked
        }
        c.add(new SoftmaxCase("mask-3d-axis1-zero-t1.5", new int[] {2, 7, 5}, 1, normal(r, 70, 0, 2),
                none.withMask(mask3).withMaskedRows(MaskedRows.ZERO).withTemperature(1.5)));
        c.add(new SoftmaxCase("slice-mask-long-row", new int[] {2, 1000}, -1, normal(r, 2000, 0, 5),
                none.withMask(randomMask(r, 1000, 0.5))));
        return c;
    }

    static List<LossCase> lossCases(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x1055L);
        LossOptions plain = LossOptions.of(Reduction.MEAN);
        List<LossCase> c = new ArrayList<>();
        double[] w5 = weights(r, 5);
        w5[3] = 0;
        c.add(ce("weights", new int[] {6, 5}, -1, normal(r, 30, 0, 2), labels(r, 6, 5), plain.withWeight(w5)));
        int[] ii = labels(r, 8, 4);
        ii[1] = -100;
        ii[5] = -100;
        c.add(ce("ignore-minus-100-weights", new int[] {8, 4}, -1, normal(r, 32, 0, 2), ii,
                plain.withIgnoreIndex(-100).withWeight(weights(r, 4))));
        int[] i2 = {2, 0, 2, 1, 3, 2};
        c.add(ce("ignore-class-2", new int[] {6, 4}, -1, normal(r, 24, 0, 2), i2, plain.withIgnoreIndex(2)));
        c.add(ce("smoothing-0.1", new int[] {5, 7}, -1, normal(r, 35, 0, 3), labels(r, 5, 7),
                plain.withLabelSmoothing(0.1)));
        c.add(ce("smoothing-0.25-weights", new int[] {5, 7}, -1, normal(r, 35, 0, 3), labels(r, 5, 7),
                plain.withLabelSmoothing(0.25).withWeight(weights(r, 7))));
        c.add(ce("all-ignored", new int[] {3, 4}, -1, normal(r, 12, 0, 1), new int[] {-1, -1, -1},
                plain.withIgnoreIndex(-1).withLabelSmoothing(0.1)));
        int[] lab4 = labels(r, 12, 5);
        lab4[4] = 7;
        c.add(ce("class-axis-1-4d", new int[] {2, 5, 3, 2}, 1, normal(r, 60, 0, 2), lab4,
                plain.withIgnoreIndex(7).withWeight(weights(r, 5)).withLabelSmoothing(0.1)));
        c.add(ce("long-row-weights-smoothing", new int[] {2, 1000}, -1, normal(r, 2000, 0, 4), labels(r, 2, 1000),
                plain.withWeight(weights(r, 1000)).withLabelSmoothing(0.05)));
        c.add(new LossCase("targets-weights-smoothing", new int[] {4, 6}, -1, normal(r, 24, 0, 2), null,
                targets(r, 4, 6), plain.withWeight(weights(r, 6)).withLabelSmoothing(0.2), false, null, null));
        c.add(new LossCase("targets-smoothing", new int[] {3, 5}, -1, normal(r, 15, 0, 2), null,
                targets(r, 3, 5), plain.withLabelSmoothing(0.3), false, null, null));
        int[] nl = labels(r, 6, 5);
        nl[2] = -100;
        c.add(new LossCase("nll-weights-ignore", new int[] {6, 5}, -1, logProbabilities(r, 6, 5), nl, null,
                plain.withWeight(weights(r, 5)).withIgnoreIndex(-100), true, null, null));
        c.add(new LossCase("nll-class-axis-1", new int[] {2, 4, 3}, 1, normal(r, 24, -1, 1), labels(r, 6, 4), null,
                plain, true, null, null));
        c.add(new LossCase("nll-all-ignored", new int[] {2, 3}, -1, normal(r, 6, -1, 1), new int[] {1, 1}, null,
                plain.withIgnoreIndex(1), true, null, null));
        return c;
    }

    private static LossCase ce(String name, int[] shape, int axis, double[] z, int[] labels, LossOptions o) {
        return new LossCase(name, shape, axis, z, labels, null, o, false, null, null);
    }

    /** The 52 ONNX loss cases, read from the copy of the ONNX test data in resources. */
    static List<LossCase> onnxLossCases() {
        try (InputStream in = OptionChecks.class.getResourceAsStream(ONNX_LOSS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + ONNX_LOSS_RESOURCE + " not found beside "
                        + OptionChecks.class);
            }
            List<LossCase> out = new ArrayList<>();
            for (JsonNode c : new ObjectMapper().readTree(in).get("cases")) {
                LossOptions o = LossOptions.of(Reduction.fromLabel(c.get("reduction").asText()));
                if (!c.get("weight").isNull()) {
                    o = o.withWeight(doubles(c.get("weight")));
                }
                if (!c.get("ignore_index").isNull()) {
                    o = o.withIgnoreIndex(c.get("ignore_index").asInt());
                }
                JsonNode lp = c.get("expected_log_prob");
                out.add(new LossCase("onnx/" + c.get("name").asText(), ints(c.get("shape")), 1,
                        doubles(c.get("input")), ints(c.get("labels")), null, o,
                        "nll_loss".equals(c.get("op").asText()), floats(c.get("expected_loss")),
                        lp == null || lp.isNull() ? null : floats(lp)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ONNX_LOSS_RESOURCE, e);
        }
    }

    // ------------------------------------------------------- softmax accuracy

    private static CheckResult softmaxAccuracy(Softmax s, SoftmaxCase c, Op op, DType dtype, long seed) {
        Layout l = Layout.of(c.shape(), c.axis());
        double[] z = round(c.z(), dtype);
        SoftmaxOptions o = c.options();
        OptionOracle.Row[] rows = OptionOracle.rows(z, l, o, dtype);
        Accuracy a = Tolerance.declared(s, op, dtype, l, o);
        double fwd = a.forwardUlps(l.axisLength(), dtype);
        double t = OptionOracle.inDtype(o.temperature(), dtype);
        double[] kappa = kappa(z, l, rows, t, dtype);
        double[] g = round(normal(new SplittableRandom(seed + c.name().hashCode()), l.size(), 0, 1), dtype);
        Exact exact;
        double[] computed;
        double[][] inputs;
        IntToDoubleFunction scale;
        IntToDoubleFunction bound;
        switch (op) {
            case SOFTMAX, LOG_SOFTMAX -> {
                boolean log = op == Op.LOG_SOFTMAX;
                exact = OptionOracle.softmax(rows, l, o, log);
                inputs = new double[][] {z};
                computed = call(s, op, dtype, inputs, c, l);
                Exact e = exact;
                scale = log ? i -> Math.max(Math.abs(e.value(i)), 1) : i -> Math.abs(e.value(i));
                bound = log ? i -> fwd + 1 : i -> fwd + kappa[i];
            }
            case JACOBIAN -> {
                exact = OptionOracle.jacobian(rows, l, o, dtype);
                Exact y = OptionOracle.softmax(rows, l, o, false);
                inputs = new double[][] {z};
                computed = call(s, op, dtype, inputs, c, l);
                Exact e = exact;
                int k = Math.max(l.axisLength(), 1);
                scale = idx -> {
                    int i = (idx / k) % k;
                    if (i != idx % k) {
                        return Math.abs(e.value(idx));
                    }
                    double yi = y.value(Judge.index(l, idx / (k * k), i));
                    return yi * Math.max(yi, 1 - yi) / t;
                };
                bound = idx -> 3 + 2 * fwd + kappa[Judge.index(l, idx / (k * k), (idx / k) % k)]
                        + kappa[Judge.index(l, idx / (k * k), idx % k)];
            }
            case BACKWARD -> {
                double[] y = round(OptionOracle.softmax(rows, l, o, false), dtype);
                exact = OptionOracle.backward(y, g, l, o, dtype);
                inputs = new double[][] {y, g};
                computed = call(s, op, dtype, inputs, c, l);
                double[] rowAbs = Judge.rowSums(l, i -> o.keeps(i, l) ? Math.abs(g[i] * y[i]) : 0);
                scale = i -> y[i] * (Math.abs(g[i]) + rowAbs[i]) / t;
                bound = i -> fwd + 1;
            }
            case LOG_SOFTMAX_BACKWARD -> {
                double[] ls = round(OptionOracle.softmax(rows, l, o, true), dtype);
                exact = OptionOracle.logSoftmaxBackward(ls, g, l, o, dtype);
                inputs = new double[][] {ls, g};
                computed = call(s, op, dtype, inputs, c, l);
                double[] rowAbs = Judge.rowSums(l, i -> o.keeps(i, l) ? Math.abs(g[i]) : 0);
                scale = i -> (Math.abs(g[i]) + Math.exp(ls[i]) * rowAbs[i]) / t;
                bound = i -> fwd + 1;
            }
            default -> throw new IllegalArgumentException(op.label());
        }
        if (op == Op.BACKWARD || op == Op.LOG_SOFTMAX_BACKWARD) {
            // rows that are NaN (a kept NaN or +∞, or nothing kept under the NaN policy) are not checked: the
            // backward takes non-finite y as given
            Exact e = exact;
            IntToDoubleFunction inner = bound;
            boolean[] skip = nanRows(rows, l, o);
            bound = i -> skip[i] ? Double.POSITIVE_INFINITY : inner.applyAsDouble(i);
            exact = skipRows(e, skip, computed);
        }
        return judge(s.name(), "accuracy", op, dtype, c.name() + " " + o, computed, exact, scale, bound, a);
    }

    /** Entries of rows whose forward result is NaN, where the backward takes non-finite y as given. */
    private static boolean[] nanRows(OptionOracle.Row[] rows, Layout l, SoftmaxOptions o) {
        boolean[] skip = new boolean[l.size()];
        for (int r = 0; r < rows.length; r++) {
            boolean nan = rows[r].nan || (rows[r].empty && o.maskedRows() == MaskedRows.NAN);
            for (int j = 0; j < l.axisLength() && nan; j++) {
                int idx = Judge.index(l, r, j);
                skip[idx] = o.keeps(idx, l);
            }
        }
        return skip;
    }

    /** The exact values with skipped entries replaced by what was computed (so they count as exact). */
    private static Exact skipRows(Exact e, boolean[] skip, double[] computed) {
        double[] hi = e.hi().clone();
        double[] lo = e.lo().clone();
        for (int i = 0; i < skip.length && i < computed.length; i++) {
            if (skip[i]) {
                hi[i] = Double.isNaN(computed[i]) ? Double.NaN : computed[i];
                lo[i] = 0;
            }
        }
        return new Exact(hi, lo);
    }

    /** κ with a temperature: |z − m|/T + 1 when T ≠ 1, the suite's κ otherwise. */
    private static double[] kappa(double[] z, Layout l, OptionOracle.Row[] rows, double t, DType dtype) {
        double[] kappa = new double[l.size()];
        for (int r = 0; r < rows.length; r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                if (rows[r].kept[j] && z[idx] > m) {
                    m = z[idx];
                }
            }
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                double k = Tolerance.kappa(z[idx], m, dtype);
                kappa[idx] = t == 1 ? k : k / t + (Double.isFinite(z[idx] - m) ? Math.abs(z[idx] - m) / t : 0) + 1;
            }
        }
        return kappa;
    }

    /** Calls the operation with options; the inputs are checked unchanged afterwards. */
    private static double[] call(Softmax s, Op op, DType dtype, double[][] in, SoftmaxCase c, Layout l) {
        int[] shape = c.shape();
        int axis = c.axis();
        SoftmaxOptions o = c.options();
        if (dtype == DType.FLOAT32) {
            float[] a = CaseData.toFloat(in[0]);
            float[] b = in.length > 1 ? CaseData.toFloat(in[1]) : null;
            float[] a0 = a.clone();
            float[] b0 = b == null ? null : b.clone();
            float[] r = switch (op) {
                case SOFTMAX -> s.softmax(a, shape, axis, o);
                case LOG_SOFTMAX -> s.logSoftmax(a, shape, axis, o);
                case JACOBIAN -> s.jacobian(a, shape, axis, o);
                case BACKWARD -> s.backward(a, b, shape, axis, o);
                case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(a, b, shape, axis, o);
                default -> throw new IllegalArgumentException(op.label());
            };
            if (!Arrays.equals(a, a0) || !Arrays.equals(b, b0)) {
                throw new IllegalStateException("an input array was modified");
            }
            return Invocation.widen(r);
        }
        double[] a = in[0].clone();
        double[] b = in.length > 1 ? in[1].clone() : null;
        double[] r = switch (op) {
            case SOFTMAX -> s.softmax(a, shape, axis, o);
            case LOG_SOFTMAX -> s.logSoftmax(a, shape, axis, o);
            case JACOBIAN -> s.jacobian(a, shape, axis, o);
            case BACKWARD -> s.backward(a, b, shape, axis, o);
            case LOG_SOFTMAX_BACKWARD -> s.logSoftmaxBackward(a, b, shape, axis, o);
            default -> throw new IllegalArgumentException(op.label());
        };
        if (!Arrays.equals(a, in[0]) || (b != null && !Arrays.equals(b, in[1]))) {
            throw new IllegalStateException("an input array was modified");
        }
        return r;
    }

    // ----------------------------------------------------------------- losses

    /** Loss and gradient of the case from the provider, widened, inputs checked unchanged. */
    private static double[][] runLoss(Softmax s, LossCase c, DType dtype) {
        int[] labels = c.labels() == null ? null : c.labels().clone();
        double[][] out;
        if (dtype == DType.FLOAT32) {
            float[] z = CaseData.toFloat(c.z());
            float[] z0 = z.clone();
            float[] t = c.target() == null ? null : CaseData.toFloat(c.target());
            FloatCrossEntropy r = c.nll() ? s.nll(z, c.shape(), c.axis(), labels, c.options())
                    : t == null ? s.crossEntropy(z, c.shape(), c.axis(), labels, c.options())
                    : s.crossEntropy(z, c.shape(), c.axis(), t, c.options());
            if (!Arrays.equals(z, z0)) {
                throw new IllegalStateException("the input array was modified");
            }
            out = new double[][] {Invocation.widen(r.loss()), Invocation.widen(r.gradient())};
        } else {
            double[] z = c.z().clone();
            DoubleCrossEntropy r = c.nll() ? s.nll(z, c.shape(), c.axis(), labels, c.options())
                    : c.target() == null ? s.crossEntropy(z, c.shape(), c.axis(), labels, c.options())
                    : s.crossEntropy(z, c.shape(), c.axis(), c.target().clone(), c.options());
            if (!Arrays.equals(z, c.z())) {
                throw new IllegalStateException("the input array was modified");
            }
            out = new double[][] {r.loss(), r.gradient()};
        }
        if (labels != null && !Arrays.equals(labels, c.labels())) {
            throw new IllegalStateException("the labels array was modified");
        }
        return out;
    }

    private static OptionOracle.Loss exactLoss(LossCase c, DType dtype) {
        Layout l = Layout.of(c.shape(), c.axis());
        double[] z = round(c.z(), dtype);
        double[] t = c.target() == null ? null : round(c.target(), dtype);
        return c.nll() ? OptionOracle.nll(z, l, c.labels(), c.options(), dtype)
                : OptionOracle.crossEntropy(z, l, c.labels(), t, c.options(), dtype);
    }

    private static CheckResult lossAccuracy(Softmax s, LossCase c, DType dtype, OptionOracle.Loss exact) {
        String check = "accuracy";
        Layout l = Layout.of(c.shape(), c.axis());
        double[][] out = runLoss(s, c, dtype);
        Accuracy a = Tolerance.declared(s, c.op(), dtype, l);
        double fwd = c.nll() ? 0 : a.forwardUlps(l.axisLength(), dtype);
        double lossBound = fwd + a.sumUlps(l.rows(), dtype) + 4;
        double[] z = round(c.z(), dtype);
        double[] kappa = new double[l.size()];
        for (int r = 0; r < l.rows() && !c.nll(); r++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < l.axisLength(); j++) {
                m = Math.max(m, z[Judge.index(l, r, j)]);
            }
            for (int j = 0; j < l.axisLength(); j++) {
                kappa[Judge.index(l, r, j)] = Tolerance.kappa(z[Judge.index(l, r, j)], m, dtype);
            }
        }
        String name = c.name() + " " + c.options();
        CheckResult loss = judge(s.name(), check, c.op(), dtype, name, out[0], exact.loss(),
                i -> exact.lossScale()[i], i -> lossBound, a);
        CheckResult grad = judge(s.name(), check, c.op(), dtype, name, out[1], exact.gradient(),
                i -> exact.gradScale()[i], i -> fwd + kappa[i] + 4, a);
        if (!loss.passed()) {
            return new CheckResult(loss.provider(), check, c.op(), dtype, name, loss.error(), loss.bound(), false,
                    "loss" + loss.message(), loss.declared(), Double.NaN);
        }
        return withPrefix(grad, "gradient");
    }

    private static CheckResult withPrefix(CheckResult r, String what) {
        return new CheckResult(r.provider(), r.check(), r.op(), r.dtype(), r.caseName(), r.error(), r.bound(),
                r.passed(), r.message().isEmpty() ? "" : what + r.message(), r.declared(), r.referenceError());
    }

    /** The provider's float32 loss against the value ONNX publishes, within our bound + {@value #ONNX_EXTRA_ULPS}. */
    private static CheckResult onnxExpected(Softmax s, LossCase c, OptionOracle.Loss exact) {
        Layout l = Layout.of(c.shape(), c.axis());
        double[] loss = runLoss(s, c, DType.FLOAT32)[0];
        Accuracy a = Tolerance.declared(s, c.op(), DType.FLOAT32, l);
        double fwd = c.nll() ? 0 : a.forwardUlps(l.axisLength(), DType.FLOAT32);
        double bound = (a.isCorrectlyRounded() ? 1 : fwd + a.sumUlps(l.rows(), DType.FLOAT32) + 4) + ONNX_EXTRA_ULPS;
        double[] hi = new double[c.onnxLoss().length];
        for (int i = 0; i < hi.length; i++) {
            hi[i] = c.onnxLoss()[i];
        }
        Measure.Worst w = Measure.worst(loss, new Exact(hi, new double[hi.length]),
                i -> Math.max(exact.lossScale()[i], Math.abs(hi[i])), i -> bound, DType.FLOAT32);
        return new CheckResult(s.name(), "onnx-expected", c.op(), DType.FLOAT32, c.name(), w.error(), w.bound(),
                w.passed(), w.passed() ? "" : w.describe("loss"));
    }

    /** The provider's float32 log-softmax along axis 1 against ONNX's published log_prob output. */
    private static CheckResult onnxLogProb(Softmax s, LossCase c) {
        Layout l = Layout.of(c.shape(), c.axis());
        double[] lp = Invocation.widen(s.logSoftmax(CaseData.toFloat(c.z()), c.shape(), c.axis()));
        Accuracy a = Tolerance.declared(s, Op.LOG_SOFTMAX, DType.FLOAT32, l);
        double bound = a.forwardUlps(l.axisLength(), DType.FLOAT32) + ONNX_EXTRA_ULPS;
        double[] hi = new double[c.onnxLogProb().length];
        for (int i = 0; i < hi.length; i++) {
            hi[i] = c.onnxLogProb()[i];
        }
        Measure.Worst w = Measure.worst(lp, new Exact(hi, new double[hi.length]), i -> Math.max(Math.abs(hi[i]), 1),
                i -> bound, DType.FLOAT32);
        return new CheckResult(s.name(), "onnx-expected", Op.LOG_SOFTMAX, DType.FLOAT32, c.name() + " log_prob",
                w.error(), w.bound(), w.passed(), w.passed() ? "" : w.describe("log_prob"));
    }

    // ------------------------------------------------------ finite differences

    private static final double H = 1e-6;

    /** Σ grad·v against (f(z + hv) − f(z − hv)) / 2h, relative to Σ|grad·v| (+1e-8 max(|f|, 1)). */
    private static CheckResult difference(String provider, Op op, String caseName, double[] grad, double[] v,
                                          double fPlus, double fMinus, double f0) {
        double analytic = 0;
        double magnitude = 0;
        for (int i = 0; i < grad.length; i++) {
            if (v[i] != 0) {
                analytic += grad[i] * v[i];
                magnitude += Math.abs(grad[i] * v[i]);
            }
        }
        double fd = (fPlus - fMinus) / (2 * H);
        double tolerance = 1e-6 * magnitude + 1e-8 * Math.max(Math.abs(f0), 1);
        double error = Math.abs(analytic - fd);
        boolean ok = error <= tolerance;
        return new CheckResult(provider, "finite-difference", op, DType.FLOAT64, caseName, error, tolerance, ok,
                ok ? "" : String.format(java.util.Locale.ROOT,
                        "directional derivative %.9g analytically, %.9g by central differences (h = %g)",
                        analytic, fd, H));
    }

    /** The backward (or log-softmax backward) against differences of Σ_kept g·softmax (or log-softmax). */
    private static CheckResult finiteDifference(Softmax s, SoftmaxCase c, long seed, boolean log) {
        Layout l = Layout.of(c.shape(), c.axis());
        SoftmaxOptions o = c.options();
        SplittableRandom r = new SplittableRandom(seed + 31 * c.name().hashCode());
        double[] g = normal(r, l.size(), 0, 1);
        double[] v = direction(r, c.z());
        double[] y = log ? s.logSoftmax(c.z(), c.shape(), c.axis(), o) : s.softmax(c.z(), c.shape(), c.axis(), o);
        for (int i = 0; i < g.length; i++) {
            if (y[i] == Double.NEGATIVE_INFINITY) {
                g[i] = 0; // a −∞ log-probability: its term g·log y is left out of f, so its upstream is 0
            }
        }
        double[] grad = log ? s.logSoftmaxBackward(y, g, c.shape(), c.axis(), o)
                : s.backward(y, g, c.shape(), c.axis(), o);
        Op op = log ? Op.LOG_SOFTMAX_BACKWARD : Op.BACKWARD;
        double f0 = dotKept(g, y, l, o);
        if (!Double.isFinite(f0)) {
            return new CheckResult(s.name(), "finite-difference", op, DType.FLOAT64, c.name(), 0, 0, true,
                    "rows of NaN: not differentiable, skipped");
        }
        double fPlus = dotKept(g, forward(s, c, shift(c.z(), v, H), log), l, o);
        double fMinus = dotKept(g, forward(s, c, shift(c.z(), v, -H), log), l, o);
        return difference(s.name(), op, c.name() + " " + o, grad, v, fPlus, fMinus, f0);
    }

    /** u·J·v against differences of u·softmax along v. */
    private static CheckResult jacobianDifference(Softmax s, SoftmaxCase c, long seed) {
        Layout l = Layout.of(c.shape(), c.axis());
        SoftmaxOptions o = c.options();
        SplittableRandom r = new SplittableRandom(seed + 37 * c.name().hashCode());
        double[] u = normal(r, l.size(), 0, 1);
        double[] v = direction(r, c.z());
        double[] y = s.softmax(c.z(), c.shape(), c.axis(), o);
        double f0 = dotKept(u, y, l, o);
        if (!Double.isFinite(f0)) {
            return new CheckResult(s.name(), "finite-difference", Op.JACOBIAN, DType.FLOAT64, c.name(), 0, 0, true,
                    "rows of NaN: not differentiable, skipped");
        }
        double[] jac = s.jacobian(c.z(), c.shape(), c.axis(), o);
        int k = l.axisLength();
        double[] uj = new double[l.size()]; // (uᵀ J) as a gradient with respect to z
        for (int row = 0; row < l.rows(); row++) {
            for (int j = 0; j < k; j++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    int ui = Judge.index(l, row, i);
                    if (o.keeps(ui, l)) {
                        sum += u[ui] * jac[row * k * k + i * k + j];
                    }
                }
                uj[Judge.index(l, row, j)] = sum;
            }
        }
        double fPlus = dotKept(u, s.softmax(shift(c.z(), v, H), c.shape(), c.axis(), o), l, o);
        double fMinus = dotKept(u, s.softmax(shift(c.z(), v, -H), c.shape(), c.axis(), o), l, o);
        return difference(s.name(), Op.JACOBIAN, c.name() + " " + o, uj, v, fPlus, fMinus, f0);
    }

    /** The loss gradient against differences of the reduced loss (the sum of the losses for none). */
    private static CheckResult lossDifference(Softmax s, LossCase c, long seed) {
        SplittableRandom r = new SplittableRandom(seed + 41 * c.name().hashCode());
        double[] v = direction(r, c.z());
        double[][] at = runLoss(s, c, DType.FLOAT64);
        double f0 = sum(at[0]);
        if (!Double.isFinite(f0)) {
            boolean nanGradient = Arrays.stream(at[1]).allMatch(x -> Double.isNaN(x) || x == 0);
            return new CheckResult(s.name(), "finite-difference", c.op(), DType.FLOAT64, c.name(), 0, 0,
                    nanGradient, nanGradient ? "" : "loss " + f0 + " but a finite non-zero gradient");
        }
        double fPlus = sum(runLoss(s, withLogits(c, shift(c.z(), v, H)), DType.FLOAT64)[0]);
        double fMinus = sum(runLoss(s, withLogits(c, shift(c.z(), v, -H)), DType.FLOAT64)[0]);
        return difference(s.name(), c.op(), c.name() + " " + c.options(), at[1], v, fPlus, fMinus, f0);
    }

    private static LossCase withLogits(LossCase c, double[] z) {
        return new LossCase(c.name(), c.shape(), c.axis(), z, c.labels(), c.target(), c.options(), c.nll(), null, null);
    }

    private static double[] forward(Softmax s, SoftmaxCase c, double[] z, boolean log) {
        return log ? s.logSoftmax(z, c.shape(), c.axis(), c.options()) : s.softmax(z, c.shape(), c.axis(), c.options());
    }

    /** Σ a·b over the kept entries whose value is finite or whose weight is 0 (masked −∞ log-probabilities). */
    private static double dotKept(double[] a, double[] b, Layout l, SoftmaxOptions o) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            if (o.keeps(i, l) && b[i] != Double.NEGATIVE_INFINITY) {
                sum += a[i] * b[i];
            }
        }
        return sum;
    }

    /** A random direction, 0 on non-finite inputs (which stay as they are). */
    private static double[] direction(SplittableRandom r, double[] z) {
        double[] v = normal(r, z.length, 0, 1);
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(z[i])) {
                v[i] = 0;
            }
        }
        return v;
    }

    private static double[] shift(double[] z, double[] v, double h) {
        double[] out = z.clone();
        for (int i = 0; i < out.length; i++) {
            if (v[i] != 0) {
                out[i] += h * v[i];
            }
        }
        return out;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double x : a) {
            s += x;
        }
        return s;
    }

    // --------------------------------------------------------- identical bits

    /** T = 1, the NaN policy and no mask must give the plain methods' bits, for every op. */
    private static CheckResult plainIdentical(Softmax s, DType dtype, long seed) {
        SplittableRandom r = new SplittableRandom(seed + 43);
        int[] shape = {3, 11};
        double[] z = round(normal(r, 33, 0, 3), dtype);
        double[] g = round(normal(r, 33, 0, 1), dtype);
        SoftmaxOptions o = SoftmaxOptions.defaults().withTemperature(1.0).withMaskedRows(MaskedRows.NAN);
        LossOptions lo = LossOptions.of(Reduction.MEAN);
        int[] labels = {1, 4, 10};
        List<String> differ = new ArrayList<>();
        if (dtype == DType.FLOAT32) {
            float[] f = CaseData.toFloat(z);
            float[] u = CaseData.toFloat(g);
            float[] y = s.softmax(f, shape, -1);
            float[] ly = s.logSoftmax(f, shape, -1);
            same(differ, "softmax", y, s.softmax(f, shape, -1, o));
            same(differ, "log_softmax", ly, s.logSoftmax(f, shape, -1, o));
            same(differ, "jacobian", s.jacobian(f, shape, -1), s.jacobian(f, shape, -1, o));
            same(differ, "backward", s.backward(y, u, shape, -1), s.backward(y, u, shape, -1, o));
            same(differ, "log_softmax_backward", s.logSoftmaxBackward(ly, u, shape, -1),
                    s.logSoftmaxBackward(ly, u, shape, -1, o));
            FloatCrossEntropy a = s.crossEntropy(f, shape, -1, labels, Reduction.MEAN);
            FloatCrossEntropy b = s.crossEntropy(f, shape, -1, labels, lo);
            same(differ, "cross_entropy loss", a.loss(), b.loss());
            same(differ, "cross_entropy gradient", a.gradient(), b.gradient());
        } else {
            double[] y = s.softmax(z, shape, -1);
            double[] ly = s.logSoftmax(z, shape, -1);
            same(differ, "softmax", y, s.softmax(z, shape, -1, o));
            same(differ, "log_softmax", ly, s.logSoftmax(z, shape, -1, o));
            same(differ, "jacobian", s.jacobian(z, shape, -1), s.jacobian(z, shape, -1, o));
            same(differ, "backward", s.backward(y, g, shape, -1), s.backward(y, g, shape, -1, o));
            same(differ, "log_softmax_backward", s.logSoftmaxBackward(ly, g, shape, -1),
                    s.logSoftmaxBackward(ly, g, shape, -1, o));
            DoubleCrossEntropy a = s.crossEntropy(z, shape, -1, labels, Reduction.MEAN);
            DoubleCrossEntropy b = s.crossEntropy(z, shape, -1, labels, lo);
            same(differ, "cross_entropy loss", a.loss(), b.loss());
            same(differ, "cross_entropy gradient", a.gradient(), b.gradient());
        }
        return new CheckResult(s.name(), "options-identical", null, dtype, "temperature 1, no mask, plain loss options",
                differ.size(), 0, differ.isEmpty(), differ.isEmpty() ? "" : "differ from the plain methods: " + differ);
    }

    private static void same(List<String> differ, String what, Object plain, Object withOptions) {
        boolean eq = plain instanceof float[] p ? Arrays.equals(p, (float[]) withOptions)
                : Arrays.equals((double[]) plain, (double[]) withOptions);
        if (!eq) {
            differ.add(what);
        }
    }

    // ---------------------------------------------------------------- judging

    private static CheckResult judge(String provider, String check, Op op, DType dtype, String caseName,
                                     double[] computed, Exact exact, IntToDoubleFunction scale,
                                     IntToDoubleFunction bound, Accuracy declared) {
        if (computed.length != exact.length()) {
            return new CheckResult(provider, check, op, dtype, caseName, Double.POSITIVE_INFINITY, 0, false,
                    "output has " + computed.length + " elements, not " + exact.length());
        }
        // a scale made from NaN inputs (y of a NaN row at a masked entry, where the result is exactly 0) counts as 0
        IntToDoubleFunction safeScale = i -> {
            double v = scale.applyAsDouble(i);
            return Double.isNaN(v) ? 0 : v;
        };
        Measure.Worst w = declared.isCorrectlyRounded()
                ? Measure.worst(computed, exact, i -> Math.abs(exact.value(i)),
                        i -> bound.applyAsDouble(i) == Double.POSITIVE_INFINITY ? Double.POSITIVE_INFINITY : 1, dtype)
                : Measure.worst(computed, exact, safeScale, bound, dtype, declared.subnormalsFlushed());
        return new CheckResult(provider, check, op, dtype, caseName, w.error(), w.bound(), w.passed(),
                w.passed() ? "" : w.describe(""), declared.formula(), Double.NaN);
    }

    // ------------------------------------------------------------------ data

    private static double[] normal(SplittableRandom r, int n, double mean, double sd) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double u1 = r.nextDouble();
            double u2 = r.nextDouble();
            a[i] = mean + sd * Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
        }
        return a;
    }

    private static boolean[] randomMask(SplittableRandom r, int n, double keep) {
        boolean[] m = new boolean[n];
        for (int i = 0; i < n; i++) {
            m[i] = r.nextDouble() < keep;
        }
        return m;
    }

    private static double[] weights(SplittableRandom r, int n) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            w[i] = 0.25 + 2.75 * r.nextDouble();
        }
        return w;
    }

    private static int[] labels(SplittableRandom r, int n, int k) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextInt(k);
        }
        return a;
    }

    /** Rows of probabilities (one entry 0), multiples of 1/1024 summing to exactly 1 in both dtypes. */
    private static double[] targets(SplittableRandom r, int rows, int k) {
        double[] t = new double[rows * k];
        for (int row = 0; row < rows; row++) {
            for (int unit = 0; unit < 1024; unit++) {
                int j = r.nextInt(k - 1);
                t[row * k + (j >= row % k ? j + 1 : j)] += 1.0 / 1024;
            }
        }
        return t;
    }

    /** Log-softmax rows of random logits (valid NLL input). */
    private static double[] logProbabilities(SplittableRandom r, int rows, int k) {
        double[] x = normal(r, rows * k, 0, 2);
        for (int row = 0; row < rows; row++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                m = Math.max(m, x[row * k + j]);
            }
            double s = 0;
            for (int j = 0; j < k; j++) {
                s += Math.exp(x[row * k + j] - m);
            }
            for (int j = 0; j < k; j++) {
                x[row * k + j] = x[row * k + j] - m - Math.log(s);
            }
        }
        return x;
    }

    private static double[] round(double[] a, DType dtype) {
        if (dtype == DType.FLOAT64) {
            return a;
        }
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
        }
        return r;
    }

    private static double[] round(Exact e, DType dtype) {
        double[] r = new double[e.length()];
        for (int i = 0; i < r.length; i++) {
            r[i] = dtype == DType.FLOAT32 ? (float) e.value(i) : e.value(i);
        }
        return r;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    private static double[] doubles(JsonNode a) {
        double[] r = new double[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asDouble();
        }
        return r;
    }

    private static float[] floats(JsonNode a) {
        float[] r = new float[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) a.get(i).asDouble();
        }
        return r;
    }
}
