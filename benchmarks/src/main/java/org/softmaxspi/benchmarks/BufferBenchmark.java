package org.softmaxspi.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
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

/**
 * Each provider's call through the buffer methods, from a native-order direct buffer into another
 * (logits already in native memory, as an ONNX Runtime or DJL output would be): beside
 * {@link ProviderBenchmark} (the same call from and into Java arrays) and the libraries' ops alone,
 * this shows what the adapters add when there is nothing to copy in. The buffers start on a 64-byte boundary.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class BufferBenchmark {

    @Param({"reference"})
    public String provider;

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"})
    public String shape;

    private Workload w;
    private Softmax s;
    private boolean f32;
    private FloatBuffer in32;
    private FloatBuffer out32;
    private DoubleBuffer in64;
    private DoubleBuffer out64;

    @Setup
    public void setup() {
        w = new Workload(shape, dtype);
        s = SoftmaxProviders.get(provider);
        f32 = dtype.equals("float32");
        if (f32) {
            in32 = direct(w.size() * Float.BYTES).asFloatBuffer().put(0, w.logits32);
            out32 = direct(w.size() * Float.BYTES).asFloatBuffer();
        } else {
            in64 = direct(w.size() * Double.BYTES).asDoubleBuffer().put(0, w.logits64);
            out64 = direct(w.size() * Double.BYTES).asDoubleBuffer();
        }
        softmax(); // first use outside the measurement
    }

    private static ByteBuffer direct(int bytes) {
        // 64-byte aligned, as native tensors and SIMD allocators give (and as onnxruntime wants for float64:
        // its finding 3); the JDK aligns direct buffers only to 8 or 16 bytes
        return ByteBuffer.allocateDirect(bytes + 128).alignedSlice(64).limit(bytes).slice()
                .order(ByteOrder.nativeOrder());
    }

    @Benchmark
    public Object softmax() {
        if (f32) {
            s.softmax(in32, w.shape, w.axis, out32);
            return out32;
        }
        s.softmax(in64, w.shape, w.axis, out64);
        return out64;
    }

    @Benchmark
    public Object logSoftmax() {
        if (f32) {
            s.logSoftmax(in32, w.shape, w.axis, out32);
            return out32;
        }
        s.logSoftmax(in64, w.shape, w.axis, out64);
        return out64;
    }
}
