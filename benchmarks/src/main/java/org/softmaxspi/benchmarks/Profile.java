package org.softmaxspi.benchmarks;

import java.util.List;

/**
 * What a profile runs.
 * <ul>
 *   <li>quick: float32; 1×10, 1×1000, 128×32000 and 1024×1024 along axis 0; every op; short
 *       iterations — under 10 minutes on 2 cores.</li>
 *   <li>full, threads {@code default}: float32 and float64, every shape, every op, the buffer calls,
 *       the op-alone benchmarks and first-use single shots (about 25 minutes on 2 cores).</li>
 *   <li>full, threads {@code one}: the comparison with one thread everywhere, on what threads
 *       change: softmax and cross-entropy, float32, every shape, with the baselines (about 5 minutes).</li>
 * </ul>
 */
record Profile(String name, String[] dtypes, String[] shapes, String[] jacobianShapes, int warmupIterations,
               int measurementIterations, int iterationMillis, List<String> includes) {

    static Profile of(String name) {
        return of(name, "default");
    }

    static Profile of(String name, String threads) {
        String[] allShapes = {"1x10", "1x1000", "64x1000", "128x32000", "1x1000000", "1024x1024@0"};
        return switch (name) {
            case "quick" -> new Profile("quick", new String[] {"float32"},
                    new String[] {"1x10", "1x1000", "128x32000", "1024x1024@0"}, new String[] {"1x10", "1x1000"},
                    1, 2, 500, List.of("ProviderBenchmark", "BufferBenchmark", "JacobianBenchmark", "BaselineBenchmark",
                            "OpAlone"));
            case "full" -> threads.equals("one")
                    ? new Profile("full", new String[] {"float32"}, allShapes, new String[] {"1x10"}, 1, 3, 500,
                            List.of("ProviderBenchmark.softmax", "ProviderBenchmark.crossEntropy", "BaselineBenchmark"))
                    : new Profile("full", new String[] {"float32", "float64"}, allShapes,
                            new String[] {"1x10", "1x1000", "64x1000"}, 1, 3, 500,
                            List.of("ProviderBenchmark", "BufferBenchmark", "JacobianBenchmark", "BaselineBenchmark",
                                    "OpAlone", "FirstUseBenchmark"));
            default -> throw new IllegalArgumentException("--profile: unknown value '" + name
                    + "' (expected quick or full)");
        };
    }
}
