package org.softmaxspi.conformance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * The conformance suite (TCK): runs every case, operation and dtype against one or more providers,
 * judges each result against the BigDecimal {@link Oracle} within the bounds of {@link Tolerance},
 * checks the mathematical properties and the API contract, and compares providers pairwise.
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
    private final Set<Op> ops;
    private final Consumer<String> progress;

    private ConformanceSuite(Builder b) {
        this.seed = b.seed;
        this.quick = b.quick;
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
        private Set<Op> ops = EnumSet.allOf(Op.class);
        private Consumer<String> progress = s -> { };

        private Builder() {
        }

        /** The seed of the random cases (printed in the report). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Drop the longest rows (K = 10^4 and more) to finish within seconds per provider. */
        public Builder quick(boolean quick) {
            this.quick = quick;
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

        public ConformanceSuite build() {
            return new ConformanceSuite(this);
        }
    }

    /** The cases this suite runs. */
    public List<SuiteCase> cases() {
        return Cases.all(seed, quick);
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
        }
        return new ConformanceReport(seed, quick, cases.size(), providers.stream().map(Softmax::name).toList(),
                results, agreement.rows());
    }

    private static List<Invocation> invocations() {
        List<Invocation> list = new ArrayList<>();
        for (Op op : EnumSet.complementOf(EnumSet.of(Op.CROSS_ENTROPY))) {
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
        List<Judge.Standard> standards = Judge.standards(d, inv);
        String caseName = inv.op() == Op.CROSS_ENTROPY ? c.name() + " " + inv.label() : c.name();
        List<double[][]> outputs = new ArrayList<>();
        for (Softmax s : providers) {
            Invocation.Outputs out;
            try {
                out = inv.run(s, d);
            } catch (RuntimeException | LinkageError e) {
                results.add(new CheckResult(s.name(), "accuracy", inv.op(), dtype, caseName,
                        Double.POSITIVE_INFINITY, 0, false, "threw " + e));
                outputs.add(null);
                continue;
            }
            outputs.add(out.values());
            Measure.Worst worst = Measure.Worst.NONE;
            String what = "";
            for (int i = 0; i < standards.size(); i++) {
                Judge.Standard st = standards.get(i);
                double[] v = out.values()[i];
                if (v.length != st.exact().length()) {
                    worst = new Measure.Worst(0, Double.POSITIVE_INFINITY, 0, v.length, st.exact().length());
                    what = st.name() + ".length";
                    break;
                }
                Measure.Worst w = Measure.worst(v, st.exact(), st.scale(), st.bound(), dtype);
                if (what.isEmpty() || w.ratio() > worst.ratio()) {
                    what = st.name();
                }
                worst = worst.max(w);
            }
            results.add(new CheckResult(s.name(), "accuracy", inv.op(), dtype, caseName, worst.error(), worst.bound(),
                    worst.passed(), worst.passed() ? "" : worst.describe(what)));
            if (!out.inputsUnchanged()) {
                results.add(new CheckResult(s.name(), "inputs-unchanged", inv.op(), dtype, caseName, 1, 0, false,
                        "an input array was modified"));
            }
            if (c.onnxExpected() != null && dtype == DType.FLOAT32) {
                results.add(onnxCheck(s.name(), c, inv, out.values()[0], standards.get(0)));
            }
            Properties.fromOutputs(s.name(), d, inv, out.values(), standards).ifPresent(results::add);
        }
        agreement.add(providers, inv.label(), dtype, caseName, outputs, standards);
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
