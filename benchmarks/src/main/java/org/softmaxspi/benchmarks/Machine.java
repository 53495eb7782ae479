package org.softmaxspi.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** What machine this is, for file names and the report. */
final class Machine {

    private Machine() {
    }

    /** The CPU model from /proc/cpuinfo, or os.arch. */
    static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    /** CPU flags that matter for SIMD. */
    static String simdFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    List<String> f = List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                    return String.join(" ", f.stream().filter(x -> x.equals("avx2") || x.equals("fma")
                            || x.equals("avx512f") || x.equals("avx512bw") || x.equals("avx512vl")).toList());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "";
    }

    /** A short file-name-safe machine name: the CPU vendor/family and the core count, e.g. amd-epyc-2c. */
    static String shortName() {
        String cpu = cpu().toLowerCase(Locale.ROOT);
        String[] words = cpu.replaceAll("\\(r\\)|\\(tm\\)|cpu|processor|@.*", " ").trim().split("[^a-z0-9]+");
        String base = words.length >= 2 ? words[0] + "-" + words[1] : words.length == 1 ? words[0] : "machine";
        return base + "-" + Runtime.getRuntime().availableProcessors() + "c";
    }
}
