package org.softmaxspi.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * The reference provider's own quality bar, stricter than the suite's shared bounds: every result
 * of every case within 1 ulp of the exact value in plain ulps (no scale floors, no κ), and float64
 * softmax and log-softmax on a row of 10^6 elements within 1 ulp.
 */
class ReferenceQualityTest {

    private static final double PLAIN_ULP_BOUND = 1.0;
    private final Softmax reference = SoftmaxProviders.get("reference");

    @Test
    void everyResultOfEveryCase_isWithinOneUlp() {
        List<String> problems = new ArrayList<>();
        double worst = 0;
        for (SuiteCase c : Cases.all(Cases.seed(), false)) {
            for (DType dtype : DType.values()) {
                for (Invocation inv : invocations()) {
                    if (!c.appliesTo(inv.op(), dtype)) {
                        continue;
                    }
                    CaseData d = c.data(dtype);
                    double[][] out = inv.run(reference, d).values();
                    List<Judge.Standard> standards = Judge.standards(d, inv);
                    for (int i = 0; i < standards.size(); i++) {
                        Exact e = standards.get(i).exact();
                        Measure.Worst w = Measure.worst(out[i], e, j -> e.value(j), j -> PLAIN_ULP_BOUND, dtype);
                        worst = Math.max(worst, w.error());
                        if (!w.passed()) {
                            problems.add(c.name() + " " + inv.label() + " " + dtype.label() + ": "
                                    + w.describe(standards.get(i).name()));
                        }
                    }
                }
            }
            c.release();
        }
        System.out.println("reference: largest error over all cases, plain ulps: " + worst);
        assertTrue(problems.isEmpty(), "reference beyond 1 ulp:\n" + String.join("\n", problems));
    }

    @Test
    void rowOfOneMillion_float64_isWithinOneUlp() {
        int k = 1_000_000;
        SplittableRandom r = new SplittableRandom(Cases.seed());
        double[] distinct = new double[1000];
        for (int i = 0; i < distinct.length; i++) {
            distinct[i] = 1000 + (r.nextDouble() - 0.5) * 40; // full mantissas at |z| ~ 1000: z - m rounds
        }
        double[] z = new double[k];
        for (int i = 0; i < k; i++) {
            z[i] = distinct[r.nextInt(distinct.length)];
        }
        SuiteCase c = SuiteCase.of("row-1e6", new int[] {k}, 0, z, 1).only(
                java.util.EnumSet.of(Op.SOFTMAX, Op.LOG_SOFTMAX), java.util.EnumSet.of(DType.FLOAT64));
        CaseData d = c.data(DType.FLOAT64);
        double[] y = reference.softmax(z, new int[] {k}, 0);
        double[] logY = reference.logSoftmax(z, new int[] {k}, 0);
        Exact ey = d.softmax();
        Exact el = d.logSoftmax();
        Measure.Worst wy = Measure.worst(y, ey, j -> ey.value(j), j -> PLAIN_ULP_BOUND, DType.FLOAT64);
        Measure.Worst wl = Measure.worst(logY, el, j -> el.value(j), j -> PLAIN_ULP_BOUND, DType.FLOAT64);
        System.out.println("reference, K = 10^6, float64: softmax " + wy.error() + " ulps, log-softmax " + wl.error()
                + " ulps");
        assertTrue(wy.passed(), wy.describe("y"));
        assertTrue(wl.passed(), wl.describe("log y"));
    }

    private static List<Invocation> invocations() {
        List<Invocation> list = new ArrayList<>();
        for (Op op : Op.values()) {
            if (op != Op.CROSS_ENTROPY) {
                list.add(Invocation.of(op));
            }
        }
        for (Reduction r : Reduction.values()) {
            list.add(new Invocation(Op.CROSS_ENTROPY, true, r));
            list.add(new Invocation(Op.CROSS_ENTROPY, false, r));
        }
        return list;
    }
}
