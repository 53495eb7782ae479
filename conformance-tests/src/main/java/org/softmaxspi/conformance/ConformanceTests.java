package org.softmaxspi.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * JUnit 5 glue for the suite. A provider module runs the whole TCK on its own provider with
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicNode> conformance() {
 *     return ConformanceTests.forProvider("myprovider");   // found by ServiceLoader
 * }
 * }</pre>
 * or, for a provider instance, {@link #dynamicTests(List) dynamicTests(List.of(Softmax.of(new MyProvider())))}.
 * One container per provider, one per check and op and dtype inside, one test per case; each test's
 * name (and so the surefire XML report) names provider, check, op, dtype and case, and a failure's
 * message adds the element and the error. The Markdown summary is printed, and written to the file
 * named by {@code -Dconformance.summary}.
 *
 * <p>System properties: {@code -Dconformance.quick=true} runs the quick case list;
 * {@code -Dconformance.millionRow=true} adds the 10^6-entry row; {@value #SKIP_PROPERTY} is a
 * comma-separated list of provider names to skip on purpose (a platform without that native build).
 */
public final class ConformanceTests {

    /**
     * The providers a user skips on purpose, comma-separated: {@value}. A provider that is
     * unavailable and not listed here fails its test run with its reason; one listed is reported as
     * skipped (aborted), with the reason.
     */
    public static final String SKIP_PROPERTY = "softmax.tck.skip";

    private ConformanceTests() {
    }

    /**
     * The whole suite against the provider named {@code name}, found by {@link SoftmaxProviders}.
     * When the provider is missing or unavailable, the result is one test that fails with the
     * reason, or, when the name is listed in {@value #SKIP_PROPERTY}, is aborted (skipped) with it.
     */
    public static Stream<DynamicNode> forProvider(String name) {
        String reason = null;
        Softmax s = null;
        try {
            s = SoftmaxProviders.get(name);
            if (!s.availability().available()) {
                reason = "provider '" + name + "' is unavailable here: " + s.availability().reason();
            }
        } catch (RuntimeException e) {
            reason = "provider '" + name + "' cannot be used: " + e.getMessage();
        }
        if (reason != null) {
            String why = reason;
            boolean skip = skippedOnPurpose(name);
            return Stream.of(DynamicTest.dynamicTest(name + " · available", () -> {
                if (skip) {
                    Assumptions.abort(why + " (skipped on purpose: -D" + SKIP_PROPERTY + ")");
                }
                Assertions.fail(why + "; to skip this provider on purpose, set -D" + SKIP_PROPERTY + "=" + name);
            }));
        }
        return dynamicTests(List.of(s));
    }

    /**
     * Whether {@code name} is listed in {@value #SKIP_PROPERTY}: a provider module's other native tests
     * use this to skip (abort) as its TCK run does.
     */
    public static boolean skippedOnPurpose(String name) {
        String list = System.getProperty(SKIP_PROPERTY, "");
        return Arrays.stream(list.split(",")).map(String::trim).anyMatch(name::equals);
    }

    /** Runs the suite against {@code providers} (each must be available) and returns its results as dynamic tests. */
    public static Stream<DynamicNode> dynamicTests(List<Softmax> providers) {
        ConformanceSuite suite = ConformanceSuite.builder()
                .quick(Boolean.getBoolean("conformance.quick"))
                .millionRow(Boolean.getBoolean("conformance.millionRow"))
                .progress(line -> System.out.println("conformance " + line))
                .build();
        ConformanceReport report = suite.run(providers);
        String md = report.toMarkdown();
        System.out.println(md);
        String file = System.getProperty("conformance.summary");
        if (file != null && !file.isBlank()) {
            report.writeMarkdown(Path.of(file));
        }
        return toNodes(report);
    }

    static Stream<DynamicNode> toNodes(ConformanceReport report) {
        List<DynamicNode> perProvider = new ArrayList<>();
        for (String provider : report.providers()) {
            Map<String, List<DynamicNode>> groups = new LinkedHashMap<>();
            for (CheckResult r : report.results(provider)) {
                String group = r.check() + (r.op() == null ? "" : " · " + r.op().label())
                        + (r.dtype() == null ? "" : " · " + r.dtype().label());
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(DynamicTest.dynamicTest(r.name(), () -> {
                    if (!r.passed()) {
                        Assertions.fail(r.describe());
                    }
                }));
            }
            List<DynamicNode> containers = new ArrayList<>();
            groups.forEach((name, tests) -> containers.add(DynamicContainer.dynamicContainer(name, tests)));
            perProvider.add(DynamicContainer.dynamicContainer(provider, containers));
        }
        return perProvider.stream();
    }
}
