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
import org.softmaxspi.api.Layout;

/**
 * The yardsticks, on the same shapes: {@code copy} moves the same bytes a softmax must at least
 * move (read the input once, write the output once; the memory-bandwidth roofline), and
 * {@code scalarLoop} is the three-pass softmax a user writes by hand with {@link Math#exp}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class BaselineBenchmark {

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private Workload w;
    private boolean f32;
    private float[] out32;
    private double[] out64;

    @Setup
    public void setup() {
        w = new Workload(shape, dtype);
        f32 = dtype.equals("float32");
        out32 = new float[dtype.equals("float32") ? w.size() : 0];
        out64 = new double[dtype.equals("float64") ? w.size() : 0];
    }

    @Benchmark
    public Object copy() {
        if (f32) {
            System.arraycopy(w.logits32, 0, out32, 0, out32.length);
            return out32;
        }
        System.arraycopy(w.logits64, 0, out64, 0, out64.length);
        return out64;
    }

    @Benchmark
    public Object scalarLoop() {
        Layout l = w.layout;
        int k = l.axisLength();
        int stride = l.inner();
        if (f32) {
            float[] z = w.logits32;
            for (int row = 0; row < l.rows(); row++) {
                int start = l.rowStart(row);
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0, i = start; j < k; j++, i += stride) {
                    m = Math.max(m, z[i]);
                }
                float sum = 0;
                for (int j = 0, i = start; j < k; j++, i += stride) {
                    float e = (float) Math.exp(z[i] - m);
                    out32[i] = e;
                    sum += e;
                }
                float inv = 1 / sum;
                for (int j = 0, i = start; j < k; j++, i += stride) {
                    out32[i] *= inv;
                }
            }
            return out32;
        }
        double[] z = w.logits64;
        for (int row = 0; row < l.rows(); row++) {
            int start = l.rowStart(row);
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0, i = start; j < k; j++, i += stride) {
                m = Math.max(m, z[i]);
            }
            double sum = 0;
            for (int j = 0, i = start; j < k; j++, i += stride) {
                double e = Math.exp(z[i] - m);
                out64[i] = e;
                sum += e;
            }
            double inv = 1 / sum;
            for (int j = 0, i = start; j < k; j++, i += stride) {
                out64[i] *= inv;
            }
        }
        return out64;
    }
}
