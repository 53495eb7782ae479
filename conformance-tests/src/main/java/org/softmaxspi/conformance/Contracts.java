package org.softmaxspi.conformance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The API contract: every bad argument gets an {@link IllegalArgumentException} naming the
 * parameter, and eight threads calling at once get the results one thread gets, bit for bit.
 * (That inputs stay unchanged is checked on every call of the accuracy run.)
 */
final class Contracts {

    private Contracts() {
    }

    private record BadInput(String description, String parameter, Op op, DType dtype, Runnable call) {
    }

    static List<CheckResult> check(Softmax s, long seed) {
        List<CheckResult> out = new ArrayList<>();
        for (BadInput b : badInputs(s)) {
            if (Properties.supports(s, b.dtype(), b.op())) {
                out.add(badInput(s.name(), b));
            }
        }
        out.add(threads(s, seed));
        return out;
    }

    private static List<BadInput> badInputs(Softmax s) {
        float[] z3 = {1, 2, 3};
        double[] d3 = {1, 2, 3};
        float[] z6 = {1, 2, 3, 4, 5, 6};
        double[] d6 = {1, 2, 3, 4, 5, 6};
        float[] t6 = {0.5f, 0.5f, 0, 0, 0, 1};
        int[] s3 = {3};
        int[] s23 = {2, 3};
        return List.of(
                new BadInput("null logits", "logits", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax((float[]) null, s3, -1)),
                new BadInput("null logits (float64)", "logits", Op.LOG_SOFTMAX, DType.FLOAT64,
                        () -> s.logSoftmax((double[]) null, s3, -1)),
                new BadInput("null shape", "shape", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z3, null, -1)),
                new BadInput("axis 1 for rank 1", "axis", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z3, s3, 1)),
                new BadInput("axis -3 for rank 2", "axis", Op.LOG_SOFTMAX, DType.FLOAT64,
                        () -> s.logSoftmax(d6, s23, -3)),
                new BadInput("3 logits for shape [4]", "logits.length", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z3, new int[] {4}, -1)),
                new BadInput("6 logits for shape [3] (float64)", "logits.length", Op.JACOBIAN, DType.FLOAT64,
                        () -> s.jacobian(d6, s3, -1)),
                new BadInput("negative dimension", "shape[1]", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z6, new int[] {2, -3}, 0)),
                new BadInput("output too short", "out", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z3, s3, -1, new float[2])),
                new BadInput("output is the input", "out", Op.SOFTMAX, DType.FLOAT64,
                        () -> s.softmax(d3, s3, -1, d3)),
                new BadInput("jacobian output too short", "out", Op.JACOBIAN, DType.FLOAT32,
                        () -> s.jacobian(z3, s3, -1, new float[3])),
                new BadInput("null y", "y", Op.BACKWARD, DType.FLOAT32,
                        () -> s.backward(null, z3, s3, -1)),
                new BadInput("upstream shorter than y", "upstream", Op.BACKWARD, DType.FLOAT32,
                        () -> s.backward(z3, new float[] {1, 2}, s3, -1)),
                new BadInput("null upstream (float64)", "upstream", Op.LOG_SOFTMAX_BACKWARD, DType.FLOAT64,
                        () -> s.logSoftmaxBackward(d3, null, s3, -1)),
                new BadInput("label 3 with K = 3", "labels[1]", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, new int[] {0, 3}, Reduction.MEAN)),
                new BadInput("label -1", "labels[0]", Op.CROSS_ENTROPY, DType.FLOAT64,
                        () -> s.crossEntropy(d6, s23, -1, new int[] {-1, 0}, Reduction.SUM)),
                new BadInput("3 labels for 2 rows", "labels.length", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, new int[] {0, 1, 2}, Reduction.NONE)),
                new BadInput("null labels", "labels", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, (int[]) null, Reduction.MEAN)),
                new BadInput("negative target", "target[", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, new float[] {1.5f, -0.5f, 0, 0, 0, 1}, Reduction.MEAN)),
                new BadInput("NaN target", "target[", Op.CROSS_ENTROPY, DType.FLOAT64,
                        () -> s.crossEntropy(d6, s23, -1, new double[] {Double.NaN, 1, 0, 0, 0, 1}, Reduction.MEAN)),
                new BadInput("target row summing to 0.9", "target row", Op.CROSS_ENTROPY, DType.FLOAT64,
                        () -> s.crossEntropy(d6, s23, -1, new double[] {0.4, 0.5, 0, 0, 0, 1}, Reduction.MEAN)),
                new BadInput("null reduction", "reduction", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, t6, (Reduction) null)),
                new BadInput("loss output too long", "lossOut", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, new int[] {0, 1}, Reduction.MEAN, new float[2], new float[6])),
                new BadInput("gradient output too short", "gradientOut", Op.CROSS_ENTROPY, DType.FLOAT64,
                        () -> s.crossEntropy(d6, s23, -1, new int[] {0, 1}, Reduction.NONE, new double[2],
                                new double[5])),
                new BadInput("buffer: 5 remaining for shape [2, 3]", "logits.remaining()", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(FloatBuffer.wrap(z6).position(1), s23, -1, direct(6))),
                new BadInput("buffer: read-only output", "out is read-only", Op.LOG_SOFTMAX, DType.FLOAT32,
                        () -> s.logSoftmax(FloatBuffer.wrap(z6), s23, -1, direct(6).asReadOnlyBuffer())),
                new BadInput("buffer: big-endian direct input", "logits is a direct buffer in BIG_ENDIAN",
                        Op.SOFTMAX, DType.FLOAT64,
                        () -> s.softmax(ByteBuffer.allocateDirect(48).asDoubleBuffer(), s23, -1, DoubleBuffer.allocate(6))),
                new BadInput("buffer: output is a view of the input", "overlaps logits", Op.SOFTMAX, DType.FLOAT32,
                        () -> {
                            FloatBuffer both = direct(12);
                            s.softmax(both.duplicate().limit(6), s23, -1, both.duplicate().position(3).limit(9).slice());
                        }),
                new BadInput("buffer: loss output inside the gradient output", "overlaps lossOut",
                        Op.CROSS_ENTROPY, DType.FLOAT64, () -> {
                            DoubleBuffer g = DoubleBuffer.allocate(6);
                            s.crossEntropy(DoubleBuffer.wrap(d6), s23, -1, new int[] {0, 1}, Reduction.SUM,
                                    g.duplicate().position(5), g);
                        }),
                new BadInput("buffer: upstream shorter than y", "upstream.remaining()", Op.BACKWARD, DType.FLOAT32,
                        () -> s.backward(FloatBuffer.wrap(z6), FloatBuffer.wrap(z3), s23, -1, direct(6))),
                new BadInput("mask of 4 flags for shape [2, 3]", "mask.length 4", Op.SOFTMAX, DType.FLOAT32,
                        () -> s.softmax(z6, s23, -1, SoftmaxOptions.defaults().withMask(new boolean[4]))),
                new BadInput("null options", "options", Op.LOG_SOFTMAX, DType.FLOAT64,
                        () -> s.logSoftmax(d6, s23, -1, (SoftmaxOptions) null)),
                new BadInput("2 weights for 3 classes", "weight.length 2", Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(z6, s23, -1, new int[] {0, 1},
                                LossOptions.of(Reduction.MEAN).withWeight(new double[] {1, 2}))),
                new BadInput("ignore_index with probability targets", "ignoreIndex: 0", Op.CROSS_ENTROPY,
                        DType.FLOAT32, () -> s.crossEntropy(z6, s23, -1, t6,
                                LossOptions.of(Reduction.SUM).withIgnoreIndex(0))),
                new BadInput("label -1 with ignore_index -100", "labels[0] = -1", Op.CROSS_ENTROPY, DType.FLOAT64,
                        () -> s.crossEntropy(d6, s23, -1, new int[] {-1, 1},
                                LossOptions.of(Reduction.MEAN).withIgnoreIndex(-100))),
                new BadInput("nll with label smoothing", "labelSmoothing: 0.1", Op.NLL, DType.FLOAT64,
                        () -> s.nll(d6, s23, -1, new int[] {0, 1}, LossOptions.of(Reduction.MEAN).withLabelSmoothing(0.1))),
                new BadInput("nll label 3 with K = 3", "labels[1] = 3", Op.NLL, DType.FLOAT32,
                        () -> s.nll(z6, s23, -1, new int[] {0, 3}, LossOptions.of(Reduction.NONE))),
                new BadInput("nll null options", "options", Op.NLL, DType.FLOAT32,
                        () -> s.nll(z6, s23, -1, new int[] {0, 1}, null)));
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static CheckResult badInput(String provider, BadInput b) {
        String problem;
        try {
            b.call().run();
            problem = "no exception";
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            problem = m.contains(b.parameter()) ? null
                    : "message does not name '" + b.parameter() + "': " + m;
        } catch (RuntimeException | LinkageError e) {
            problem = "threw " + e + " instead of IllegalArgumentException";
        }
        return new CheckResult(provider, "bad-input", null, null, b.description(), problem == null ? 0 : 1, 0,
                problem == null, problem == null ? "" : problem);
    }

    /** 8 threads, each running every call 5 times, against one thread's results. */
    private static CheckResult threads(Softmax s, long seed) {
        SplittableRandom r = new SplittableRandom(seed + 8);
        int rows = 16;
        int k = 100;
        int[] shape = {rows, k};
        float[] zf = new float[rows * k];
        double[] zd = new double[rows * k];
        float[] gf = new float[rows * k];
        int[] labels = new int[rows];
        for (int i = 0; i < zf.length; i++) {
            zd[i] = r.nextDouble() * 20 - 10;
            zf[i] = (float) zd[i];
            gf[i] = (float) (r.nextDouble() - 0.5);
        }
        for (int i = 0; i < rows; i++) {
            labels[i] = r.nextInt(k);
        }
        float[] yf = Properties.supports(s, DType.FLOAT32, Op.SOFTMAX) ? s.softmax(zf, shape, -1) : zf;
        record Call(Op op, DType dtype, Callable<Object> call) {
        }
        List<Callable<Object>> calls = java.util.stream.Stream.of(
                new Call(Op.SOFTMAX, DType.FLOAT32, () -> s.softmax(zf, shape, -1)),
                new Call(Op.LOG_SOFTMAX, DType.FLOAT64, () -> s.logSoftmax(zd, shape, -1)),
                new Call(Op.SOFTMAX, DType.FLOAT64, () -> s.softmax(zd, new int[] {4, 4, k}, 1)),
                new Call(Op.BACKWARD, DType.FLOAT32, () -> s.backward(yf, gf, shape, -1)),
                new Call(Op.CROSS_ENTROPY, DType.FLOAT32,
                        () -> s.crossEntropy(zf, shape, -1, labels, Reduction.MEAN).gradient()),
                new Call(Op.JACOBIAN, DType.FLOAT64, () -> s.jacobian(Arrays.copyOf(zd, 100), new int[] {2, 50}, -1)))
                .filter(c -> Properties.supports(s, c.dtype(), c.op())).map(Call::call).toList();
        try {
            List<Object> expected = new ArrayList<>();
            for (Callable<Object> c : calls) {
                expected.add(c.call());
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> {
                        for (int rep = 0; rep < 5; rep++) {
                            for (int i = 0; i < calls.size(); i++) {
                                if (!sameBits(expected.get(i), calls.get(i).call())) {
                                    return "call " + i + " differed from the single-thread result";
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<String> f : futures) {
                    String problem = f.get(10, TimeUnit.MINUTES);
                    if (problem != null) {
                        return new CheckResult(s.name(), "threads", null, null, "8 threads", 1, 0, false, problem);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        } catch (Exception e) {
            return new CheckResult(s.name(), "threads", null, null, "8 threads", 1, 0, false, "threw " + e);
        }
        return new CheckResult(s.name(), "threads", null, null, "8 threads", 0, 0, true, "");
    }

    private static boolean sameBits(Object a, Object b) {
        if (a instanceof float[] x && b instanceof float[] y) {
            return Arrays.equals(x, y);
        }
        if (a instanceof double[] x && b instanceof double[] y) {
            return Arrays.equals(x, y);
        }
        return false;
    }
}
