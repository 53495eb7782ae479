package org.softmaxspi.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReportCommandTest {

    private static String result(String benchmark, String params, double score) {
        return "{\"benchmark\": \"org.softmaxspi.benchmarks." + benchmark + "\", \"mode\": \"avgt\", "
                + "\"jdkVersion\": \"17.0.15\", \"vmName\": \"OpenJDK\", "
                + "\"jvmArgs\": [\"-Dsoftmax.benchmark.threads=default\"], \"params\": {" + params + "}, "
                + "\"primaryMetric\": {\"score\": " + score + ", \"scoreError\": \"NaN\", \"scoreUnit\": \"ns/op\"}}";
    }

    @Test
    void report_hasTablesRatiosAndCharts(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("r.json");
        Files.writeString(json, "[" + String.join(",",
                result("BaselineBenchmark.copy", "\"dtype\": \"float32\", \"shape\": \"1x1000\"", 100),
                result("ProviderBenchmark.softmax", "\"provider\": \"reference\", \"dtype\": \"float32\", "
                        + "\"shape\": \"1x1000\"", 300_000),
                result("ProviderBenchmark.softmax", "\"provider\": \"fast\", \"dtype\": \"float32\", "
                        + "\"shape\": \"1x1000\"", 500),
                result("JacobianBenchmark.jacobian", "\"provider\": \"fast\", \"dtype\": \"float64\", "
                        + "\"jshape\": \"1x10\"", 80)) + "]");
        Path out = dir.resolve("report.md");
        int exit = new CommandLine(new BenchmarkMain()).execute("report", json.toString(), "--out", out.toString());
        assertEquals(0, exit);
        String md = Files.readString(out);
        // 500 ns over 1000 elements; 8000 bytes / 500 ns = 16 GB/s; 5x the copy; 1/600 of the reference
        assertThat(md).contains("| 1x1000 | fast | 500 | – | 0.500 | 16.00 | 5.00 | 0.00167 |");
        assertThat(md).contains("softmax float32, fastest: 1x1000 fast 0.500 ns/el (5.00× copy)");
        assertThat(md).contains("### jacobian, float64");
        assertThat(Files.exists(dir.resolve("report").resolve("default-softmax-float32.png"))).isTrue();
    }

    @Test
    void report_laterFileReplacesAnEarlierResult(@TempDir Path dir) throws Exception {
        Path full = dir.resolve("full.json");
        Files.writeString(full, "[" + String.join(",",
                result("BaselineBenchmark.copy", "\"dtype\": \"float32\", \"shape\": \"1x1000\"", 100),
                result("ProviderBenchmark.softmax", "\"provider\": \"fast\", \"dtype\": \"float32\", "
                        + "\"shape\": \"1x1000\"", 500),
                result("ProviderBenchmark.softmax", "\"provider\": \"other\", \"dtype\": \"float32\", "
                        + "\"shape\": \"1x1000\"", 700)) + "]");
        Path rerun = dir.resolve("rerun.json");
        Files.writeString(rerun, "[" + result("ProviderBenchmark.softmax", "\"provider\": \"fast\", "
                + "\"dtype\": \"float32\", \"shape\": \"1x1000\"", 200) + "]");
        Path out = dir.resolve("report.md");
        int exit = new CommandLine(new BenchmarkMain()).execute("report", full.toString(), rerun.toString(),
                "--out", out.toString());
        assertEquals(0, exit);
        String md = Files.readString(out);
        assertThat(md).contains("| 1x1000 | fast | 200 |").doesNotContain("| 1x1000 | fast | 500 |");
        assertThat(md).contains("| 1x1000 | other | 700 |");
    }

    @Test
    void report_setsAdaptersBesideTheirLibrarysOp_fromArraysAndFromDirectBuffers_andBesideTheOpWithItsRead(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("r.json");
        String p = "\"dtype\": \"float32\", \"shape\": \"128x32000\"";
        Files.writeString(json, "[" + String.join(",",
                result("BaselineBenchmark.copy", p, 700_000),
                result("ProviderBenchmark.softmax", "\"provider\": \"djl\", " + p, 3_000_000),
                result("BufferBenchmark.softmax", "\"provider\": \"djl\", " + p, 1_500_000),
                result("DjlOpAloneBenchmark.softmax", p, 1_250_000),
                result("DjlOpAloneBenchmark.softmaxAndRead", p, 2_000_000)) + "]");
        Path out = dir.resolve("report.md");
        assertEquals(0, new CommandLine(new BenchmarkMain()).execute("report", json.toString(), "--out",
                out.toString()));
        assertThat(Files.readString(out))
                .contains("| op | dtype | shape | arrays | × op alone | direct buffers | × op alone | op alone"
                        + " | op + read | arrays × op + read | copy |")
                .contains("| softmax | float32 | 128x32000 | 3,000,000 | 2.40 | 1,500,000 | 1.20 | 1,250,000"
                        + " | 2,000,000 | 1.50 | 700,000 |")
                .contains("| 128x32000 | djl (direct buffers) | 1,500,000 |");
    }

    @Test
    void workload_parsesShapeAndAxis() {
        Workload w = new Workload("4x3@0");
        assertEquals(0, w.axis);
        assertEquals(12, w.size());
        assertEquals(3, w.labels.length);
    }

    @Test
    void unknownProfile_isAnError() {
        assertThrows(IllegalArgumentException.class, () -> Profile.of("huge"));
    }
}
