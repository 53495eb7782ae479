package org.softmaxspi.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
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
import org.softmaxspi.api.SoftmaxProviders;

/**
 * ND4J's own ops alone on pre-created native arrays (input and output), beside the provider's
 * end-to-end call in {@link ProviderBenchmark}: the difference is what the provider adds (checks,
 * copies between Java arrays and native memory, its stable log-softmax composition). Note that
 * ND4J's raw log_softmax is log(softmax) (it underflows); it is timed here as ND4J ships it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class Nd4jOpAloneBenchmark {

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private INDArray x;
    private INDArray out;
    private int dim;
    private OpContext context;

    @Setup
    public void setup() {
        // let the provider choose the CPU variant and load libnd4j exactly as it does for users
        SoftmaxProviders.get("nd4j").availability();
        Workload w = new Workload(shape, dtype);
        long[] s = new long[w.shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = w.shape[i];
        }
        x = dtype.equals("float32") ? Nd4j.createFromArray(w.logits32).reshape(s)
                : Nd4j.createFromArray(w.logits64).reshape(s);
        out = Nd4j.createUninitialized(dtype.equals("float32") ? DataType.FLOAT : DataType.DOUBLE, s);
        dim = w.layout.axis();
        context = Nd4j.getExecutioner().buildContext();
        context.setInputArray(0, x);
        context.setOutputArray(0, out);
        context.setIArguments(dim);
        context.shapeFunctionOverride(true);
    }

    @TearDown
    public void tearDown() throws Exception {
        context.purge();
        context.close();
    }

    @Benchmark
    public INDArray softmax() {
        Nd4j.exec(new SoftMax(x, out, dim));
        return out;
    }

    /**
     * The same op through one context made in setup (inputs, outputs, dimension and the shape
     * function's override set once): what {@code Nd4j.exec(op)} rebuilds on every call (a native
     * graph context, output shape checks, RNG state calls) is left out. The nd4j provider runs its
     * softmax this way.
     */
    @Benchmark
    public INDArray softmaxReusedContext() {
        Nd4j.getExecutioner().exec(new SoftMax(), context);
        return out;
    }

    @Benchmark
    public INDArray logSoftmax() {
        LogSoftMax op = new LogSoftMax(x, out);
        op.addIArgument(dim); // LogSoftMax(x, dim) drops the dimension (a bug in 1.0.0-M2.1)
        Nd4j.exec(op);
        return out;
    }
}
