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
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/** The Jacobian (rows × K × K outputs) for K ≤ 1000, end to end into a preallocated output. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class JacobianBenchmark {

    @Param({"reference"})
    public String provider;

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000"})
    public String jshape;

    private Workload w;
    private Softmax s;
    private boolean f32;
    private float[] out32;
    private double[] out64;

    @Setup
    public void setup() {
        w = new Workload(jshape, dtype);
        s = SoftmaxProviders.get(provider);
        f32 = dtype.equals("float32");
        int n = w.layout.jacobianSize();
        if (f32) {
            out32 = new float[n];
        } else {
            out64 = new double[n];
        }
        jacobian();
    }

    @Benchmark
    public Object jacobian() {
        if (f32) {
            s.jacobian(w.logits32, w.shape, w.axis, out32);
            return out32;
        }
        s.jacobian(w.logits64, w.shape, w.axis, out64);
        return out64;
    }
}
