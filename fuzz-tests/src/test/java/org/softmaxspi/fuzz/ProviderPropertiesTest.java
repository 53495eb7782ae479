package org.softmaxspi.fuzz;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import org.softmaxspi.conformance.CheckResult;
import org.softmaxspi.conformance.ConformanceReport;
import org.softmaxspi.conformance.ConformanceSuite;
import org.softmaxspi.conformance.SuiteCase;

/**
 * Every provider on generated cases, judged by the TCK itself: each generated case runs through
 * {@link ConformanceSuite#runCases} for every operation and dtype, so the result must be within the
 * provider's declared bound of the 40-digit oracle (or hold the same NaN/∞ pattern), rows sum to 1 where
 * finite, inputs stay unchanged, and the buffer methods give the array methods' bits (heap, direct, at a
 * position, sliced views) without writing outside their outputs. A failure shrinks to a small case, which
 * the report prints with every failed check (provider, check, op, dtype); a counterexample found here
 * becomes a fixed case of the TCK's catalogue ({@code Cases.fuzzFound}).
 *
 * <p>Judged against the oracle, not against the reference provider's output: the oracle is exact, so the
 * reference is under test too, and each provider's bound means what it declares.
 */
class ProviderPropertiesTest {

    private static final ConformanceSuite SUITE = ConformanceSuite.builder().build();

    @Provide
    Arbitrary<Generated.Case> cases() {
        return Generated.cases();
    }

    @Property(seed = "20261207", shrinking = ShrinkingMode.BOUNDED)
    @Label("every provider is within its declared bound of the oracle on generated cases")
    void withinDeclaredBound(@ForAll("cases") Generated.Case c) {
        Statistics.label("rank").collect(c.shape().length);
        Statistics.label("elements").collect(Generated.size(c.shape()) == 0 ? "0"
                : Generated.size(c.shape()) <= 16 ? "1-16" : Generated.size(c.shape()) <= 128 ? "17-128" : "129-512");
        SuiteCase sc = SuiteCase.generated("fuzz", c.shape(), c.axis(), c.logits(), c.seed());
        ConformanceReport report = SUITE.runCases(FuzzProviders.all(), List.of(sc));
        List<CheckResult> failures = report.failures();
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " failed checks on " + c + ":\n"
                    + failures.stream().limit(20).map(CheckResult::describe).collect(Collectors.joining("\n")));
        }
    }
}
