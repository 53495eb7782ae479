package org.softmaxspi.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;
import org.softmaxspi.conformance.ConformanceTests;
import picocli.CommandLine;

/** The commands, in process, with captured streams. */
class CliTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String stdin, String... args) {
        EvalCommand.stdin = () -> new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @AfterEach
    void restoreStdin() {
        EvalCommand.stdin = () -> System.in;
    }

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"providers", "eval", "verify", "demo"})
    void everyCommand_hasHelp(String command) {
        Run r = run("", command, "--help");
        assertEquals(0, r.exit());
        assertThat(r.out()).contains("Usage: softmax " + command);
    }

    @Test
    void version() {
        Run r = run("", "--version");
        assertEquals(0, r.exit());
        assertThat(r.out()).contains("softmax-spi ", "Java ");
    }

    @Test
    void verbose_saysInOneLineWhichProviderIsTheDefaultAndWhy() {
        assertThat(run("", "providers").err()).doesNotContain("default provider");
        String def = SoftmaxProviders.getDefault().name();
        for (String[] args : new String[][] {{"--verbose", "providers"}, {"providers", "--verbose"}}) {
            Run r = run("", args);
            assertEquals(0, r.exit(), r.err());
            assertThat(r.err()).startsWith("softmax: default provider " + def + " (the highest priority")
                    .contains("unavailable: broken-native (", "-Dsoftmax.provider=NAME");
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void providers_tableShowsAvailabilityReasonsAndDefault() {
        Run r = run("", "providers");
        assertEquals(0, r.exit(), r.err());
        assertThat(r.out()).contains("reference", "yes", "broken-native", "no",
                "libtest.so: cannot open shared object file",
                "* default: " + SoftmaxProviders.getDefault().name());
    }

    @Test
    void providers_json() throws Exception {
        Run r = run("", "providers", "--json");
        assertEquals(0, r.exit());
        JsonNode arr = json(r.out());
        assertEquals("broken-native", arr.get(0).get("name").asText());
        assertEquals(false, arr.get(0).get("available").asBoolean());
        String expectedDefault = SoftmaxProviders.getDefault().name();
        int defaults = 0;
        for (JsonNode p : arr) {
            if (p.get("default").asBoolean()) {
                defaults++;
                assertEquals(expectedDefault, p.get("name").asText());
            }
            if (p.get("name").asText().equals("reference")) {
                assertEquals(0, p.get("priority").asInt());
                assertEquals(true, p.get("available").asBoolean());
            }
        }
        assertEquals(1, defaults);
    }

    @Test
    void eval_softmax_float32() throws Exception {
        Run r = run("{\"op\": \"softmax\", \"dtype\": \"float32\", \"shape\": [2, 2], \"input\": [1000, 1000, 0, "
                + "\"-Infinity\"]}", "eval", "--provider", "reference");
        assertEquals(0, r.exit(), r.err());
        JsonNode n = json(r.out());
        assertEquals("reference", n.get("provider").asText());
        assertThat(r.out()).contains("\"output\":[0.5,0.5,1.0,0.0]");
        assertEquals("[2,2]", n.get("shape").toString());
    }

    @Test
    void eval_nanAndInfinity_areStrings() throws Exception {
        Run r = run("{\"op\": \"log_softmax\", \"dtype\": \"float64\", \"input\": [\"NaN\", 1, 2]}", "eval");
        assertEquals(0, r.exit(), r.err());
        assertEquals("[\"NaN\",\"NaN\",\"NaN\"]", json(r.out()).get("output").toString());
    }

    @Test
    void eval_everyOp_matchesTheApi() throws Exception {
        Softmax ref = SoftmaxProviders.get("reference");
        double[] z = {0.5, -1.25, 3, 2, 0, 1};
        int[] shape = {2, 3};
        String common = "\"dtype\": \"float64\", \"shape\": [2, 3], \"axis\": 1, \"input\": [0.5, -1.25, 3, 2, 0, 1]";
        double[] g = {1, 2, 3, -1, 0.5, 0};
        String up = ", \"upstream\": [1, 2, 3, -1, 0.5, 0]";
        assertOutput(run("{\"op\": \"jacobian\", " + common + "}", "eval", "--provider", "reference"),
                ref.jacobian(z, shape, 1), "output");
        assertOutput(run("{\"op\": \"backward\", " + common + up + "}", "eval", "--provider", "reference"),
                ref.backward(ref.softmax(z, shape, 1), g, shape, 1), "output");
        assertOutput(run("{\"op\": \"log_softmax_backward\", " + common + up + "}", "eval", "--provider", "reference"),
                ref.logSoftmaxBackward(ref.logSoftmax(z, shape, 1), g, shape, 1), "output");
        Run ce = run("{\"op\": \"cross_entropy\", " + common + ", \"labels\": [2, 0], \"reduction\": \"none\"}", "eval",
                "--provider", "reference");
        assertOutput(ce, ref.crossEntropy(z, shape, 1, new int[] {2, 0}, Reduction.NONE).gradient(), "gradient");
        assertOutput(ce, ref.crossEntropy(z, shape, 1, new int[] {2, 0}, Reduction.NONE).loss(), "loss");
        Run ceT = run("{\"op\": \"cross_entropy\", " + common + ", \"target\": [0.5, 0.5, 0, 0, 0, 1]}", "eval",
                "--provider", "reference");
        assertEquals(ref.crossEntropy(z, shape, 1, new double[] {0.5, 0.5, 0, 0, 0, 1}, Reduction.MEAN).scalarLoss(),
                json(ceT.out()).get("loss").asDouble());
    }

    @Test
    void eval_options_matchTheApi() throws Exception {
        Softmax ref = SoftmaxProviders.get("reference");
        double[] z = {0.5, -1.25, 3, 2, 0, 1};
        int[] shape = {2, 3};
        String common = "\"dtype\": \"float64\", \"shape\": [2, 3], \"input\": [0.5, -1.25, 3, 2, 0, 1]";
        SoftmaxOptions o = SoftmaxOptions.defaults().withTemperature(2).withMask(new boolean[] {true, false, true})
                .withMaskedRows(MaskedRows.ZERO);
        String opts = ", \"temperature\": 2, \"mask\": [true, false, true], \"masked_rows\": \"zero\"";
        assertOutput(run("{\"op\": \"softmax\", " + common + opts + "}", "eval", "--provider", "reference"),
                ref.softmax(z, shape, -1, o), "output");
        double[] g = {1, 2, 3, -1, 0.5, 0};
        assertOutput(run("{\"op\": \"backward\", " + common + opts + ", \"upstream\": [1, 2, 3, -1, 0.5, 0]}", "eval",
                "--provider", "reference"), ref.backward(ref.softmax(z, shape, -1, o), g, shape, -1, o), "output");
        LossOptions lo = LossOptions.of(Reduction.SUM).withWeight(new double[] {1, 2, 0.5}).withIgnoreIndex(-100)
                .withLabelSmoothing(0.1);
        Run ce = run("{\"op\": \"cross_entropy\", " + common + ", \"labels\": [2, -100], \"reduction\": \"sum\", "
                + "\"weight\": [1, 2, 0.5], \"ignore_index\": -100, \"label_smoothing\": 0.1}", "eval",
                "--provider", "reference");
        assertOutput(ce, ref.crossEntropy(z, shape, -1, new int[] {2, -100}, lo).gradient(), "gradient");
        assertEquals(ref.crossEntropy(z, shape, -1, new int[] {2, -100}, lo).scalarLoss(),
                json(ce.out()).get("loss").asDouble());
        Run nll = run("{\"op\": \"nll\", " + common + ", \"labels\": [2, 0], \"reduction\": \"none\", "
                + "\"weight\": [1, 2, 0.5]}", "eval", "--provider", "reference");
        LossOptions nlo = LossOptions.of(Reduction.NONE).withWeight(new double[] {1, 2, 0.5});
        assertOutput(nll, ref.nll(z, shape, -1, new int[] {2, 0}, nlo).loss(), "loss");
        assertOutput(nll, ref.nll(z, shape, -1, new int[] {2, 0}, nlo).gradient(), "gradient");
    }

    private static void assertOutput(Run r, double[] expected, String field) throws Exception {
        assertEquals(0, r.exit(), r.err());
        JsonNode arr = json(r.out()).get(field);
        assertEquals(expected.length, arr.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], Double.parseDouble(Json.numberText(arr.get(i))), field + "[" + i + "]");
        }
    }

    @Test
    void eval_roundTrip_isBitExact_float32AndFloat64() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        Softmax ref = SoftmaxProviders.get("reference");
        float[] zf = new float[200];
        double[] zd = new double[200];
        StringBuilder f = new StringBuilder();
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < zf.length; i++) {
            zd[i] = (r.nextDouble() - 0.5) * 60;
            zf[i] = (float) zd[i];
            f.append(i == 0 ? "" : ",").append(zf[i]);
            d.append(i == 0 ? "" : ",").append(zd[i]);
        }
        Run rf = run("{\"op\": \"softmax\", \"dtype\": \"float32\", \"input\": [" + f + "]}", "eval",
                "--provider", "reference");
        Run rd = run("{\"op\": \"softmax\", \"dtype\": \"float64\", \"input\": [" + d + "]}", "eval",
                "--provider", "reference");
        float[] yf = ref.softmax(zf);
        double[] yd = ref.softmax(zd);
        JsonNode of = json(rf.out()).get("output");
        JsonNode od = json(rd.out()).get("output");
        for (int i = 0; i < yf.length; i++) {
            assertEquals(Float.floatToIntBits(yf[i]), Float.floatToIntBits(Float.parseFloat(Json.numberText(of.get(i)))));
            assertEquals(Double.doubleToLongBits(yd[i]),
                    Double.doubleToLongBits(Double.parseDouble(Json.numberText(od.get(i)))));
        }
        // the output fed back as input reproduces the same values bit for bit
        Run back = run("{\"op\": \"log_softmax\", \"dtype\": \"float32\", \"input\": " + of + "}", "eval",
                "--provider", "reference");
        float[] expected = ref.logSoftmax(yf);
        JsonNode ob = json(back.out()).get("output");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(Float.parseFloat(Json.numberText(ob.get(i)))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"op\": \"softmax\", \"input\": [1, 2,]}|malformed JSON",
        "{\"op\": \"softmax2\", \"input\": [1]}|op: unknown value 'softmax2'",
        "{\"op\": \"softmax\", \"shape\": [2, 2], \"input\": [1, 2, 3]}|input: 3 values for shape [2, 2] (needs 4)",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"axis\": 3}|axis 3 out of range for rank 1",
        "{\"op\": \"cross_entropy\", \"shape\": [1, 2], \"input\": [1, 2], \"labels\": [5]}|labels[0] = 5 out of range",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2]}|labels/target: cross_entropy needs exactly one",
        "{\"op\": \"backward\", \"input\": [1, 2], \"upstream\": [1]}|upstream.length 1 != y.length 2",
        "{\"op\": \"softmax\", \"input\": [1, true]}|input[1]: expected a number",
        "{\"op\": \"softmax\", \"dtype\": \"int8\", \"input\": [1]}|dtype: unknown value 'int8'",
        "{\"op\": \"softmax\", \"input\": [1], \"reduction\": \"sum\"}|reduction: only for cross_entropy",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"temperature\": 0}|temperature: 0.0 (must be finite and > 0)",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"mask\": [true]}|mask.length 1 is neither",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"mask\": [true, 1]}|mask[1]: expected true or false",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"masked_rows\": \"inf\"}|masked_rows: unknown value 'inf'",
        "{\"op\": \"softmax\", \"input\": [1, 2], \"weight\": [1, 1]}|weight: only for cross_entropy and nll",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2], \"labels\": [0], \"temperature\": 2}|temperature: only for the softmax ops",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2], \"labels\": [0], \"weight\": [1]}|weight.length 1 != 2",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2], \"labels\": [0], \"weight\": [1, -1]}|weight[1]: -1.0",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2], \"labels\": [0], \"label_smoothing\": 2}|labelSmoothing: 2.0",
        "{\"op\": \"cross_entropy\", \"input\": [1, 2], \"target\": [1, 0], \"ignore_index\": 0}|ignoreIndex: 0 given with probability targets",
        "{\"op\": \"nll\", \"input\": [1, 2], \"target\": [1, 0]}|labels: missing (nll takes class labels)",
        "{\"op\": \"nll\", \"input\": [1, 2], \"labels\": [0], \"label_smoothing\": 0.1}|labelSmoothing: 0.1 given for nll",
        "[1, 2]|request: expected a JSON object",
    })
    void eval_badRequest_printsOneErrorLine_exit2(String spec) {
        String[] parts = spec.split("\\|");
        Run r = run(parts[0], "eval");
        assertEquals(2, r.exit());
        assertThat(r.err()).startsWith("error: ").contains(parts[1]).doesNotContain("\tat ");
        assertThat(r.err().lines().count()).isEqualTo(1);
    }

    @Test
    void eval_jsonl_goesOnAfterABadLine() throws Exception {
        String in = "{\"op\": \"softmax\", \"input\": [0, 0]}\n{\"op\": \"nope\", \"input\": [1]}\n"
                + "{\"op\": \"log_softmax\", \"dtype\": \"float64\", \"input\": [0, 0]}\n";
        Run r = run(in, "eval", "--jsonl");
        assertEquals(2, r.exit());
        String[] lines = r.out().split("\n");
        assertEquals(3, lines.length);
        assertEquals("[0.5,0.5]", json(lines[0]).get("output").toString());
        assertThat(json(lines[1]).get("error").asText()).contains("line 2", "op: unknown value 'nope'");
        assertEquals(-Math.log(2), json(lines[2]).get("output").get(0).asDouble());
    }

    @Test
    void eval_inputFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("req.json");
        Files.writeString(f, "{\"op\": \"softmax\", \"input\": [0, 0, 0, 0]}");
        Run r = run("", "eval", "--input", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("[0.25,0.25,0.25,0.25]", json(r.out()).get("output").toString());
        Run missing = run("", "eval", "--input", dir.resolve("none.json").toString());
        assertEquals(2, missing.exit());
        assertThat(missing.err()).startsWith("error: --input: no such file");
    }

    @Test
    void unavailableProvider_printsReasonAndAvailableNames_exit2() {
        Run r = run("{\"op\": \"softmax\", \"input\": [1]}", "eval", "--provider", "broken-native");
        assertEquals(2, r.exit());
        assertThat(r.err()).contains("'broken-native' is unavailable", "libtest.so", "available: [", "reference");
        Run unknown = run("", "verify", "--providers", "nope");
        assertEquals(2, unknown.exit());
        assertThat(unknown.err()).contains("no softmax provider named 'nope'", "available: [", "reference");
    }

    @Test
    void unknownOption_isAUsageError() {
        Run r = run("", "eval", "--frobnicate");
        assertEquals(2, r.exit());
        assertThat(r.err()).startsWith("error: Unknown option: '--frobnicate'");
    }

    @Test
    void verify_quick_reference_passes_andWritesReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.md");
        Run r = run("", "verify", "--quick", "--providers", "reference", "--report", report.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertThat(r.out()).contains("PROVIDER", "reference", "Accuracy", "softmax", "float32", "pass",
                "≤ 1 ulp (plain)", "checks passed");
        assertThat(r.err()).contains("[1/");
        assertThat(Files.readString(report)).contains("# Conformance summary");
    }

    /**
     * Cross-provider agreement runs here, through verify, on every provider of the CLI: each library's
     * own error is shown beside its declared bound (the long-row traps expose ND4J's and PyTorch's
     * summation), and every two providers are compared.
     */
    @Test
    void verifyJson_everyProvider_showsEachLibrarysOwnErrorBesideItsBound() throws Exception {
        Run r = run("", "verify", "--quick", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode doc = json(r.out());
        List<String> providers = new ArrayList<>();
        doc.get("providers").forEach(p -> providers.add(p.asText()));
        List<String> expected = new ArrayList<>(List.of("reference", "simd", "nd4j", "djl", "onnxruntime"));
        expected.removeIf(ConformanceTests::skippedOnPurpose); // -Dsoftmax.tck.skip: a platform without that build
        assertThat(providers).containsExactlyInAnyOrderElementsOf(expected);
        assertTrue(doc.get("passed").asBoolean());
        Map<String, JsonNode> softmax32 = new HashMap<>(); // provider (and declared bound) -> row
        for (JsonNode row : doc.get("accuracy")) {
            assertThat(row.get("declared").asText()).isNotEmpty();
            assertTrue(row.get("maxError").asDouble() <= row.get("bound").asDouble(), row.toString());
            if (row.get("op").asText().equals("softmax") && row.get("dtype").asText().equals("float32")) {
                softmax32.put(row.get("provider").asText(), row);
                softmax32.put(row.get("provider").asText() + " " + row.get("declared").asText(), row);
            }
        }
        assertThat(softmax32.get("reference").get("declared").asText()).isEqualTo("≤ 1 ulp (plain)");
        org.junit.jupiter.api.Assumptions.assumeTrue(providers.containsAll(List.of("nd4j", "djl")),
                "the library checks below need nd4j and djl");
        assertThat(softmax32.get("nd4j").get("declared").asText()).isEqualTo("4 + (K − 1) + κ");
        // ND4J's recursive float32 sum is thousands of ulps off on the long-row trap
        assertThat(softmax32.get("nd4j").get("maxError").asDouble()).isGreaterThan(1000);
        assertThat(softmax32.get("nd4j").get("worstCase").asText()).startsWith("long-row-trap");
        // PyTorch: lane-blocked along the last axis (1 045 ulps on the trap), one running sum per column along an
        // inner axis (thousands on the axis-0 trap): a row for each declared bound
        JsonNode lanes = softmax32.get("djl 4 + ⌈K/8⌉ − 1 + 7 + κ");
        JsonNode columns = softmax32.get("djl 4 + (K − 1) + κ");
        assertThat(lanes.get("maxError").asDouble()).isGreaterThan(500);
        assertThat(lanes.get("worstCase").asText()).isEqualTo("long-row-trap-k100000");
        assertThat(columns.get("maxError").asDouble()).isGreaterThan(1000);
        assertThat(columns.get("worstCase").asText()).isEqualTo("long-row-trap-axis0-k20000");
        assertThat(softmax32.get("nd4j").get("ratioToReference").asDouble()).isGreaterThan(1000);
        if (providers.contains("onnxruntime")) {
            // MLAS: one 8- or 16-lane accumulator, folded by horizontal adds (its AVX2 exp flushes subnormals)
            JsonNode mlas = softmax32.get("onnxruntime 4 + ⌈K/8⌉ − 1 + 4 + κ; subnormals may be 0");
            assertThat(mlas.get("maxError").asDouble()).isGreaterThan(500);
            assertThat(mlas.get("worstCase").asText()).startsWith("long-row-trap");
        }
        int pairs = 0;
        for (JsonNode a : doc.get("agreement")) {
            if (a.get("op").asText().equals("softmax") && a.get("dtype").asText().equals("float32")) {
                pairs++;
            }
        }
        assertEquals(providers.size() * (providers.size() - 1) / 2, pairs, "every two providers are compared");
        assertThat(r.err()).contains("verifying");
    }

    @Test
    void demo_printsEveryAvailableProvider() {
        Run r = run("", "demo");
        assertEquals(0, r.exit(), r.err());
        assertThat(r.out()).contains("provider reference", "softmax(1..8)", "Jacobian row sums", "broken-native");
    }
}
