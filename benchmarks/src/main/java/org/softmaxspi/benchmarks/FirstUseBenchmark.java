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
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * A provider's first use in a fresh JVM (single shot): discovery, availability check (native
 * library load, engine start) and the first softmax of 1×10. Native caches on disk
 * (~/.javacpp/cache, ~/.djl.ai) are warm after the first run ever.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class FirstUseBenchmark {

    @Param({"reference"})
    public String provider;

    @Benchmark
    public float[] firstSoftmax() {
        return SoftmaxProviders.get(provider).softmax(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    }
}
