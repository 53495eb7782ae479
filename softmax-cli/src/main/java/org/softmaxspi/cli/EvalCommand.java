package org.softmaxspi.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.softmaxspi.api.Softmax;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code softmax eval}: reads requests as JSON and prints results as JSON. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Reads a request as JSON (stdin when no --input) and prints the result as JSON.",
            "Request: {\"op\": \"softmax\"|\"log_softmax\"|\"jacobian\"|\"backward\"|\"log_softmax_backward\""
                + "|\"cross_entropy\", \"dtype\": \"float32\"|\"float64\", \"shape\": [..], \"axis\": -1, "
                + "\"input\": [..], \"upstream\": [..], \"labels\": [..], \"target\": [..], "
                + "\"reduction\": \"mean\"|\"sum\"|\"none\"}",
            "input is always the logits; dtype defaults to float32, axis to -1, reduction to mean. NaN and "
                + "infinities are the strings \"NaN\", \"Infinity\", \"-Infinity\".",
            "A bad request prints 'error: ...' and exits with status 2; with --jsonl it prints {\"error\": ...} "
                + "for that line, goes on, and exits with 2 at the end if any line failed.",
            "Limits: a request (the whole input, or one line with --jsonl) holds at most 64 Mi characters; "
                + "a result at most 16 Mi values; JSON nesting at most 1000 deep."})
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--provider", paramLabel = "NAME", description = "The provider (default: the default provider).")
    String provider;

    @Option(names = "--input", paramLabel = "FILE", description = "Read from this file instead of stdin.")
    Path input;

    @Option(names = "--jsonl", description = "One request per line in, one result per line out, in order.")
    boolean jsonl;

    @Option(names = "--debug", description = "Print stack traces of unexpected errors.")
    boolean debug;

    /** Where stdin comes from; tests replace it. */
    static java.util.function.Supplier<java.io.InputStream> stdin = () -> System.in;

    @Override
    public Integer call() throws IOException {
        Softmax s = Providers.select(provider);
        PrintWriter out = spec.commandLine().getOut();
        try (Reader reader = open()) {
            BoundedText text = new BoundedText(reader);
            if (!jsonl) {
                out.println(evaluate(s, text.readAll()));
                out.flush();
                return 0;
            }
            boolean failed = false;
            int lineNumber = 0;
            while (true) {
                lineNumber++;
                String where = "line " + lineNumber;
                String line;
                try {
                    line = text.readLine(where);
                } catch (CliException e) {
                    failed = true;
                    printError(out, e.getMessage()); // names the line and the limit; the rest of it was skipped
                    continue;
                }
                if (line == null) {
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    out.println(evaluate(s, line));
                } catch (CliException e) {
                    failed = true;
                    printError(out, where + ": " + e.getMessage());
                }
                out.flush();
            }
            return failed ? 2 : 0;
        }
    }

    private static void printError(PrintWriter out, String message) {
        out.println(Json.MAPPER.createObjectNode().put("error", message));
        out.flush();
    }

    private Reader open() throws IOException {
        if (input == null) {
            return new InputStreamReader(stdin.get(), StandardCharsets.UTF_8);
        }
        try {
            return Files.newBufferedReader(input, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("--input: no such file: " + input, 2);
        }
    }

    /** One request to one result line; a bad request becomes a {@link CliException} (exit 2). */
    private String evaluate(Softmax s, String text) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException("malformed JSON: " + e.getOriginalMessage(), 2);
        }
        try {
            return Evaluator.evaluate(s, Request.parse(node));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage(), 2);
        } catch (UnsupportedOperationException e) {
            throw new CliException(e.getMessage(), 2);
        }
    }
}
