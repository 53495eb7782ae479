package org.softmaxspi.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run of the {@link ConformanceSuite} found: every {@link CheckResult}, the pairwise
 * agreement between providers, and a Markdown summary a person can read.
 */
public final class ConformanceReport {

    private final long seed;
    private final boolean quick;
    private final int caseCount;
    private final List<String> providers;
    private final List<CheckResult> results;
    private final List<Agreement.Row> agreement;

    ConformanceReport(long seed, boolean quick, int caseCount, List<String> providers, List<CheckResult> results,
                      List<Agreement.Row> agreement) {
        this.seed = seed;
        this.quick = quick;
        this.caseCount = caseCount;
        this.providers = List.copyOf(providers);
        this.results = List.copyOf(results);
        this.agreement = List.copyOf(agreement);
    }

    /** The seed the run's generated cases were drawn with (rerun with {@code -Dconformance.seed=}). */
    public long seed() {
        return seed;
    }

    /** The names of the providers checked, in the order they were run (unmodifiable). */
    public List<String> providers() {
        return providers;
    }

    /** Every check's result, passed or not (unmodifiable). */
    public List<CheckResult> results() {
        return results;
    }

    /** The results of one provider. */
    public List<CheckResult> results(String provider) {
        return results.stream().filter(r -> r.provider().equals(provider)).toList();
    }

    /** The results that did not pass. */
    public List<CheckResult> failures() {
        return results.stream().filter(r -> !r.passed()).toList();
    }

    /** Whether every check passed (true for a run with no checks). */
    public boolean passed() {
        return results.stream().allMatch(CheckResult::passed);
    }

    /**
     * One row of the summary: one provider, check, op and dtype over all cases.
     *
     * @param count          cases checked
     * @param failed         cases that failed
     * @param maxError       the largest error (ulps; relative error for finite differences)
     * @param boundAtMax     the bound at that case
     * @param worstCase      the case of the largest error
     * @param declared       for accuracy: the provider's declared bound as a formula at that case
     * @param referenceError for accuracy: a correctly rounded provider's error on that case, measured
     *                       the same way, or NaN when the run had none
     */
    public record SummaryRow(String provider, String check, String op, String dtype, int count, int failed,
                             double maxError, double boundAtMax, String worstCase, String declared,
                             double referenceError) {

        /** The error over the reference's on the worst case, the reference floored at 0.5 ulp; NaN without one. */
        public double ratioToReference() {
            return maxError / Math.max(referenceError, 0.5);
        }
    }

    /**
     * The results grouped by provider, check, op, dtype and declared bound (a provider whose bound
     * depends on the layout gets a row per bound), each with its largest error.
     */
    public List<SummaryRow> summary() {
        Map<String, SummaryRow> rows = new LinkedHashMap<>();
        for (CheckResult r : results) {
            String op = r.op() == null ? "" : r.op().label();
            String dtype = r.dtype() == null ? "" : r.dtype().label();
            // one row per declared bound too: a library may sum differently along the last and an inner axis
            String key = r.provider() + '|' + r.check() + '|' + op + '|' + dtype + '|' + r.declared();
            SummaryRow old = rows.get(key);
            boolean worse = old == null || r.error() > old.maxError()
                    || (Double.isNaN(r.error()) && !Double.isNaN(old.maxError()));
            rows.put(key, new SummaryRow(r.provider(), r.check(), op, dtype,
                    (old == null ? 0 : old.count()) + 1,
                    (old == null ? 0 : old.failed()) + (r.passed() ? 0 : 1),
                    worse ? r.error() : old.maxError(), worse ? r.bound() : old.boundAtMax(),
                    worse ? r.caseName() : old.worstCase(), worse ? r.declared() : old.declared(),
                    worse ? r.referenceError() : old.referenceError()));
        }
        return new ArrayList<>(rows.values());
    }

    /** The summary rows of the accuracy check: provider × op × dtype (× declared bound). */
    public List<SummaryRow> accuracy() {
        return summary().stream().filter(r -> r.check().equals("accuracy")).toList();
    }

    /** The summary rows of every other check (properties, contracts, ONNX values, unsupported ops). */
    public List<SummaryRow> otherChecks() {
        return summary().stream().filter(r -> !r.check().equals("accuracy")).toList();
    }

    /** Whether this run used the quick case list. */
    public boolean quick() {
        return quick;
    }

    /** The number of cases run. */
    public int caseCount() {
        return caseCount;
    }

    /** The Markdown summary: accuracy, properties and contracts, pairwise agreement, failures. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Conformance summary\n\n");
        sb.append("Providers: ").append(String.join(", ", providers)).append(". Cases: ").append(caseCount)
                .append(quick ? " (quick)" : "").append(". Seed: ").append(seed)
                .append(" (rerun with `-Dconformance.seed=").append(seed).append("`). Checks: ").append(results.size())
                .append(", failed: ").append(failures().size()).append(".\n\n");
        sb.append("Errors are in ulps of the dtype against a ").append(Oracle.DIGITS)
                .append("-digit BigDecimal oracle, measured against each op's scale (see Tolerance), or in plain ulps ")
                .append("for a provider that declares itself correctly rounded; ")
                .append("finite differences are relative errors.\n\n");
        sb.append("## Accuracy by provider, op and dtype\n\n");
        sb.append("Largest error over all cases (ulps), the provider's declared bound and its value there, and a ")
                .append("correctly rounded provider's error on the same case (ratio: error / max(that, 0.5)).\n\n");
        sb.append("| provider | op | dtype | cases | max error | declared bound | bound there | reference there | ratio | ")
                .append("worst case | result |\n|---|---|---|---:|---:|---|---:|---:|---:|---|---|\n");
        for (SummaryRow r : accuracy()) {
            sb.append("| ").append(r.provider()).append(" | ").append(r.op()).append(" | ").append(r.dtype())
                    .append(" | ").append(r.count()).append(" | ").append(number(r.maxError())).append(" | ")
                    .append(r.declared()).append(" | ").append(number(r.boundAtMax())).append(" | ")
                    .append(Double.isNaN(r.referenceError()) ? "–" : number(r.referenceError())).append(" | ")
                    .append(Double.isNaN(r.referenceError()) ? "–" : number(r.ratioToReference())).append(" | ")
                    .append(r.worstCase()).append(" | ")
                    .append(r.failed() == 0 ? "pass" : "**FAIL** (" + r.failed() + ")").append(" |\n");
        }
        sb.append("\n## Properties and contracts\n\n");
        sb.append("| provider | check | op | dtype | cases | max error | bound there | worst case | result |\n");
        sb.append("|---|---|---|---|---:|---:|---:|---|---|\n");
        for (SummaryRow r : otherChecks()) {
            sb.append("| ").append(r.provider()).append(" | ").append(r.check()).append(" | ").append(r.op())
                    .append(" | ").append(r.dtype()).append(" | ").append(r.count()).append(" | ")
                    .append(number(r.maxError())).append(" | ").append(number(r.boundAtMax())).append(" | ")
                    .append(r.worstCase()).append(" | ")
                    .append(r.failed() == 0 ? "pass" : "**FAIL** (" + r.failed() + ")").append(" |\n");
        }
        if (providers.size() > 1) {
            sb.append("\n## Pairwise agreement\n\nLargest difference between two providers, in ulps of the op's scale ")
                    .append("(0 = bit-identical), over all cases.\n\n");
            sb.append("| op | dtype | providers | max difference | case |\n|---|---|---|---:|---|\n");
            for (Agreement.Row a : agreement) {
                sb.append("| ").append(a.op()).append(" | ").append(a.dtype().label()).append(" | ")
                        .append(a.first()).append(" vs ").append(a.second()).append(" | ")
                        .append(number(a.maxUlps())).append(" | ").append(a.caseName()).append(" |\n");
            }
        }
        List<CheckResult> failures = failures();
        if (!failures.isEmpty()) {
            sb.append("\n## Failures\n\n");
            failures.stream().limit(100).forEach(f -> sb.append("- ").append(f.describe()).append('\n'));
            if (failures.size() > 100) {
                sb.append("- … and ").append(failures.size() - 100).append(" more\n");
            }
        }
        return sb.toString();
    }

    /** The pairwise agreement: one row per op, dtype and pair of providers. */
    public List<AgreementRow> agreement() {
        return agreement.stream().map(a -> new AgreementRow(a.op(), a.dtype().label(), a.first(), a.second(),
                a.maxUlps(), a.caseName())).toList();
    }

    /**
     * The largest difference between two providers on one op and dtype, in ulps of the suite's shared
     * scale (0 = bit-identical), and the case where it was seen.
     */
    public record AgreementRow(String op, String dtype, String first, String second, double maxUlps,
                               String caseName) {
    }

    /** The agreement rows as (op, dtype, first, second, max ulps, case) for other tools. */
    public List<String[]> agreementTable() {
        List<String[]> out = new ArrayList<>();
        for (Agreement.Row a : agreement) {
            out.add(new String[] {a.op(), a.dtype().label(), a.first(), a.second(), number(a.maxUlps()), a.caseName()});
        }
        return out;
    }

    static String number(double v) {
        if (v == 0) {
            return "0";
        }
        if (Double.isInfinite(v) || Double.isNaN(v)) {
            return Double.toString(v);
        }
        return Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** Writes {@link #toMarkdown()} to a file, creating its directory. */
    public void writeMarkdown(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, toMarkdown(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
