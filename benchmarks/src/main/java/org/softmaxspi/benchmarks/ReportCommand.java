package org.softmaxspi.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.ProviderStatus;
import org.softmaxspi.api.SoftmaxProviders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Turns JMH JSON files into {@code benchmarks/results/<date>-<machine>.md} and PNG charts beside it
 * (XChart): per op, dtype and shape the ns per call and per element, GB/s, and the ratios to the
 * copy baseline and to the reference provider; one chart per op of ns/element against size.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes the Markdown report and charts from JMH JSON result files.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "JSON", description = "JMH result files (from 'run'); a later file's "
            + "result replaces an earlier one's for the same mode, op, provider, dtype and shape.")
    List<Path> inputs;

    @Option(names = "--out", description = "Report file (default: benchmarks/results/<date>-<machine>.md).")
    Path out;

    /** One measured benchmark. */
    record Result(String mode, String op, String provider, String dtype, String shape, double nsPerCall,
                  double error) {
        long elements() {
            return Layout.of(parse(shape).shape(), parse(shape).axis()).size();
        }
    }

    private record ShapeSpec(int[] shape, int axis) {
    }

    static ShapeSpec parse(String spec) {
        String[] parts = spec.split("@");
        String[] dims = parts[0].split("x");
        int[] s = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            s[i] = Integer.parseInt(dims[i]);
        }
        return new ShapeSpec(s, parts.length > 1 ? Integer.parseInt(parts[1]) : -1);
    }

    @Override
    public Integer call() throws IOException {
        // a later file's result replaces an earlier one for the same mode, op, provider, dtype and
        // shape, so that a partial rerun (say, one provider) can be merged with a full run
        Map<List<String>, Result> byKey = new LinkedHashMap<>();
        String jdk = "";
        SortedSet<Integer> forks = new TreeSet<>();
        for (Path in : inputs) {
            JsonNode root = new ObjectMapper().readTree(in.toFile());
            for (JsonNode b : root) {
                jdk = b.path("jdkVersion").asText() + " (" + b.path("vmName").asText() + ")";
                forks.add(b.path("forks").asInt(1));
                for (Result r : toResults(b)) {
                    byKey.put(List.of(r.mode(), r.op(), r.provider(), r.dtype(), r.shape()), r);
                }
            }
        }
        List<Result> results = new ArrayList<>(byKey.values());
        Path target = out != null ? out
                : Path.of("benchmarks", "results", LocalDate.now() + "-" + Machine.shortName() + ".md");
        Path chartDir = target.resolveSibling(target.getFileName().toString().replace(".md", ""));
        Files.createDirectories(chartDir);
        String md = markdown(results, jdk, forks, chartDir, target.getParent() == null ? Path.of(".") : target.getParent());
        Files.writeString(target, md, StandardCharsets.UTF_8);
        System.out.println("report written to " + target + " (charts in " + chartDir + ")");
        return 0;
    }

    static List<Result> toResults(JsonNode b) {
        String name = b.path("benchmark").asText();
        String cls = name.substring(0, name.lastIndexOf('.'));
        cls = cls.substring(cls.lastIndexOf('.') + 1);
        String method = name.substring(name.lastIndexOf('.') + 1);
        JsonNode params = b.path("params");
        String mode = "default";
        for (JsonNode a : b.path("jvmArgs")) {
            if (a.asText().startsWith("-Dsoftmax.benchmark.threads=")) {
                mode = a.asText().substring("-Dsoftmax.benchmark.threads=".length());
            }
        }
        double score = b.path("primaryMetric").path("score").asDouble();
        double error = b.path("primaryMetric").path("scoreError").asDouble();
        String unit = b.path("primaryMetric").path("scoreUnit").asText();
        double toNs = unit.startsWith("ms") ? 1e6 : unit.startsWith("us") ? 1e3 : unit.startsWith("s/") ? 1e9 : 1;
        String dtype = params.path("dtype").asText("float32");
        String shape = params.has("jshape") ? params.path("jshape").asText() : params.path("shape").asText("1x10");
        String provider = params.path("provider").asText("");
        String op = switch (method) {
            case "logSoftmax" -> "log_softmax";
            case "softmaxReusedContext", "softmaxAndRead" -> "softmax";
            case "logSoftmaxAndRead" -> "log_softmax";
            case "crossEntropy" -> "cross_entropy";
            case "maskedSoftmax" -> "masked_softmax";
            case "weightedSmoothedCrossEntropy" -> "weighted_smoothed_cross_entropy";
            case "firstSoftmax" -> "first_use";
            case "scalarLoop" -> "softmax";
            default -> method;
        };
        if (cls.equals("BufferBenchmark")) {
            provider = provider + " (direct buffers)";
        } else if (cls.equals("BaselineBenchmark")) {
            provider = method.equals("copy") ? "copy (baseline)" : "scalar loop (baseline)";
        } else if (cls.endsWith("OpAloneBenchmark")) {
            provider = cls.substring(0, cls.length() - "OpAloneBenchmark".length()).toLowerCase(Locale.ROOT)
                    + (method.equals("softmaxReusedContext") ? " op alone, kept context"
                    : method.endsWith("AndRead") ? " op alone + read" : " op alone");
        }
        List<Result> r = new ArrayList<>();
        if (method.equals("copy")) {
            // the copy is the roofline of every op on that shape
            for (String o : List.of("softmax", "log_softmax", "backward", "cross_entropy", "masked_softmax",
                    "weighted_smoothed_cross_entropy")) {
                r.add(new Result(mode, o, provider, dtype, shape, score * toNs, error * toNs));
            }
        } else {
            r.add(new Result(mode, op, provider, dtype, shape, score * toNs, error * toNs));
        }
        return r;
    }

    /** Bytes an op must move at least: inputs read once, outputs written once. */
    static double bytes(Result r) {
        double size = r.dtype().equals("float64") ? 8 : 4;
        long n = r.elements();
        return switch (r.op()) {
            case "backward" -> 3.0 * n * size;
            case "jacobian" -> {
                ShapeSpec s = parse(r.shape());
                Layout l = Layout.of(s.shape(), s.axis());
                yield (n + (double) l.rows() * l.axisLength() * l.axisLength()) * size;
            }
            default -> 2.0 * n * size;
        };
    }

    private static final List<String> OPS = List.of("softmax", "log_softmax", "backward", "cross_entropy", "jacobian",
            "masked_softmax", "weighted_smoothed_cross_entropy");

    private String markdown(List<Result> results, String jdk, SortedSet<Integer> forks, Path chartDir,
                            Path base) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmark report — ").append(LocalDate.now()).append(", ").append(Machine.shortName()).append("\n\n");
        sb.append("## Machine\n\n");
        sb.append("- CPU: ").append(Machine.cpu()).append(" (").append(Machine.simdFlags()).append("), ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores\n");
        sb.append("- JDK: ").append(jdk).append("\n");
        for (ProviderStatus p : SoftmaxProviders.all()) {
            sb.append("- provider ").append(p.name()).append(": ").append(p.backend())
                    .append(p.available() ? "" : " — unavailable in the report JVM: " + p.availability().reason())
                    .append('\n');
        }
        sb.append("- threads: mode `default` = each backend's own (ND4J: OpenMP, one per core; PyTorch: "
                + "ai.djl.pytorch.num_threads default; simd: its pool; reference: 1); mode `one` = "
                + "OMP_NUM_THREADS=1, PyTorch 1 thread, simd 1 thread\n");
        sb.append("- JMH: average time, ").append(forks.stream().map(String::valueOf)
                        .collect(Collectors.joining(" or ")))
                .append(forks.equals(new TreeSet<>(List.of(1))) ? " fork" : " forks")
                .append(" per parameter set (a fresh JVM each; ± spans all forks' iterations), fixed heap, seed ")
                .append(Workload.SEED).append("; outputs preallocated, so the API allocates nothing per call\n\n");
        sb.append("Columns: ns per call; ns per input element; GB/s = the bytes the op must move (inputs read "
                + "once, outputs written once) per second; × copy = time over `System.arraycopy` of the same "
                + "bytes (the memory-bandwidth roofline; for backward, over a copy of the input alone); "
                + "× reference = time over the reference provider's.\n\n");
        Set<String> modes = new LinkedHashSet<>();
        results.forEach(r -> modes.add(r.mode()));
        for (String mode : modes) {
            sb.append("## Threads: ").append(mode).append("\n\n");
            sb.append(observations(results, mode));
            sb.append(adapters(results, mode));
            for (String op : OPS) {
                for (String dtype : List.of("float32", "float64")) {
                    List<Result> rs = results.stream().filter(r -> r.mode().equals(mode) && r.op().equals(op)
                            && r.dtype().equals(dtype)).toList();
                    if (rs.isEmpty()) {
                        continue;
                    }
                    Path png = chartDir.resolve(mode + "-" + op + "-" + dtype + ".png");
                    chart(rs, op + " " + dtype + " (threads: " + mode + ")", png);
                    sb.append("### ").append(op).append(", ").append(dtype).append("\n\n");
                    sb.append("![").append(op).append(' ').append(dtype).append("](")
                            .append(base.relativize(png).toString().replace('\\', '/')).append(")\n\n");
                    sb.append(table(rs));
                }
            }
            List<Result> first = results.stream().filter(r -> r.mode().equals(mode) && r.op().equals("first_use"))
                    .toList();
            if (!first.isEmpty()) {
                sb.append("### First use in a fresh JVM (single shot)\n\n| provider | ms |\n|---|---:|\n");
                first.forEach(r -> sb.append("| ").append(r.provider()).append(" | ")
                        .append(fmt(r.nsPerCall() / 1e6)).append(" |\n"));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String observations(List<Result> all, String mode) {
        StringBuilder sb = new StringBuilder("What the numbers say (generated):\n\n");
        for (String op : OPS) {
            Map<String, List<Result>> byShape = new TreeMap<>(Comparator.comparingLong(s -> Layout.of(parse(s).shape(),
                    parse(s).axis()).size()));
            all.stream().filter(r -> r.mode().equals(mode) && r.op().equals(op) && r.dtype().equals("float32")
                    && !r.provider().contains("baseline") && !r.provider().contains("op alone"))
                    .forEach(r -> byShape.computeIfAbsent(r.shape(), k -> new ArrayList<>()).add(r));
            if (byShape.isEmpty()) {
                continue;
            }
            sb.append("- ").append(op).append(" float32, fastest: ");
            List<String> parts = new ArrayList<>();
            byShape.forEach((shape, rs) -> {
                Result best = rs.stream().min(Comparator.comparingDouble(Result::nsPerCall)).orElseThrow();
                Optional<Result> copy = find(all, mode, op, "float32", shape, "copy (baseline)");
                parts.add(shape + " " + best.provider() + " " + fmt(best.nsPerCall() / best.elements()) + " ns/el"
                        + copy.map(c -> " (" + fmt(best.nsPerCall() / c.nsPerCall()) + "× copy)").orElse(""));
            });
            sb.append(String.join("; ", parts)).append('\n');
        }
        List<Result> small = all.stream().filter(r -> r.mode().equals(mode) && r.op().equals("softmax")
                && r.dtype().equals("float32") && r.shape().equals("1x10")).toList();
        if (!small.isEmpty()) {
            sb.append("- per-call cost at 1×10 float32 softmax: ");
            sb.append(String.join(", ", small.stream().sorted(Comparator.comparingDouble(Result::nsPerCall))
                    .map(r -> r.provider() + " " + fmt(r.nsPerCall()) + " ns").toList())).append('\n');
        }
        return sb.append('\n').toString();
    }

    /**
     * The library adapters beside their library's own op alone, measured in the same run (generated):
     * from and into Java arrays, and from and into direct buffers when the run has them.
     */
    private static String adapters(List<Result> all, String mode) {
        StringBuilder sb = new StringBuilder();
        for (String[] lib : new String[][] {{"djl", "djl op alone", "PyTorch"}, {"nd4j", "nd4j op alone", "ND4J"},
                {"onnxruntime", "onnxruntime op alone", "ONNX Runtime"}}) {
            List<String> rows = new ArrayList<>();
            for (String op : OPS) {
                for (String dtype : List.of("float32", "float64")) {
                    all.stream().filter(r -> r.mode().equals(mode) && r.op().equals(op) && r.dtype().equals(dtype)
                            && r.provider().equals(lib[0])).sorted(Comparator.comparingLong(Result::elements))
                            .forEach(r -> find(all, mode, op, dtype, r.shape(), lib[1]).ifPresent(a -> {
                                Optional<Result> copy = find(all, mode, op, dtype, r.shape(), "copy (baseline)");
                                Optional<Result> direct = find(all, mode, op, dtype, r.shape(),
                                        lib[0] + " (direct buffers)");
                                Optional<Result> read = find(all, mode, op, dtype, r.shape(), lib[1] + " + read");
                                rows.add("| " + op + " | " + dtype + " | " + r.shape() + " | " + fmt(r.nsPerCall())
                                        + " | " + fmt(r.nsPerCall() / a.nsPerCall())
                                        + " | " + direct.map(d -> fmt(d.nsPerCall())).orElse("–")
                                        + " | " + direct.map(d -> fmt(d.nsPerCall() / a.nsPerCall())).orElse("–")
                                        + " | " + fmt(a.nsPerCall())
                                        + " | " + read.map(d -> fmt(d.nsPerCall())).orElse("–")
                                        + " | " + read.map(d -> fmt(r.nsPerCall() / d.nsPerCall())).orElse("–")
                                        + " | " + copy.map(c -> fmt(c.nsPerCall())).orElse("–") + " |");
                            }));
                }
            }
            if (!rows.isEmpty()) {
                sb.append("Provider `").append(lib[0]).append("` beside ").append(lib[2])
                        .append("'s op called alone on a pre-made native array (generated; ns per call): from and"
                                + " into Java arrays, and from and into native-order direct buffers; op + read is the"
                                + " op followed by the library's own read of its result into a Java array (where"
                                + " measured), arrays × op + read what the adapter adds to that:\n\n")
                        .append("| op | dtype | shape | arrays | × op alone | direct buffers | × op alone | op alone"
                                + " | op + read | arrays × op + read | copy |\n")
                        .append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                rows.forEach(row -> sb.append(row).append('\n'));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static Optional<Result> find(List<Result> all, String mode, String op, String dtype, String shape,
                                         String provider) {
        return all.stream().filter(r -> r.mode().equals(mode) && r.op().equals(op) && r.dtype().equals(dtype)
                && r.shape().equals(shape) && r.provider().equals(provider)).findFirst();
    }

    private static String table(List<Result> rs) {
        StringBuilder sb = new StringBuilder();
        sb.append("| shape | provider | ns/call | ± | ns/element | GB/s | × copy | × reference |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        Map<String, List<Result>> byShape = new LinkedHashMap<>();
        rs.stream().sorted(Comparator.comparingLong(Result::elements).thenComparing(Result::shape))
                .forEach(r -> byShape.computeIfAbsent(r.shape(), k -> new ArrayList<>()).add(r));
        byShape.forEach((shape, list) -> {
            Optional<Result> copy = list.stream().filter(r -> r.provider().equals("copy (baseline)")).findFirst();
            Optional<Result> ref = list.stream().filter(r -> r.provider().equals("reference")).findFirst();
            list.stream().sorted(Comparator.comparingDouble(Result::nsPerCall)).forEach(r -> sb.append("| ")
                    .append(shape).append(" | ").append(r.provider()).append(" | ").append(fmt(r.nsPerCall()))
                    .append(" | ").append(Double.isNaN(r.error()) ? "–" : fmt(r.error())).append(" | ").append(fmt(r.nsPerCall() / r.elements()))
                    .append(" | ").append(fmt(bytes(r) / r.nsPerCall())).append(" | ")
                    .append(copy.map(c -> fmt(r.nsPerCall() / c.nsPerCall())).orElse("")).append(" | ")
                    .append(ref.map(c -> fmt(r.nsPerCall() / c.nsPerCall())).orElse("")).append(" |\n"));
        });
        return sb.append('\n').toString();
    }

    /** ns/element against elements, one series per provider, last-axis shapes only, log-log. */
    private static void chart(List<Result> rs, String title, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("elements (last-axis shapes)").yAxisTitle("ns per element").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        Map<String, TreeMap<Long, Double>> series = new TreeMap<>();
        for (Result r : rs) {
            if (parse(r.shape()).axis() != -1) {
                continue;
            }
            series.computeIfAbsent(r.provider(), k -> new TreeMap<>()).put(r.elements(), r.nsPerCall() / r.elements());
        }
        if (series.isEmpty()) {
            return;
        }
        for (Map.Entry<String, TreeMap<Long, Double>> e : series.entrySet()) {
            List<Double> x = e.getValue().keySet().stream().map(Long::doubleValue).toList();
            List<Double> y = new ArrayList<>(e.getValue().values());
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            if (e.getKey().contains("baseline")) {
                s.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        return a >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : a >= 1 ? String.format(Locale.ROOT, "%.2f", v)
                : String.format(Locale.ROOT, "%.3g", v);
    }
}
