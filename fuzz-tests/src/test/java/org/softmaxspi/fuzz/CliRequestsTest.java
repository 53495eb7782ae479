package org.softmaxspi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.softmaxspi.cli.Main;

/**
 * {@code softmax eval} on generated and mutated requests: a request gets its result (exit 0, one JSON
 * line) or one line {@code error: …} on stderr and exit 2 (with {@code --jsonl}: one {@code {"error": …}}
 * line for that request), never a stack trace, never an {@link OutOfMemoryError}. Mutations: truncated
 * JSON, a field of the wrong type, huge and long numbers, deep nesting, unknown fields, garbage bytes;
 * and (examples) a line of 100 MB, over the stated request limit.
 */
class CliRequestsTest {

    private static Path dir;

    @BeforeContainer
    static void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("softmax-cli-fuzz");
    }

    @AfterContainer
    static void removeDirectory() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** One run of the executable's command line, in this JVM. */
    record Run(int exit, String out, String err) {
    }

    static Run eval(String input, String... options) {
        try {
            Path file = dir.resolve("request.json");
            Files.writeString(file, input, StandardCharsets.UTF_8);
            return evalFile(file, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Run evalFile(Path file, String... options) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] args = new String[options.length + 3];
        args[0] = "eval";
        args[1] = "--input";
        args[2] = file.toString();
        System.arraycopy(options, 0, args, 3, options.length);
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static final List<String> OPS = List.of("softmax", "log_softmax", "jacobian", "backward", "log_softmax_backward",
            "cross_entropy", "nll");

    /** A valid request: op, dtype, shape [rows, k], logits, and what the op needs. */
    @Provide
    Arbitrary<String> requests() {
        return Combinators.combine(Arbitraries.of(OPS), Arbitraries.of("float32", "float64"),
                Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 6),
                Arbitraries.doubles().between(-50, 50).list().ofSize(24))
                .as((op, dtype, rows, k, values) -> {
                    int n = rows * k;
                    StringBuilder sb = new StringBuilder("{\"op\": \"" + op + "\", \"dtype\": \"" + dtype
                            + "\", \"shape\": [" + rows + ", " + k + "], \"input\": " + list(values, n));
                    if (op.endsWith("backward")) {
                        sb.append(", \"upstream\": ").append(list(values.subList(1, 24), n));
                    }
                    if (op.equals("cross_entropy") || op.equals("nll")) {
                        sb.append(", \"labels\": [");
                        for (int r = 0; r < rows; r++) {
                            sb.append(r == 0 ? "" : ", ").append(r % k);
                        }
                        sb.append("]");
                    }
                    return sb.append("}").toString();
                });
    }

    private static String list(List<Double> values, int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(values.get(i % values.size()));
        }
        return sb.append("]").toString();
    }

    /** A request broken in one of several ways (or, rarely, left as it is). */
    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<String> junk = Arbitraries.of("\"x\"", "[]", "{}", "null", "true", "-1", "1e999999", "-1e-999999",
                "123456789012345678901234567890", "[1, [2]]", "{\"a\": 1}", "\"NaN\"", "2147483648", "0.5",
                "\"" + "7".repeat(2000) + "\"", "1" + "0".repeat(1500));
        Arbitrary<String> field = Arbitraries.of("op", "dtype", "shape", "axis", "input", "upstream", "labels",
                "target", "reduction", "temperature", "mask", "masked_rows", "weight", "ignore_index",
                "label_smoothing", "unknown", "");
        return Combinators.combine(requests(), Arbitraries.integers().between(0, 6), Arbitraries.integers()
                        .between(0, 10_000), field, junk)
                .as((request, kind, at, name, value) -> switch (kind) {
                    case 0 -> request.substring(0, at % (request.length() + 1));                   // truncated
                    case 1 -> "{\"" + name + "\": " + value + "," + request.substring(1);         // field replaced/added
                    case 2 -> request.substring(0, request.length() - 1) + ", \"" + name + "\": " + value + "}";
                    case 3 -> "{\"op\": \"softmax\", \"input\": " + "[".repeat(1 + at % 5000) + "1"
                            + "]".repeat(1 + at % 5000) + "}";                                        // deep nesting
                    case 4 -> request.replace(":", at % 2 == 0 ? "::" : ": [")                        // broken syntax
                            .substring(0, Math.max(1, request.length() - at % 7));
                    case 5 -> new String(new char[] {(char) (at % 65536), '{', (char) (at % 97)}) + request;
                    default -> request;
                });
    }

    @Property(seed = "20261207")
    @Label("eval: a result or one 'error:' line and exit 2, never a stack trace")
    void oneRequest(@ForAll("mutated") String request) {
        Run r = run(request);
        if (r.exit() == 0) {
            assertEquals("", r.err(), "stderr of a good request");
            assertTrue(r.out().startsWith("{") && r.out().strip().lines().count() == 1,
                    () -> "one JSON line for " + request + ", got " + r.out());
            return;
        }
        assertEquals(2, r.exit(), () -> "exit status for " + request + ": " + r.err());
        assertEquals("", r.out(), () -> "stdout for " + request);
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), () -> "one line on stderr for " + request + ", got:\n" + r.err());
        assertTrue(lines.get(0).startsWith("error: "), () -> "an 'error:' line for " + request + ": " + r.err());
        assertTrue(!r.err().contains("\tat ") && !r.err().contains("Exception in thread"),
                () -> "no stack trace for " + request + ": " + r.err());
    }

    @Property(seed = "20261207")
    @Label("eval --jsonl: one output line per request line, errors as {\"error\": ...}")
    void manyRequests(@ForAll("mutated") String a, @ForAll("requests") String b, @ForAll("mutated") String c) {
        String input = String.join("\n", a.replace('\n', ' ').replace('\r', ' '), b,
                c.replace('\n', ' ').replace('\r', ' ')) + "\n";
        Run r = run(input, "--jsonl");
        List<String> lines = r.out().lines().toList();
        long requests = input.lines().filter(l -> !l.isBlank()).count();
        assertEquals(requests, lines.size(), () -> "one output line per request for\n" + input + "\ngot\n" + r.out()
                + r.err());
        boolean anyError = false;
        for (String line : lines) {
            assertTrue(line.startsWith("{"), () -> "a JSON line: " + line);
            anyError |= line.startsWith("{\"error\":");
        }
        assertEquals(anyError ? 2 : 0, r.exit(), () -> "exit status for\n" + input + "\n" + r.out());
        assertEquals("", r.err(), "stderr with --jsonl");
    }

    private static Run run(String input, String... options) {
        try {
            return eval(input, options);
        } catch (OutOfMemoryError e) {
            throw new AssertionError("out of memory on a request of " + input.length() + " characters", e);
        }
    }

    /** A file of {@code chars} characters: one request line whose input never ends before the limit. */
    private static Path hugeLine(long chars, String tail) throws IOException {
        Path file = dir.resolve("huge.json");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"op\": \"softmax\", \"input\": [0");
            char[] chunk = ", 0.25".repeat(1 << 14).toCharArray();
            for (long n = 30; n < chars; n += chunk.length) {
                w.write(chunk);
            }
            w.write(tail);
        }
        return file;
    }

    @Example
    @Label("eval: a 100 MB request is refused with the limit in the error, without reading it into memory")
    void aRequestOf100MegabytesIsRefused() throws IOException {
        Path file = hugeLine(100_000_000, "]}");
        Run r = evalFile(file);
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: request: larger than 67108864 characters"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Files.delete(file);
    }

    @Example
    @Label("eval --jsonl: a 100 MB line is refused, and the lines after it still run")
    void aLineOf100MegabytesIsRefusedAndTheNextLineRuns() throws IOException {
        Path file = hugeLine(100_000_000, "]}\n{\"op\": \"softmax\", \"input\": [0, 0]}\n");
        Run r = evalFile(file, "--jsonl");
        assertEquals(2, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("{\"error\":\"line 1: larger than 67108864 characters"), lines.get(0));
        assertTrue(lines.get(1).contains("[0.5,0.5]"), lines.get(1));
        Files.delete(file);
    }

    @Example
    @Label("eval: a Jacobian larger than the result limit is refused before it is computed")
    void aHugeJacobianIsRefused() {
        StringBuilder sb = new StringBuilder("{\"op\": \"jacobian\", \"input\": [0");
        sb.append(", 0".repeat(4999));
        Run r = run(sb.append("]}").toString(), "--provider", "reference");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: shape: the Jacobian of shape [5000]"), r.err());
    }
}
