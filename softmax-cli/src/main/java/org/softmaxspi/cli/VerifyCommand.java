package org.softmaxspi.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
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
                + "and prints provider × op × dtype → max error (ulps), bound, pass/fail, then the largest "
                + "difference between every two providers per op.",
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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Softmax> chosen = Providers.selectAll(providers);
        if (chosen.isEmpty()) {
            throw new CliException("no provider is available; see 'softmax providers'", 2);
        }
        out.println("verifying " + String.join(", ", chosen.stream().map(Softmax::name).toList())
                + (quick ? " (quick)" : "") + ", seed " + seed);
        out.flush();
        Progress progress = new Progress(err, System.console() != null);
        ConformanceReport r = ConformanceSuite.builder().seed(seed).quick(quick).progress(progress).build()
                .run(chosen);
        progress.done();
        printSummary(out, r);
        if (report != null) {
            r.writeMarkdown(report);
            out.println("report written to " + report);
        }
        out.flush();
        return r.passed() ? 0 : 1;
    }

    private static void printSummary(PrintWriter out, ConformanceReport r) {
        out.println();
        String fmt = "%-12s %-26s %-22s %-8s %6s %12s %10s  %s%n";
        out.printf(fmt, "PROVIDER", "CHECK", "OP", "DTYPE", "CASES", "MAX ERROR", "BOUND", "RESULT");
        for (ConformanceReport.SummaryRow row : r.summary()) {
            out.printf(fmt, row.provider(), row.check(), row.op(), row.dtype(), row.count(), num(row.maxError()),
                    num(row.boundAtMax()), row.failed() == 0 ? "pass" : "FAIL (" + row.failed() + ", worst: "
                            + row.worstCase() + ")");
        }
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
