package org.softmaxspi.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * PyTorch's softmax and log-softmax through DJL alone, on a pre-created NDArray (each call's result
 * tensor is allocated by PyTorch and closed), beside the provider's end-to-end call in
 * {@link ProviderBenchmark}; and the same op followed by DJL's cheapest read of its result into a Java
 * array ({@code toByteBuffer}, a direct view above 64 KiB as the provider uses, then one bulk get): the
 * least that any adapter through DJL's public API does from arrays besides copying the input in.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DjlOpAloneBenchmark {

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private NDManager manager;
    private NDArray x;
    private int axis;
    private float[] out32;
    private double[] out64;

    @Setup
    public void setup() {
        // start the engine exactly as the provider does for users (offline, once)
        SoftmaxProviders.get("djl").availability();
        Workload w = new Workload(shape, dtype);
        long[] s = new long[w.shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = w.shape[i];
        }
        manager = NDManager.newBaseManager();
        x = dtype.equals("float32") ? manager.create(w.logits32, new Shape(s)) : manager.create(w.logits64, new Shape(s));
        axis = w.layout.axis();
        out32 = new float[dtype.equals("float32") ? w.size() : 0];
        out64 = new double[dtype.equals("float64") ? w.size() : 0];
    }

    @TearDown
    public void tearDown() {
        manager.close();
    }

    @Benchmark
    public void softmax(Blackhole bh) {
        try (NDArray y = x.softmax(axis)) {
            bh.consume(y);
        }
    }

    @Benchmark
    public void logSoftmax(Blackhole bh) {
        try (NDArray y = x.logSoftmax(axis)) {
            bh.consume(y);
        }
    }

    @Benchmark
    public Object softmaxAndRead() {
        try (NDArray y = x.softmax(axis)) {
            return read(y);
        }
    }

    @Benchmark
    public Object logSoftmaxAndRead() {
        try (NDArray y = x.logSoftmax(axis)) {
            return read(y);
        }
    }

    /** The result's values in a Java array, the way the provider reads them (a direct view above 64 KiB). */
    private Object read(NDArray y) {
        boolean f32 = out32.length > 0;
        ByteBuffer b = y.toByteBuffer((f32 ? out32.length * 4L : out64.length * 8L) > (64 << 10));
        if (f32) {
            b.asFloatBuffer().get(out32);
            return out32;
        }
        b.asDoubleBuffer().get(out64);
        return out64;
    }
}
