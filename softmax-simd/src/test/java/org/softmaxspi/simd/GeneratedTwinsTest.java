package org.softmaxspi.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The double files are generated from their float32 twins by {@code generate-double.sh}; this runs the script
 * itself into a temporary directory and fails when a committed double file differs from its output: edit the
 * float file and run the script, never the double file. Needs a POSIX {@code sh} (as the build's machines have).
 */
class GeneratedTwinsTest {

    private static final Path SOURCES = Path.of("src/main/java/org/softmaxspi/simd");

    @TempDir
    Path out;

    @ParameterizedTest(name = "Double{0}.java is generate-double.sh's output for Float{0}.java")
    @ValueSource(strings = {"Rows", "Ops", "Options"})
    void doubleFileIsTheScriptsOutput(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "generate-double.sh", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "generate-double.sh did not finish: " + log);
        assertEquals(0, p.exitValue(), "generate-double.sh failed: " + log);
        String generated = Files.readString(out.resolve("Double" + name + ".java"));
        assertEquals(generated, Files.readString(SOURCES.resolve("Double" + name + ".java")),
                "Double" + name + ".java drifted from generate-double.sh's output: edit Float" + name
                        + ".java and run softmax-simd/generate-double.sh");
    }
}
