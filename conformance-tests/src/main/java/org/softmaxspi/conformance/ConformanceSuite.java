package org.softmaxspi.conformance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * The conformance suite (TCK): runs every case, operation and dtype against one or more providers,
 * judges each result against the BigDecimal {@link Oracle} within the bounds of {@link Tolerance},
 * checks the mathematical properties and the API contract, runs the options and losses
 * ({@link OptionChecks}: temperature, masks, class weights, ignored labels, label smoothing, NLL, the ONNX
 * loss cases), and compares providers pairwise.
 *
 * <pre>{@code
 * ConformanceReport report = ConformanceSuite.builder().quick(false).build()
 *         .run(List.of(Softmax.of(new MyProvider())));
 * System.out.println(report.toMarkdown());
 * }</pre>
 * For JUnit, {@link ConformanceTests#dynamicTests(List)} wraps this in dynamic tests.
 */
public final class ConformanceSuite {

    private static final Reduction[] REDUCTIONS = Reduction.values();

    private final long seed;
    private final boolean quick;
    private final boolean millionRow;
    private final Set<Op> ops;
    private final Consumer<String> progress;

    private ConformanceSuite(Builder b) {
        this.seed = b.seed;
        this.quick = b.quick;
        this.millionRow = b.millionRow;
        this.ops = Set.copyOf(b.ops);
        this.progress = b.progress;
    }

    /** A builder with the default seed ({@link Cases#seed()}), the full case list and no progress output. */
    public static Builder builder() {
        return new Builder();
    }

    /** Options of a run. */
    public static final class Builder {
        private long seed = Cases.seed();
        private boolean quick;
        private boolean millionRow;
        private Set<Op> ops = EnumSet.allOf(Op.class);
        private Consumer<String> progress = s -> { };

        private Builder() {
        }

        /** The seed of the random cases (printed in the report). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Drop the longest random rows (K = 10^4 and 10^5) to finish within seconds per provider. */
        public Builder quick(boolean quick) {
            this.quick = quick;
            return this;
        }

        /**
         * Add a float64 softmax and log-softmax row of 10^6 entries (about a minute of oracle time; the
         * reference provider's module runs it). Ignored when {@link #quick(boolean) quick}.
         */
        public Builder millionRow(boolean millionRow) {
            this.millionRow = millionRow;
            return this;
        }

        /** Only these operations' accuracy checks (default: all); properties and contracts always run. */
        public Builder ops(Set<Op> ops) {
            if (ops.isEmpty()) {
                throw new IllegalArgumentException("ops: empty");
            }
            this.ops = EnumSet.copyOf(ops);
            return this;
        }

        /** Receives one line per case as the run advances. */
        public Builder progress(Consumer<String> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** The suite with this builder's settings. */
        public ConformanceSuite build() {
            return new ConformanceSuite(this);
        }
    }

    /** The cases this suite runs. */
    public List<SuiteCase> cases() {
        return Cases.all(seed, quick, millionRow && !quick);
    }

    /** Runs the whole suite against the given providers (each must be available). */
    public ConformanceReport run(List<Softmax> providers) {
        List<CheckResult> results = new ArrayList<>();
        Agreement agreement = new Agreement();
        List<SuiteCase> cases = cases();
        int n = 0;
        for (SuiteCase c : cases) {
            n++;
            progress.accept(String.format(Locale.ROOT, "[%d/%d] %s", n, cases.size(), c));
            for (DType dtype : DType.values()) {
                for (Invocation inv : invocations()) {
                    if (ops.contains(inv.op()) && c.appliesTo(inv.op(), dtype)) {
                        runCase(providers, c, dtype, inv, results, agreement);
                    }
                }
            }
            c.release();
        }
        for (Softmax s : providers) {
            progress.accept("properties and contracts: " + s.name());
            results.addAll(Properties.check(s, seed));
            results.addAll(Contracts.check(s, seed));
            progress.accept("options and losses: " + s.name());
            results.addAll(OptionChecks.check(s, seed));
        }
        return new ConformanceReport(seed, quick, cases.size(), providers.stream().map(Softmax::name).toList(),
                results, agreement.rows());
    }

    /**
     * Only the per-case checks (accuracy against the oracle within each provider's declared bound, inputs
     * unchanged, rows summing to 1, the buffer methods bit for bit the array methods, pairwise agreement) of
     * every operation and dtype that applies, on {@code cases} instead of the catalogue; no properties,
     * contracts or option checks. For generated cases: the property-based tests run each generated
     * {@link SuiteCase#generated generated} case through this, so a counterexample is judged exactly as a
     * catalogue case is.
     */
    public ConformanceReport runCases(List<Softmax> providers, List<SuiteCase> cases) {
        List<CheckResult> results = new ArrayList<>();
        Agreement agreement = new Agreement();
        for (SuiteCase c : cases) {
            for (DType dtype : DType.values()) {
                for (Invocation inv : invocations()) {
                    if (ops.contains(inv.op()) && c.appliesTo(inv.op(), dtype)) {
                        runCase(providers, c, dtype, inv, results, agreement);
                    }
                }
            }
            c.release();
        }
        return new ConformanceReport(seed, quick, cases.size(), providers.stream().map(Softmax::name).toList(),
                results, agreement.rows());
    }

    private static List<Invocation> invocations() {
        List<Invocation> list = new ArrayList<>();
        for (Op op : EnumSet.complementOf(EnumSet.of(Op.CROSS_ENTROPY, Op.NLL))) {
            list.add(Invocation.of(op));
        }
        for (boolean labels : new boolean[] {true, false}) {
            for (Reduction r : REDUCTIONS) {
                list.add(new Invocation(Op.CROSS_ENTROPY, labels, r));
            }
        }
        return list;
    }

    private static void runCase(List<Softmax> providers, SuiteCase c, DType dtype, Invocation inv,
                                List<CheckResult> results, Agreement agreement) {
        CaseData d = c.data(dtype);
        String caseName = inv.op() == Op.CROSS_ENTROPY ? c.name() + " " + inv.label() : c.name();
        List<Judge.Standard> shared = Judge.standards(d, inv);
        List<Ran> ran = new ArrayList<>();
        for (Softmax s : providers) {
            if (!s.provider().capabilities().supports(inv.op(), dtype)) {
                results.add(unsupported(s, d, inv, caseName));
                continue;
            }
            Accuracy accuracy = Tolerance.declared(s, inv.op(), dtype, d.layout);
            Invocation.Outputs out;
            try {
                out = inv.run(s, d);
            } catch (RuntimeException | LinkageError e) {
                results.add(new CheckResult(s.name(), "accuracy", inv.op(), dtype, caseName,
                        Double.POSITIVE_INFINITY, 0, false, "threw " + e, accuracy.formula(), Double.NaN));
                out = null;
            }
            ran.add(new Ran(s, accuracy, out));
        }
        // a correctly rounded provider in the run is the yardstick each provider's error is set beside
        double[][] yardstick = ran.stream().filter(r -> r.declared().isCorrectlyRounded()).findFirst()
                .map(Ran::values).orElse(null);
        for (Ran r : ran) {
            if (r.out() == null) {
                continue;
            }
            String name = r.provider().name();
            List<Judge.Standard> standards = Judge.standards(d, inv, r.declared());
            Measured m = measure(r.values(), standards, dtype, r.declared().subnormalsFlushed());
            double reference = yardstick == null ? Double.NaN
                    : measure(yardstick, standards, dtype, false).worst.error();
            results.add(new CheckResult(name, "accuracy", inv.op(), dtype, caseName, m.worst.error(),
                    m.worst.bound(), m.worst.passed(), m.worst.passed() ? "" : m.worst.describe(m.what),
                    r.declared().formula(), reference));
            if (!r.out().inputsUnchanged()) {
                results.add(new CheckResult(name, "inputs-unchanged", inv.op(), dtype, caseName, 1, 0, false,
                        "an input array was modified"));
            }
            if (c.onnxExpected() != null && dtype == DType.FLOAT32) {
                // ONNX's published values are themselves a few ulps off: judged on the suite's shared standard
                results.add(onnxCheck(name, c, inv, r.values()[0], shared.get(0)));
            }
            Properties.fromOutputs(name, d, inv, r.values(), standards).ifPresent(results::add);
            for (BufferCall.Kind kind : BufferCall.Kind.values()) {
                results.add(buffers(r.provider(), d, inv, caseName, kind, r.values()));
            }
        }
        agreement.add(ran.stream().map(Ran::provider).toList(), inv.label(), dtype, caseName,
                ran.stream().map(Ran::values).toList(), shared);
    }

    /**
     * The same call through the buffer methods with buffers of {@code kind}: the results must be the
     * array methods' bit for bit, and the buffer rules hold (no position moves, nothing written outside
     * the outputs, inputs unchanged).
     */
    private static CheckResult buffers(Softmax s, CaseData d, Invocation inv, String caseName, BufferCall.Kind kind,
                                       double[][] arrays) {
        String problem;
        try {
            Invocation.BufferOutputs b = inv.runBuffers(s, d, kind);
            problem = b.problems().isEmpty() ? difference(arrays, b.values()) : b.problems();
        } catch (RuntimeException | LinkageError e) {
            problem = "threw " + e;
        }
        return new CheckResult(s.name(), "buffers (" + kind.label + ")", inv.op(), d.dtype, caseName,
                problem.isEmpty() ? 0 : 1, 0, problem.isEmpty(), problem);
    }

    /** The first element where the buffer results differ from the array results, or empty. */
    private static String difference(double[][] arrays, double[][] buffers) {
        String[] names = {"output", "gradient"};
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i].length != buffers[i].length) {
                return names[i] + " has " + buffers[i].length + " elements, not " + arrays[i].length;
            }
            for (int j = 0; j < arrays[i].length; j++) {
                if (Double.doubleToLongBits(arrays[i][j]) != Double.doubleToLongBits(buffers[i][j])) {
                    return (arrays.length == 2 && i == 0 ? "loss" : names[i]) + "[" + j + "] = " + buffers[i][j]
                            + " through buffers, " + arrays[i][j] + " through arrays (must be identical)";
                }
            }
        }
        return "";
    }

    /** One provider's call on a case: its declaration and its outputs (null when it threw). */
    private record Ran(Softmax provider, Accuracy declared, Invocation.Outputs out) {
        double[][] values() {
            return out == null ? null : out.values();
        }
    }

    /** The worst element over all outputs of one call, and the name of the output it is in. */
    private record Measured(Measure.Worst worst, String what) {
    }

    private static Measured measure(double[][] values, List<Judge.Standard> standards, DType dtype,
                                    boolean subnormalsFlushed) {
        Measure.Worst worst = Measure.Worst.NONE;
        String what = "";
        for (int i = 0; i < standards.size(); i++) {
            Judge.Standard st = standards.get(i);
            double[] v = values[i];
            if (v.length != st.exact().length()) {
                return new Measured(new Measure.Worst(0, Double.POSITIVE_INFINITY, 0, v.length, st.exact().length()),
                        st.name() + ".length");
            }
            Measure.Worst w = Measure.worst(v, st.exact(), st.scale(), st.bound(), dtype, subnormalsFlushed);
            if (what.isEmpty() || w.ratio() > worst.ratio()) {
                what = st.name();
            }
            worst = worst.max(w);
        }
        return new Measured(worst, what);
    }

    /**
     * An operation the provider's capabilities leave out must give the documented
     * {@link UnsupportedOperationException}, not a result and not another error.
     */
    private static CheckResult unsupported(Softmax s, CaseData d, Invocation inv, String caseName) {
        String problem;
        try {
            inv.run(s, d);
            problem = "returned a result for an operation its capabilities leave out";
        } catch (UnsupportedOperationException e) {
            problem = null;
        } catch (RuntimeException | LinkageError e) {
            problem = "threw " + e + " instead of UnsupportedOperationException";
        }
        return new CheckResult(s.name(), "unsupported", inv.op(), d.dtype, caseName, problem == null ? 0 : 1, 0,
                problem == null, problem == null ? "" : problem);
    }

    /** The provider's float32 output against the values published with the ONNX case (one more ulp allowed). */
    private static CheckResult onnxCheck(String provider, SuiteCase c, Invocation inv, double[] computed,
                                         Judge.Standard st) {
        float[] expected = c.onnxExpected();
        double[] hi = new double[expected.length];
        for (int i = 0; i < hi.length; i++) {
            hi[i] = expected[i];
        }
        Exact onnx = new Exact(hi, new double[hi.length]);
        Measure.Worst w = Measure.worst(computed, onnx, st.scale(), i -> st.bound().applyAsDouble(i) + 1,
                DType.FLOAT32);
        return new CheckResult(provider, "onnx-expected", inv.op(), DType.FLOAT32, c.name(), w.error(), w.bound(),
                w.passed(), w.passed() ? "" : w.describe("y"));
    }
}
