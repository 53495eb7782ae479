package org.softmaxspi.conformance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * JUnit 5 glue for the suite. A third-party provider runs the whole TCK with
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicNode> conformance() {
 *     return ConformanceTests.dynamicTests(List.of(Softmax.of(new MyProvider())));
 * }
 * }</pre>
 * One container per provider, one per check and op and dtype inside, one test per case; a
 * failure's message names provider, check, op, dtype, case, the element and the error. The
 * Markdown summary is printed, and written to the file named by {@code -Dconformance.summary}.
 * {@code -Dconformance.quick=true} runs the quick case list.
 */
public final class ConformanceTests {

    private ConformanceTests() {
    }

    /** Every provider {@link SoftmaxProviders} finds that is available here. */
    public static List<Softmax> availableProviders() {
        List<Softmax> out = new ArrayList<>();
        for (ProviderStatus p : SoftmaxProviders.all()) {
            if (p.available()) {
                out.add(SoftmaxProviders.get(p.name()));
            } else {
                System.out.println("conformance: skipping provider " + p.name() + ": " + p.availability().reason());
            }
        }
        return out;
    }

    /** Runs the suite against {@code providers} and returns its results as dynamic tests. */
    public static Stream<DynamicNode> dynamicTests(List<Softmax> providers) {
        ConformanceSuite suite = ConformanceSuite.builder()
                .quick(Boolean.getBoolean("conformance.quick"))
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
                String group = r.check() + (r.op() == null ? "" : " " + r.op().label())
                        + (r.dtype() == null ? "" : " " + r.dtype().label());
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(DynamicTest.dynamicTest(r.caseName(), () -> {
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
