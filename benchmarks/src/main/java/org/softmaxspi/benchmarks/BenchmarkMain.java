package org.softmaxspi.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.SoftmaxProviders;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the JMH benchmarks with a profile and writes JMH's JSON, then (sub-command {@code report})
 * turns the JSON into the Markdown report with charts.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar run --profile quick
 * java -jar benchmarks/target/benchmarks.jar report benchmarks/results/raw/*.json
 * </pre>
 */
@Command(name = "benchmarks", mixinStandardHelpOptions = true, subcommands = {BenchmarkMain.Run.class,
    ReportCommand.class}, description = "JMH benchmarks of every softmax provider, and their report.")
public final class BenchmarkMain {

    /** Threads environment variable that limits OpenMP (ND4J's libnd4j) in forks. */
    static final String OMP = "OMP_NUM_THREADS";

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkMain()).execute(args));
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Runs the benchmarks and writes JMH JSON to results/raw/<date>-<machine>-<profile>-t<threads>.json.")
    static final class Run implements Callable<Integer> {

        @Option(names = "--profile", description = "quick (float32, 4 shapes, < 10 min on 2 cores) or full "
                + "(both dtypes, all shapes, all ops).")
        String profile = "quick";

        @Option(names = "--threads", description = "default (each backend's own thread count), one (one thread "
                + "everywhere: OMP_NUM_THREADS=1, PyTorch 1 thread, simd 1 thread) or both.")
        String threads = "default";

        @Option(names = "--providers", split = ",", description = "Providers (default: every one available here).")
        List<String> providers;

        @Option(names = "--out-dir", description = "Where the JSON goes (default: ${DEFAULT-VALUE}).")
        Path outDir = Path.of("benchmarks", "results", "raw");

        @Option(names = "--include", description = "JMH include regex instead of the profile's (e.g. ProviderBenchmark.softmax).")
        String include;

        @Option(names = "--shapes", split = ",", description = "Shapes instead of the profile's (e.g. 1x10,128x32000).")
        List<String> shapes;

        @Option(names = "--dtypes", split = ",", description = "Dtypes instead of the profile's (float32, float64).")
        List<String> dtypes;

        @Option(names = "--warmup-iterations", description = "Warm-up iterations per fork instead of the profile's "
                + "(the Vector API code of simd wants about 2 s of warm-up before C2 has compiled all of it).")
        Integer warmupIterations;

        @Option(names = "--forks", description = "JVM forks per benchmark instead of 1 (JIT compilation can differ "
                + "from fork to fork; the report shows each result's error across all forks' iterations).")
        Integer forks;

        @Override
        public Integer call() throws Exception {
            if (threads.equals("both")) {
                int a = runMode("default");
                int b = runMode("one");
                return Math.max(a, b);
            }
            return runMode(threads);
        }

        private int runMode(String mode) throws Exception {
            if (mode.equals("one") && !"1".equals(System.getenv(OMP))) {
                // forks inherit the environment; OpenMP reads it only at start
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
                cmd.add("-cp");
                cmd.add(System.getProperty("java.class.path"));
                cmd.add(BenchmarkMain.class.getName());
                cmd.add("run");
                cmd.add("--profile=" + profile);
                cmd.add("--threads=one");
                cmd.add("--out-dir=" + outDir);
                if (providers != null) {
                    cmd.add("--providers=" + String.join(",", providers));
                }
                if (include != null) {
                    cmd.add("--include=" + include);
                }
                if (shapes != null) {
                    cmd.add("--shapes=" + String.join(",", shapes));
                }
                if (dtypes != null) {
                    cmd.add("--dtypes=" + String.join(",", dtypes));
                }
                if (warmupIterations != null) {
                    cmd.add("--warmup-iterations=" + warmupIterations);
                }
                if (forks != null) {
                    cmd.add("--forks=" + forks);
                }
                ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
                pb.environment().put(OMP, "1");
                return pb.start().waitFor();
            }
            Profile p = Profile.of(profile, mode);
            List<String> names = providers != null ? providers : availableProviders();
            Files.createDirectories(outDir);
            String stem = LocalDate.now() + "-" + Machine.shortName() + "-" + profile + "-t" + mode;
            Path out = outDir.resolve(stem + ".json");
            String[] shapeValues = shapes != null ? shapes.toArray(String[]::new) : p.shapes();
            String[] jacobianValues = shapes != null ? shapeValues : p.jacobianShapes();
            ChainedOptionsBuilder o = new OptionsBuilder()
                    .resultFormat(ResultFormatType.JSON)
                    .result(out.toString())
                    .shouldFailOnError(true)
                    .param("provider", names.toArray(String[]::new))
                    .param("dtype", dtypes != null ? dtypes.toArray(String[]::new) : p.dtypes())
                    .param("shape", shapeValues)
                    .param("jshape", jacobianValues)
                    .warmupIterations(warmupIterations != null ? warmupIterations : p.warmupIterations())
                    .warmupTime(TimeValue.milliseconds(p.iterationMillis()))
                    .measurementIterations(p.measurementIterations())
                    .measurementTime(TimeValue.milliseconds(p.iterationMillis()))
                    .jvmArgsAppend(forkArgs(mode))
                    .exclude("FirstUseBenchmark");
            if (forks != null) {
                o.forks(forks);
            }
            List<String> includes = include != null ? List.of(include) : p.includes();
            includes.forEach(o::include);
            System.out.println("benchmarks: profile " + profile + ", threads " + mode + ", providers " + names
                    + " -> " + out);
            if (includes.stream().anyMatch(i -> !i.contains("FirstUse"))) {
                new Runner(o.build()).run();
            }
            if (includes.stream().anyMatch(i -> i.contains("FirstUse"))) {
                // single shots keep their own annotations (no warmup, several forks): a separate run
                Path firstUse = outDir.resolve(stem + "-first-use.json");
                new Runner(new OptionsBuilder()
                        .include("FirstUseBenchmark")
                        .param("provider", names.toArray(String[]::new))
                        .jvmArgsAppend(forkArgs(mode))
                        .resultFormat(ResultFormatType.JSON)
                        .result(firstUse.toString())
                        .build()).run();
            }
            return 0;
        }

        private static List<String> availableProviders() {
            List<String> names = new ArrayList<>();
            for (ProviderStatus s : SoftmaxProviders.all()) {
                if (s.available()) {
                    names.add(s.name());
                } else {
                    System.out.println("benchmarks: skipping " + s.name() + ": " + s.availability().reason());
                }
            }
            return names;
        }

        static String[] forkArgs(String mode) {
            List<String> args = new ArrayList<>(List.of("-Dai.djl.offline=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dsoftmax.benchmark.threads=" + mode));
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    || hasModule("jdk.incubator.vector")) {
                args.add("--add-modules=jdk.incubator.vector");
            }
            if (Runtime.version().feature() >= 24) {
                // as bin/softmax: no warning screens for native loads (JEP 472) and sun.misc.Unsafe (JEP 498)
                args.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
            }
            if (mode.equals("one")) {
                args.addAll(List.of("-Dsoftmax.simd.threads=1", "-Dai.djl.pytorch.num_threads=1",
                        "-Dai.djl.pytorch.num_interop_threads=1"));
            }
            return args.toArray(String[]::new);
        }

        private static boolean hasModule(String name) {
            return java.lang.module.ModuleFinder.ofSystem().find(name).isPresent();
        }
    }
}
