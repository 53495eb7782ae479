package org.softmaxspi.benchmarks;

import java.util.List;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;

/**
 * What a profile runs. quick: float32; 1×10, 1×1000, 128×32000 and 1024×1024 along axis 0; all
 * ops; short iterations — under 10 minutes on 2 cores. full: float32 and float64, every shape, every
 * op, first-use single shots, longer iterations (about 25 minutes per thread mode on 2 cores).
 */
record Profile(String name, String[] dtypes, String[] shapes, String[] jacobianShapes, int warmupIterations,
               int measurementIterations, int iterationMillis, List<String> includes) {

    static Profile of(String name) {
        return switch (name) {
            case "quick" -> new Profile("quick", new String[] {"float32"},
                    new String[] {"1x10", "1x1000", "128x32000", "1024x1024@0"}, new String[] {"1x10", "1x1000"},
                    1, 2, 500, List.of("ProviderBenchmark", "JacobianBenchmark", "BaselineBenchmark", "OpAlone"));
            case "full" -> new Profile("full", new String[] {"float32", "float64"},
                    new String[] {"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"},
                    new String[] {"1x10", "1x1000", "64x1000"}, 2, 3, 700,
                    List.of("ProviderBenchmark", "JacobianBenchmark", "BaselineBenchmark", "OpAlone",
                            "FirstUseBenchmark"));
            default -> throw new IllegalArgumentException("--profile: unknown value '" + name
                    + "' (expected quick or full)");
        };
    }

    /** Shape parameters; the Jacobian benchmark has its own (K ≤ 1000). */
    void apply(ChainedOptionsBuilder o) {
        o.param("shape", shapes);
        o.param("jshape", jacobianShapes);
    }
}
