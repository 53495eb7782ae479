package org.softmaxspi.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The double files are generated from their float32 twins by {@code generate-double.sh}; this applies the script's
 * substitutions (the same literal, global replacements, in the same order) and fails when a double file drifts
 * from them: edit the float file and run the script, never the double file.
 */
class GeneratedTwinsTest {

    private static final Path SOURCES = Path.of("src/main/java/org/softmaxspi/simd");

    @ParameterizedTest(name = "Double{0}.java is generate-double.sh's output for Float{0}.java")
    @ValueSource(strings = {"Rows", "Ops", "Options"})
    void doubleFileIsTheScriptsOutput(String name) throws IOException {
        String script = Files.readString(Path.of("generate-double.sh"));
        assertTrue(script.contains("Rows Ops Options") && script.contains(name), "generate-double.sh generates Double" + name + ".java");
        String generated = Files.readString(SOURCES.resolve("Float" + name + ".java"))
                .replace("float32", "@F64@").replace("Float", "Double").replace("float", "double")
                .replace("@F64@", "float64");
        assertEquals(generated, Files.readString(SOURCES.resolve("Double" + name + ".java")),
                "Double" + name + ".java drifted from generate-double.sh's output: edit Float" + name
                        + ".java and run softmax-simd/generate-double.sh");
    }
}
