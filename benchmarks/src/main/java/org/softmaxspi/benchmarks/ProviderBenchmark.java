package org.softmaxspi.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Each provider's end-to-end call through the public API, writing into preallocated outputs (so
 * the numbers include argument checks and whatever the provider copies, but no result allocation
 * by the API). JMH forks a fresh JVM per parameter combination, so providers never share a JIT
 * profile (JMH sample 12).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ProviderBenchmark {

    @Param({"reference"})
    public String provider;

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private Workload w;
    private Softmax s;
    private boolean f32;
    private float[] out32;
    private double[] out64;
    private float[] loss32;
    private double[] loss64;
    /** About 10% of the entries masked out, per element, as an attention mask would. */
    private SoftmaxOptions masked;
    /** Class weights in [0.5, 2], label smoothing 0.1, mean. */
    private LossOptions weightedSmoothed;

    @Setup
    public void setup() {
        w = new Workload(shape, dtype);
        s = SoftmaxProviders.get(provider);
        f32 = dtype.equals("float32");
        out32 = new float[dtype.equals("float32") ? w.size() : 0];
        out64 = new double[dtype.equals("float64") ? w.size() : 0];
        loss32 = new float[1];
        loss64 = new double[1];
        java.util.SplittableRandom r = new java.util.SplittableRandom(Workload.SEED);
        boolean[] keep = new boolean[w.size()];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = r.nextDouble() >= 0.1;
        }
        masked = SoftmaxOptions.defaults().withMask(keep);
        double[] weight = new double[w.layout.axisLength()];
        for (int c = 0; c < weight.length; c++) {
            weight[c] = 0.5 + 1.5 * r.nextDouble();
        }
        weightedSmoothed = LossOptions.of(Reduction.MEAN).withWeight(weight).withLabelSmoothing(0.1);
        // first use (engine start, native load) happens here, outside the measurement
        softmax();
    }

    @Benchmark
    public Object softmax() {
        if (f32) {
            s.softmax(w.logits32, w.shape, w.axis, out32);
            return out32;
        }
        s.softmax(w.logits64, w.shape, w.axis, out64);
        return out64;
    }

    @Benchmark
    public Object logSoftmax() {
        if (f32) {
            s.logSoftmax(w.logits32, w.shape, w.axis, out32);
            return out32;
        }
        s.logSoftmax(w.logits64, w.shape, w.axis, out64);
        return out64;
    }

    @Benchmark
    public Object backward() {
        if (f32) {
            s.backward(w.y32, w.upstream32, w.shape, w.axis, out32);
            return out32;
        }
        s.backward(w.y64, w.upstream64, w.shape, w.axis, out64);
        return out64;
    }

    @Benchmark
    public Object crossEntropy() {
        if (f32) {
            s.crossEntropy(w.logits32, w.shape, w.axis, w.labels, Reduction.MEAN, loss32, out32);
            return out32;
        }
        s.crossEntropy(w.logits64, w.shape, w.axis, w.labels, Reduction.MEAN, loss64, out64);
        return out64;
    }

    /** Softmax with a per-element mask: the overhead of the mask over {@link #softmax()}. */
    @Benchmark
    public Object maskedSoftmax() {
        if (f32) {
            s.softmax(w.logits32, w.shape, w.axis, masked, out32);
            return out32;
        }
        s.softmax(w.logits64, w.shape, w.axis, masked, out64);
        return out64;
    }

    /** Cross-entropy with class weights and label smoothing: the overhead over {@link #crossEntropy()}. */
    @Benchmark
    public Object weightedSmoothedCrossEntropy() {
        if (f32) {
            s.crossEntropy(w.logits32, w.shape, w.axis, w.labels, weightedSmoothed, loss32, out32);
            return out32;
        }
        s.crossEntropy(w.logits64, w.shape, w.axis, w.labels, weightedSmoothed, loss64, out64);
        return out64;
    }
}
