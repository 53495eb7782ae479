package org.softmaxspi.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.Capabilities;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.SoftmaxProvider;
import org.softmaxspi.conformance.ConformanceReport;
import org.softmaxspi.conformance.ConformanceSuite;

/**
 * The suite must be able to fail: each deliberately wrong, test-only provider here (not registered
 * with ServiceLoader) breaks one thing, and the suite must reject it, naming the failing check.
 */
class BrokenProvidersTest {

    private record Broken(String name, SoftmaxKernel kernel, Accuracy declared, Capabilities caps)
            implements SoftmaxProvider {

        Broken(String name, SoftmaxKernel kernel) {
            this(name, kernel, Accuracy.pairwise(), Capabilities.all());
        }

        @Override
        public Accuracy accuracy(Op op, DType dtype, Layout layout) {
            return declared;
        }

        @Override
        public Capabilities capabilities() {
            return caps;
        }

        @Override
        public int priority() {
            return -1;
        }

        @Override
        public Availability availability() {
            return Availability.ok();
        }

        @Override
        public BackendInfo backend() {
            return new BackendInfo("test", "0", "deliberately wrong");
        }

        @Override
        public SoftmaxKernel createKernel() {
            return kernel;
        }
    }

    /** Runs the suite on the ops given and returns the failed (check, op, case) triples, printed. */
    private static Set<String> failures(SoftmaxKernel kernel, String name, boolean quick, Set<Op> ops) {
        return failures(new Broken(name, kernel), quick, ops);
    }

    private static Set<String> failures(SoftmaxProvider provider, boolean quick, Set<Op> ops) {
        ConformanceReport report = ConformanceSuite.builder().quick(quick).ops(ops).build()
                .run(List.of(Softmax.of(provider)));
        report.failures().stream().limit(5).forEach(f -> System.out.println("rejected as expected: " + f.describe()));
        return report.failures().stream()
                .map(f -> f.check() + " " + (f.op() == null ? "" : f.op().label()) + " " + f.caseName())
                .collect(Collectors.toSet());
    }

    private static void assertRejected(Set<String> failures, String check, Op op, String casePrefix) {
        String prefix = check + " " + op.label() + " " + casePrefix;
        assertTrue(failures.stream().anyMatch(f -> f.startsWith(prefix)),
                "suite should fail '" + prefix + "…' but failed only " + failures);
    }

    @Test
    void softmaxWithoutMaxShift_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(double[] z, Layout l, double[] out) {
                forEachRow(l, (start, stride, n) -> {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        sum += Math.exp(z[start + j * stride]);
                    }
                    for (int j = 0; j < n; j++) {
                        out[start + j * stride] = Math.exp(z[start + j * stride]) / sum;
                    }
                });
            }
        };
        Set<String> f = failures(k, "no-max-shift", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.SOFTMAX, "pair-1000");
        assertRejected(f, "accuracy", Op.SOFTMAX, "onnx/test_softmax_large_number");
    }

    @Test
    void backwardWithWrongSign_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void backward(double[] y, double[] g, Layout l, double[] out) {
                reference.backward(y, g, l, out);
                for (int i = 0; i < out.length; i++) {
                    out[i] = -out[i];
                }
            }
        };
        Set<String> f = failures(k, "wrong-sign-backward", true, EnumSet.of(Op.BACKWARD));
        assertRejected(f, "accuracy", Op.BACKWARD, "random-k16");
        assertRejected(f, "backward-equals-jacobian", Op.BACKWARD, "K=5");
        assertRejected(f, "finite-difference", Op.BACKWARD, "½Σ(y - t)²");
    }

    @Test
    void logSoftmaxAsLogOfSoftmax_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void logSoftmax(float[] z, Layout l, float[] out) {
                reference.softmax(z, l, out);
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) Math.log(out[i]);
                }
            }
        };
        Set<String> f = failures(k, "log-of-softmax", true, EnumSet.of(Op.LOG_SOFTMAX));
        assertRejected(f, "accuracy", Op.LOG_SOFTMAX, "subnormal-outputs");
    }

    @Test
    void softmaxAlongTheWrongAxis_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(float[] z, Layout l, float[] out) {
                reference.softmax(z, Layout.of(l.shape(), -1), out);
            }
        };
        Set<String> f = failures(k, "wrong-axis", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.SOFTMAX, "random-3d-axis0");
        assertRejected(f, "accuracy", Op.SOFTMAX, "onnx/test_softmax_axis_0");
    }

    @Test
    void float32AccumulationOnLongRows_declaredPairwise_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(float[] z, Layout l, float[] out) {
                recursiveFloatSoftmax(z, l, out);
            }
        };
        Set<String> f = failures(k, "float32-accumulation", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.SOFTMAX, "long-row-trap-k100000");
    }

    /** Two ulps off is fine for the pairwise class and a defect for a provider that declares itself correctly rounded. */
    @Test
    void twoUlpsOff_passesAsPairwise_butIsRejectedAsCorrectlyRounded() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(double[] z, Layout l, double[] out) {
                reference.softmax(z, l, out);
                for (int i = 0; i < out.length; i++) {
                    out[i] = Math.nextUp(Math.nextUp(out[i]));
                }
            }
        };
        Set<String> asPairwise = failures(new Broken("two-ulps", k, Accuracy.pairwise(), Capabilities.all()), true,
                EnumSet.of(Op.SOFTMAX));
        assertTrue(asPairwise.stream().noneMatch(f -> f.startsWith("accuracy")), "pairwise: " + asPairwise);
        Set<String> asExact = failures(new Broken("two-ulps", k, Accuracy.correctlyRounded(), Capabilities.all()),
                true, EnumSet.of(Op.SOFTMAX));
        assertRejected(asExact, "accuracy", Op.SOFTMAX, "one-to-eight");
    }

    /** Recursive float32 sums pass when declared recursive: the suite holds a provider to its own declaration. */
    @Test
    void recursiveSummation_declaredRecursive_passesTheLongRowTrap() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(float[] z, Layout l, float[] out) {
                recursiveFloatSoftmax(z, l, out);
            }
        };
        Set<String> f = failures(new Broken("recursive", k, Accuracy.recursive(), Capabilities.all()), true,
                EnumSet.of(Op.SOFTMAX));
        assertTrue(f.stream().noneMatch(x -> x.startsWith("accuracy")), "declared recursive: " + f);
    }

    /**
     * A float32 softmax that flushes results below the smallest normal to 0 (as MLAS's AVX2 exp does) is
     * rejected on the subnormal cases unless it declares it, and passes when it does.
     */
    @Test
    void flushedSubnormals_areRejected_unlessDeclared() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(float[] z, Layout l, float[] out) {
                super.softmax(z, l, out);
                for (int i = 0; i < out.length; i++) {
                    if (Math.abs(out[i]) < Float.MIN_NORMAL) {
                        out[i] = 0;
                    }
                }
            }
        };
        Set<String> undeclared = failures(new Broken("flush", k, Accuracy.pairwise(), Capabilities.all()), true,
                EnumSet.of(Op.SOFTMAX));
        assertRejected(undeclared, "accuracy", Op.SOFTMAX, "subnormal-outputs");
        Set<String> declared = failures(new Broken("flush-declared", k, Accuracy.pairwise().withSubnormalsFlushed(),
                Capabilities.all()), true, EnumSet.of(Op.SOFTMAX));
        assertTrue(declared.stream().noneMatch(x -> x.startsWith("accuracy")), "declared flushed: " + declared);
    }

    /** Buffer methods must give the array methods' results bit for bit, and leave the inputs alone. */
    @Test
    void bufferPathsThatDifferFromArrays_areRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(java.nio.FloatBuffer z, Layout l, java.nio.FloatBuffer out) {
                float[] a = new float[l.size()];
                z.get(0, a);
                float[] y = new float[a.length];
                reference.softmax(a, l, y);
                if (out.isDirect() && y.length > 0) {
                    y[0] = Math.nextUp(y[0]); // one ulp off, only from native memory
                }
                out.put(0, y);
            }

            @Override
            public void logSoftmax(java.nio.DoubleBuffer z, Layout l, java.nio.DoubleBuffer out) {
                SoftmaxKernel plain = reference;
                plain.logSoftmax(z, l, out);
                if (z.capacity() > 0) {
                    z.put(0, 0.0); // scribbles on the input
                }
            }
        };
        Set<String> f = failures(k, "buffer-paths", true, EnumSet.of(Op.SOFTMAX, Op.LOG_SOFTMAX));
        assertRejected(f, "buffers (direct)", Op.SOFTMAX, "one-to-eight");
        assertRejected(f, "buffers (sliced views)", Op.SOFTMAX, "one-to-eight");
        assertTrue(f.stream().noneMatch(x -> x.startsWith("buffers (heap) softmax")), "heap was right: " + f);
        assertRejected(f, "buffers (heap)", Op.LOG_SOFTMAX, "one-to-eight");
    }

    /** Class weights read one class off (w[c + 1] for class c) must fail the weighted loss cases. */
    @Test
    void weightOfTheWrongClass_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void crossEntropy(double[] z, Layout l, int[] labels, LossOptions o, double[] loss, double[] grad) {
                double[] w = o.weight();
                if (w != null) {
                    double first = w[0];
                    System.arraycopy(w, 1, w, 0, w.length - 1);
                    w[w.length - 1] = first;
                }
                reference.crossEntropy(z, l, labels, o.withWeight(w), loss, grad);
            }
        };
        Set<String> f = failures(k, "weight-wrong-class", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.CROSS_ENTROPY, "weights mean");
        assertRejected(f, "accuracy", Op.CROSS_ENTROPY, "class-axis-1-4d sum");
    }

    /** Label smoothing as (1 - ε) times the plain loss, without the uniform ε/C term, must fail. */
    @Test
    void smoothingWithoutTheUniformTerm_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void crossEntropy(double[] z, Layout l, int[] labels, LossOptions o, double[] loss, double[] grad) {
                reference.crossEntropy(z, l, labels, o.withLabelSmoothing(0), loss, grad);
                double keep = 1 - o.labelSmoothing();
                for (int i = 0; i < loss.length; i++) {
                    loss[i] *= keep;
                }
                for (int i = 0; i < grad.length; i++) {
                    grad[i] *= keep;
                }
            }
        };
        Set<String> f = failures(k, "smoothing-without-uniform", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.CROSS_ENTROPY, "smoothing-0.1 sum");
        assertRejected(f, "accuracy", Op.CROSS_ENTROPY, "smoothing-0.25-weights mean");
    }

    /** A mask applied after normalizing (masked entries still in the max and the sum) must fail. */
    @Test
    void maskThatLeaksIntoTheSum_isRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void softmax(double[] z, Layout l, SoftmaxOptions o, double[] out) {
                reference.softmax(z, l, o.withMask(null), out);
                for (int i = 0; i < out.length; i++) {
                    if (!o.keeps(i, l)) {
                        out[i] = 0;
                    }
                }
            }
        };
        Set<String> f = failures(k, "mask-leaks", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.SOFTMAX, "slice-mask-axis0-t0.7");
        assertRejected(f, "accuracy", Op.SOFTMAX, "slice-mask-long-row");
    }

    /** A mean that divides by the number of rows, ignored ones included, must fail. */
    @Test
    void ignoredRowsInTheMeansDenominator_areRejected() {
        SoftmaxKernel k = new DelegatingKernel() {
            @Override
            public void nll(double[] x, Layout l, int[] labels, LossOptions o, double[] loss, double[] grad) {
                reference.nll(x, l, labels, o, loss, grad);
                overAllRows(labels, o, loss, grad);
            }

            @Override
            public void nll(float[] x, Layout l, int[] labels, LossOptions o, float[] loss, float[] grad) {
                double[] dl = new double[loss.length];
                double[] dg = new double[grad.length];
                double[] dx = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    dx[i] = x[i];
                }
                nll(dx, l, labels, o, dl, dg);
                for (int i = 0; i < dl.length; i++) {
                    loss[i] = (float) dl[i];
                }
                for (int i = 0; i < dg.length; i++) {
                    grad[i] = (float) dg[i];
                }
            }
        };
        Set<String> f = failures(k, "ignored-in-denominator", true, EnumSet.of(Op.SOFTMAX));
        assertRejected(f, "accuracy", Op.NLL, "nll-weights-ignore mean");
        assertRejected(f, "accuracy", Op.NLL, "onnx/test_nllloss_NCd1_ii");
        assertRejected(f, "onnx-expected", Op.NLL, "onnx/test_nllloss_NCd1_ii");
    }

    /** Rescales a mean over the rows not ignored (weighted) to a mean over all rows. */
    private static void overAllRows(int[] labels, LossOptions o, double[] loss, double[] grad) {
        if (o.reduction() != Reduction.MEAN || labels.length == 0) {
            return;
        }
        double denominator = 0;
        for (int t : labels) {
            denominator += o.ignores(t) ? 0 : o.weight(t);
        }
        double factor = denominator / labels.length;
        loss[0] *= factor;
        for (int i = 0; i < grad.length; i++) {
            grad[i] *= factor;
        }
    }

    /** A provider that leaves an op out is checked for UnsupportedOperationException there, not failed. */
    @Test
    void capabilitiesWithoutAnOp_areHonoured() {
        SoftmaxKernel k = new DelegatingKernel() {
        };
        Capabilities onlySoftmax64 = new Capabilities(EnumSet.of(DType.FLOAT64), EnumSet.of(Op.SOFTMAX));
        ConformanceReport report = ConformanceSuite.builder().quick(true).build()
                .run(List.of(Softmax.of(new Broken("softmax64-only", k, Accuracy.pairwise(), onlySoftmax64))));
        assertTrue(report.passed(), () -> report.failures().toString());
        assertTrue(report.results().stream().anyMatch(r -> r.check().equals("unsupported") && r.op() == Op.JACOBIAN),
                "unsupported ops are checked");
        assertTrue(report.results().stream().anyMatch(r -> r.check().equals("accuracy") && r.op() == Op.SOFTMAX
                && r.dtype() == DType.FLOAT64), "supported ops are judged");
    }

    private static void recursiveFloatSoftmax(float[] z, Layout l, float[] out) {
        forEachRow(l, (start, stride, n) -> {
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                m = Math.max(m, z[start + j * stride]);
            }
            float sum = 0;
            for (int j = 0; j < n; j++) {
                sum += (float) Math.exp(z[start + j * stride] - m);
            }
            for (int j = 0; j < n; j++) {
                out[start + j * stride] = (float) Math.exp(z[start + j * stride] - m) / sum;
            }
        });
    }

    private interface RowBody {
        void apply(int start, int stride, int n);
    }

    private static void forEachRow(Layout l, RowBody body) {
        for (int row = 0; row < l.rows(); row++) {
            body.apply(l.rowStart(row), l.inner(), l.axisLength());
        }
    }
}
