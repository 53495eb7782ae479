package org.softmaxspi.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
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
import org.softmaxspi.api.DType;
import org.softmaxspi.api.SoftmaxProviders;
import org.softmaxspi.onnxruntime.OnnxModels;

/**
 * ONNX Runtime's Softmax and LogSoftmax alone: a pre-made session of the one-node model (the input's own rank
 * and axis, the provider's session options) run on a pre-made tensor over direct memory; each call's result is
 * allocated by ONNX Runtime and closed, as a user of its Java API would. Beside the provider's end-to-end call in
 * {@link ProviderBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class OnnxruntimeOpAloneBenchmark {

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private OrtSession.SessionOptions options;
    private OrtSession softmax;
    private OrtSession logSoftmax;
    private OnnxTensor x;
    private Map<String, OnnxTensor> inputs;

    @Setup
    public void setup() throws OrtException {
        SoftmaxProviders.get("onnxruntime").availability(); // load the library as the provider does for users
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Workload w = new Workload(shape, dtype);
        DType d = dtype.equals("float32") ? DType.FLOAT32 : DType.FLOAT64;
        options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        softmax = env.createSession(OnnxModels.softmax(d, false, w.shape.length, w.layout.axis()), options);
        logSoftmax = env.createSession(OnnxModels.softmax(d, true, w.shape.length, w.layout.axis()), options);
        long[] s = new long[w.shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = w.shape[i];
        }
        int n = w.layout.size();
        ByteBuffer memory = ByteBuffer.allocateDirect(n * (d == DType.FLOAT32 ? 4 : 8) + 128).alignedSlice(64)
                .order(ByteOrder.nativeOrder()); // 64-byte aligned, as the provider's memory
        if (d == DType.FLOAT32) {
            memory.asFloatBuffer().put(w.logits32);
            x = OnnxTensor.createTensor(env, memory.asFloatBuffer().limit(n), s);
        } else {
            memory.asDoubleBuffer().put(w.logits64);
            x = OnnxTensor.createTensor(env, memory.asDoubleBuffer().limit(n), s);
        }
        inputs = Map.of("x", x);
    }

    @TearDown
    public void tearDown() throws OrtException {
        x.close();
        softmax.close();
        logSoftmax.close();
        options.close();
    }

    @Benchmark
    public void softmax(Blackhole bh) throws OrtException {
        try (OrtSession.Result y = softmax.run(inputs)) {
            bh.consume(y);
        }
    }

    @Benchmark
    public void logSoftmax(Blackhole bh) throws OrtException {
        try (OrtSession.Result y = logSoftmax.run(inputs)) {
            bh.consume(y);
        }
    }
}
