package org.softmaxspi.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Without {@code --add-modules jdk.incubator.vector} the provider is unavailable with a plain
 * reason, and everything else works: run in a forked JVM on the test class path.
 */
class UnavailableTest {

    private static String run(boolean withModule) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (withModule) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(UnavailableMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "forked JVM did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    @Test
    void unavailableWithoutTheModule() throws Exception {
        String text = run(false);
        assertTrue(text.contains("provider simd available=false reason=" + SimdProvider.NO_MODULE_REASON), text);
        assertTrue(text.contains("--add-modules jdk.incubator.vector"), text);
        assertTrue(text.contains("provider reference available=true"), text);
        assertTrue(text.contains("reference 0.09003057 0.24472848 0.66524094"), text);
        assertTrue(text.contains("default reference"), text);
    }

    @Test
    void availableAndDefaultWithTheModule() throws Exception {
        String text = run(true);
        assertTrue(text.contains("provider simd available=true"), text);
        assertTrue(text.contains("default simd"), text);
    }
}
