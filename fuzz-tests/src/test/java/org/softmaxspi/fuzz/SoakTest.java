package org.softmaxspi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
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
 * provider's turn. The table goes to stdout and to {@code target/soak-report.md}. Run it alone:
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
        List<Softmax> watched = all.subList(1, all.size());
        long perProviderNanos = (long) (minutes * 60e9 / watched.size());
        ConformanceSuite suite = ConformanceSuite.builder().build();
        Iterator<Generated.Case> cases = Generated.cases().sampleStream().iterator();
        List<String> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
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
                ConformanceReport r = suite.runCases(List.of(reference, s), List.of(sc));
                checks += r.results().size();
                for (CheckResult f : r.failures()) {
                    failed++;
                    if (failures.size() < 20) {
                        failures.add(f.describe() + " on " + c);
                    }
                }
                n++;
            }
            long after = ResidentMemory.rssKb();
            rows.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %+d |", s.name(), n, checks, failed,
                    before / 1024, after / 1024, (after - before) / 1024));
        }
        String report = "Soak run: " + minutes + " minutes, " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + System.getProperty("java.version") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB\n\n" + String.join("\n", rows) + "\n";
        System.out.println(report);
        Files.writeString(Path.of("target", "soak-report.md"), report);
        assertEquals(List.of(), failures);
    }
}
