package org.softmaxspi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.conformance.CheckResult;
import org.softmaxspi.conformance.ConformanceReport;
import org.softmaxspi.conformance.ConformanceSuite;
import org.softmaxspi.conformance.ResidentMemory;
import org.softmaxspi.conformance.SuiteCase;

/**
 * The soak run, off unless {@code -Dfuzz.soak.minutes=M}: each provider other than the reference in turn
 * (simd, then the native ones) gets M / providers minutes of generated cases, each judged by the TCK as in
 * {@link ProviderPropertiesTest} (drawn from the same generators, without shrinking: a plain JUnit test); the
 * resident set of the JVM is read at the start and the end of each
 * provider's turn ({@code -Dfuzz.soak.providers=reference,nd4j} picks the providers, the reference judged alone
 * against the oracle). The table and the first failure of each provider, check, op and dtype go to stdout and to {@code target/soak-report.md}. Run it alone:
 * {@code ./mvnw -B -pl fuzz-tests -am verify -Dtest=SoakTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfuzz.soak.minutes=60}.
 */
class SoakTest {

    @Test
    @EnabledIfSystemProperty(named = "fuzz.soak.minutes", matches = "\\d+")
    @DisplayName("soak: generated cases on each provider for the given minutes, resident memory at start and end")
    void soak() throws IOException {
        double minutes = Double.parseDouble(System.getProperty("fuzz.soak.minutes"));
        List<Softmax> all = FuzzProviders.all();
        Softmax reference = all.get(0);
        String only = System.getProperty("fuzz.soak.providers", "");
        List<Softmax> watched = only.isBlank() ? all.subList(1, all.size())
                : all.stream().filter(p -> List.of(only.split(",")).contains(p.name())).toList();
        assertEquals(only.isBlank() ? all.size() - 1 : only.split(",").length, watched.size(),
                "fuzz.soak.providers=" + only + " names providers not found among " + all.stream().map(Softmax::name).toList());
        long perProviderNanos = (long) (minutes * 60e9 / watched.size());
        ConformanceSuite suite = ConformanceSuite.builder().build();
        Iterator<Generated.Case> cases = Generated.cases().sampleStream().iterator();
        List<String> rows = new ArrayList<>();
        // the first failure of each provider, check, op and dtype (a soak finds the same defect many times)
        Map<String, String> failures = new LinkedHashMap<>();
        rows.add("| provider | cases | checks | failed | RSS at start (MB) | RSS at end (MB) | growth (MB) |");
        rows.add("|---|---:|---:|---:|---:|---:|---:|");
        for (Softmax s : watched) {
            long before = ResidentMemory.rssKb();
            long end = System.nanoTime() + perProviderNanos;
            long n = 0;
            long checks = 0;
            long failed = 0;
            while (System.nanoTime() < end) {
                Generated.Case c = cases.next();
                SuiteCase sc = SuiteCase.generated("soak-" + n, c.shape(), c.axis(), c.logits(), c.seed());
                ConformanceReport r = suite.runCases(s == reference ? List.of(s) : List.of(reference, s), List.of(sc));
                checks += r.results().size();
                for (CheckResult f : r.failures()) {
                    failed++;
                    failures.putIfAbsent(f.provider() + " · " + f.check() + " · " + f.op() + " · " + f.dtype(),
                            f.describe() + " on " + c);
                }
                n++;
            }
            long after = ResidentMemory.rssKb();
            rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %+d |", s.name(), n, checks, failed,
                    before / 1024, after / 1024, (after - before) / 1024));
        }
        String report = "Soak run: " + minutes + " minutes, " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB\n\n" + String.join("\n", rows) + "\n"
                + (failures.isEmpty() ? "" : "\nThe first failure of each provider, check, op and dtype:\n\n- "
                        + String.join("\n- ", failures.values()) + "\n");
        System.out.println(report);
        Files.writeString(Path.of("target", "soak-report.md"), report);
        assertEquals(List.of(), List.copyOf(failures.values()));
    }
}
