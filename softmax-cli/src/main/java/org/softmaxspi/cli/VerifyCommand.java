package org.softmaxspi.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.conformance.ConformanceReport;
import org.softmaxspi.conformance.ConformanceSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code softmax verify}: the conformance suite against chosen providers, and how they agree. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Runs the conformance suite against the chosen providers (default: every available one) "
                + "and prints provider × op × dtype → max error (ulps), the provider's declared bound, a correctly "
                + "rounded provider's error on the same case, pass/fail, then the largest difference between "
                + "every two providers per op.",
            "Exit status 0 only when every check passes (1 otherwise, 2 for bad usage)."})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--providers", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Providers to verify (default: all available).")
    List<String> providers;

    @Option(names = "--report", paramLabel = "FILE.md", description = "Also write the full Markdown report here.")
    Path report;

    @Option(names = "--quick", description = "Skip the longest rows (K >= 10^4); finishes in well under a minute.")
    boolean quick;

    @Option(names = "--seed", description = "Seed of the random cases (default: ${DEFAULT-VALUE}).")
    long seed = org.softmaxspi.conformance.Cases.seed();

    @Option(names = "--json", description = "Print the results as one JSON document instead of tables "
            + "(accuracy: provider, op, dtype, maxError, bound, declared, worstCase, referenceError, pass; "
            + "otherChecks; agreement; failures).")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Softmax> chosen = Providers.selectAll(providers);
        if (chosen.isEmpty()) {
            throw new CliException("no provider is available; see 'softmax providers'", 2);
        }
        String what = "verifying " + String.join(", ", chosen.stream().map(Softmax::name).toList())
                + (quick ? " (quick)" : "") + ", seed " + seed;
        if (json) {
            err.println(what);
            err.flush();
        } else {
            out.println(what);
            out.flush();
        }
        Progress progress = new Progress(err, System.console() != null);
        ConformanceReport r = ConformanceSuite.builder().seed(seed).quick(quick).progress(progress).build()
                .run(chosen);
        progress.done();
        if (json) {
            out.println(toJson(r));
        } else {
            printSummary(out, r);
        }
        if (report != null) {
            r.writeMarkdown(report);
            (json ? err : out).println("report written to " + report);
        }
        out.flush();
        return r.passed() ? 0 : 1;
    }

    private static void printSummary(PrintWriter out, ConformanceReport r) {
        out.println();
        out.println("Accuracy: largest error over all cases in ulps; the provider's declared bound (formula, and its "
                + "value at that case; a row per formula where it depends on the axis); REF = a correctly rounded "
                + "provider's error on that case, RATIO = error / max(REF, 0.5)");
        String fmt = "%-10s %-21s %-8s %5s %10s  %-26s %10s %6s %8s  %-6s %s%n";
        out.printf(fmt, "PROVIDER", "OP", "DTYPE", "CASES", "MAX ERROR", "DECLARED", "BOUND", "REF", "RATIO",
                "RESULT", "WORST CASE");
        for (ConformanceReport.SummaryRow row : r.accuracy()) {
            boolean ref = !Double.isNaN(row.referenceError());
            out.printf(fmt, row.provider(), row.op(), row.dtype(), row.count(), num(row.maxError()), row.declared(),
                    num(row.boundAtMax()), ref ? num(row.referenceError()) : "-",
                    ref ? num(row.ratioToReference()) : "-",
                    row.failed() == 0 ? "pass" : "FAIL " + row.failed(), row.worstCase());
        }
        out.println();
        out.println("Properties and contracts (rows sum to 1, shift invariance, backward = Jᵀg, finite differences, "
                + "ONNX values, bad input, threads, inputs unchanged, unsupported ops):");
        Map<String, int[]> perProvider = new LinkedHashMap<>();
        for (ConformanceReport.SummaryRow row : r.otherChecks()) {
            int[] c = perProvider.computeIfAbsent(row.provider(), p -> new int[2]);
            c[0] += row.count();
            c[1] += row.failed();
        }
        perProvider.forEach((p, c) -> out.printf("  %-10s %5d checks, %s%n", p, c[0],
                c[1] == 0 ? "all pass" : c[1] + " FAILED"));
        List<String[]> agreement = r.agreementTable();
        if (!agreement.isEmpty()) {
            out.println();
            out.println("Pairwise agreement: largest difference between two providers (ulps of the op's scale)");
            String f2 = "%-40s %-8s %-24s %12s  %s%n";
            out.printf(f2, "OP", "DTYPE", "PROVIDERS", "MAX DIFF", "CASE");
            for (String[] a : agreement) {
                out.printf(f2, a[0], a[1], a[2] + " vs " + a[3], a[4], a[5]);
            }
        }
        out.println();
        if (r.passed()) {
            out.println("all " + r.results().size() + " checks passed");
        } else {
            out.println(r.failures().size() + " of " + r.results().size() + " checks FAILED:");
            r.failures().stream().limit(20).forEach(f -> out.println("  " + f.describe()));
        }
    }

    /** The report as one JSON document (NaN and ±∞ as strings, as everywhere in the CLI; no reference: null). */
    static String toJson(ConformanceReport r) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("seed", r.seed());
        root.put("quick", r.quick());
        root.put("cases", r.caseCount());
        root.putPOJO("providers", r.providers());
        root.put("passed", r.passed());
        root.put("checks", r.results().size());
        root.put("failed", r.failures().size());
        ArrayNode acc = root.putArray("accuracy");
        for (ConformanceReport.SummaryRow row : r.accuracy()) {
            ObjectNode o = summaryNode(acc, row);
            o.put("declared", row.declared());
            if (Double.isNaN(row.referenceError())) {
                o.putNull("referenceError");
                o.putNull("ratioToReference");
            } else {
                number(o, "referenceError", row.referenceError());
                number(o, "ratioToReference", row.ratioToReference());
            }
        }
        ArrayNode other = root.putArray("otherChecks");
        for (ConformanceReport.SummaryRow row : r.otherChecks()) {
            summaryNode(other, row).put("check", row.check());
        }
        ArrayNode agree = root.putArray("agreement");
        for (ConformanceReport.AgreementRow a : r.agreement()) {
            ObjectNode o = agree.addObject();
            o.put("op", a.op());
            o.put("dtype", a.dtype());
            o.put("first", a.first());
            o.put("second", a.second());
            number(o, "maxUlps", a.maxUlps());
            o.put("case", a.caseName());
        }
        ArrayNode failures = root.putArray("failures");
        r.failures().forEach(f -> failures.add(f.describe()));
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    /** The fields every summary row has, in a new object of {@code array}. */
    private static ObjectNode summaryNode(ArrayNode array, ConformanceReport.SummaryRow row) {
        ObjectNode o = array.addObject();
        o.put("provider", row.provider());
        o.put("op", row.op());
        o.put("dtype", row.dtype());
        o.put("cases", row.count());
        number(o, "maxError", row.maxError());
        number(o, "bound", row.boundAtMax());
        o.put("worstCase", row.worstCase());
        o.put("failedCases", row.failed());
        o.put("pass", row.failed() == 0);
        return o;
    }

    private static void number(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.put(field, Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static String num(double v) {
        if (v == 0 || Double.isInfinite(v) || Double.isNaN(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        return Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** A progress bar on a terminal, plain lines otherwise (both on stderr). */
    static final class Progress implements java.util.function.Consumer<String> {
        private static final java.util.regex.Pattern STEP = java.util.regex.Pattern.compile("^\\[(\\d+)/(\\d+)\\] (.*)");
        private final PrintWriter err;
        private final boolean terminal;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void accept(String line) {
            java.util.regex.Matcher m = STEP.matcher(line);
            if (terminal && m.matches()) {
                int i = Integer.parseInt(m.group(1));
                int n = Integer.parseInt(m.group(2));
                int filled = 30 * i / n;
                String name = m.group(3);
                err.print("\r[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + i + "/" + n + " "
                        + (name.length() > 40 ? name.substring(0, 40) : String.format("%-40s", name)));
            } else if (terminal) {
                err.print("\r" + String.format("%-80s", line));
            } else {
                err.println(line);
            }
            err.flush();
        }

        void done() {
            if (terminal) {
                err.println();
                err.flush();
            }
        }
    }
}
