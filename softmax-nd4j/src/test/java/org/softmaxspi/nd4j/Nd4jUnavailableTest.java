package org.softmaxspi.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The unavailable path, each in a forked JVM (ND4J's failed static initialization poisons the JVM it
 * happens in): the provider reports unavailable with the loader's reason, the JVM survives, using it
 * throws {@code ProviderUnavailableException}, and the reference provider keeps working and becomes
 * the default.
 */
class Nd4jUnavailableTest {

    /** The test class path: Surefire's full list when available, else this JVM's. */
    static List<String> testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return new ArrayList<>(Arrays.asList(cp.split(File.pathSeparator)));
    }

    /** Runs {@code mainClass} in a fresh JVM and returns its output; fails unless it exits with 0. */
    static String fork(List<String> classPath, String mainClass, String... jvmArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(jvmArgs));
        if (Runtime.version().feature() >= 24) {
            // as the test JVMs themselves (profile jdk24-access): no warning screens for JavaCPP's loads and Unsafe
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        }
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=off");
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, classPath));
        cmd.add(mainClass);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "forked JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        System.out.println("forked JVM " + mainClass + " " + Arrays.toString(jvmArgs) + ":\n" + text);
        assertEquals(0, p.exitValue(), "forked JVM exit code; output:\n" + text);
        return text;
    }

    static void assertUnavailable(String out, String reasonFragment) {
        assertTrue(out.contains("nd4j available=false"), out);
        String reason = out.lines().filter(l -> l.startsWith("nd4j reason=")).findFirst().orElse("");
        assertTrue(reason.contains(reasonFragment), "reason should name the loader failure: " + reason);
        assertTrue(out.contains("status nd4j available=false"), out);
        assertTrue(out.contains("nd4j call: ProviderUnavailableException"), out);
        assertTrue(out.contains("reference softmax=0.5,0.5"), out);
        assertFalse(out.contains("default=nd4j"), out);
        assertTrue(out.contains("done"), out);
    }

    @Test
    void bogusPlatformMakesItUnavailableWithTheLoaderMessage() throws Exception {
        String out = fork(testClassPath(), UnavailableProbe.class.getName(), "-Dorg.bytedeco.javacpp.platform=linux-bogus");
        assertUnavailable(out, "UnsatisfiedLinkError");
    }

    @Test
    void missingNativeJarMakesItUnavailableWithTheLoaderMessage() throws Exception {
        List<String> cp = testClassPath();
        assertTrue(cp.size() > 1, "needs the expanded test class path (surefire.test.class.path)");
        List<String> lean = cp.stream()
                .filter(e -> !Path.of(e).getFileName().toString().matches("nd4j-native-.*-(linux|macosx|windows|android).*\\.jar"))
                .collect(Collectors.toList());
        assertTrue(lean.size() < cp.size(), "no native nd4j jar found on " + cp);
        String out = fork(lean, UnavailableProbe.class.getName());
        assertUnavailable(out, "jnind4jcpu");
    }
}
