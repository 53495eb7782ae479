package org.softmaxspi.nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Chooses which build of libnd4j JavaCPP loads on Linux x86-64, before any ND4J or JavaCPP class is
 * initialized.
 *
 * <p>Why this exists: {@code nd4j-native} ships one jar per instruction-set level
 * ({@code linux-x86_64} generic, {@code -avx2}, {@code -avx512}, {@code -onednn*}). With several of
 * them on the class path JavaCPP's {@code Loader} takes the highest one it finds, whether or not
 * the CPU has the instructions; ND4J then finds the CPU lacking and calls {@code System.exit(1)}
 * ({@code CpuNDArrayFactory.createBlas}), which no library can catch. So the provider sets the
 * JavaCPP property {@value #EXTENSION_PROPERTY} itself: to the best variant whose jar is on the
 * class path <em>and</em> whose instructions {@code /proc/cpuinfo} lists, and to {@code -generic}
 * (which matches no jar, so JavaCPP falls back to plain {@code linux-x86_64}) otherwise.
 *
 * <p>A user can choose with {@code -Dorg.bytedeco.javacpp.platform.extension=-avx2} (or
 * {@code -avx512}, {@code -onednn-avx2}, ...; the jar must be on the class path). That choice is kept
 * unless the CPU lacks its instructions, in which case the safe choice replaces it and
 * {@link Selection#note()} says so.
 *
 * <p>Required flags: the AVX2 build is compiled with {@code -mavx -mavx2 -mfma -mf16c}, the AVX-512
 * build with {@code -march=skylake-avx512} (AVX-512 F/CD/BW/DQ/VL, BMI, BMI2).
 */
final class CpuVariant {

    /** The JavaCPP system property naming the library variant (an extension such as {@code -avx2}). */
    static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    /** The extension that matches no jar: JavaCPP then loads the generic build. */
    static final String GENERIC = "-generic";

    static final List<String> AVX2_FLAGS = List.of("avx", "avx2", "fma", "f16c");
    static final List<String> AVX512_FLAGS = List.of("avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
            "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

    /** Where each variant's libnd4jcpu sits inside its jar. */
    static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64";

    /** Variants in order of preference (first that fits wins). */
    static final List<String> PREFERENCE = List.of("-avx512", "-avx2");

    /**
     * The outcome of a selection.
     *
     * @param extension the value to set, e.g. {@code -avx2} or {@link #GENERIC}; null when the
     *                  platform is not Linux x86-64 and nothing is set
     * @param note      how it was chosen, for {@link org.softmaxspi.api.BackendInfo} details
     */
    record Selection(String extension, String note) {
    }

    private CpuVariant() {
    }

    /** True on Linux x86-64, the only platform with several builds. */
    static boolean isLinuxX8664(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86-64"));
    }

    /** The CPU flags of the first processor in a {@code /proc/cpuinfo} text; empty if none. */
    static Set<String> parseFlags(List<String> cpuinfo) {
        for (String line : cpuinfo) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                if (colon >= 0) {
                    return new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
                }
            }
        }
        return Set.of();
    }

    /** Whether the CPU with {@code flags} can run the build named by {@code extension}. */
    static boolean runs(String extension, Set<String> flags) {
        String e = extension.toLowerCase(Locale.ROOT);
        if (e.contains("avx512")) {
            return flags.containsAll(AVX512_FLAGS);
        }
        if (e.contains("avx2")) {
            return flags.containsAll(AVX2_FLAGS);
        }
        return true; // generic, -onednn (generic ISA), -compat, or an unknown value (matches no jar)
    }

    /**
     * The pure selection rule.
     *
     * @param requested  the user's {@value #EXTENSION_PROPERTY}, or null
     * @param flags      the CPU's flags (empty when unknown: only the generic build is safe)
     * @param jarPresent whether the jar of an extension (e.g. {@code -avx2}) is on the class path
     */
    static Selection select(String requested, Set<String> flags, Predicate<String> jarPresent) {
        if (requested != null && !requested.isBlank()) {
            if (runs(requested, flags)) {
                return new Selection(requested, "requested " + requested
                        + (requested.equals(GENERIC) || jarPresent.test(requested) ? "" : " (jar absent: generic)"));
            }
            Selection safe = select(null, flags, jarPresent);
            return new Selection(safe.extension(), "requested " + requested + " ignored: the CPU lacks its instructions; "
                    + safe.note());
        }
        for (String ext : PREFERENCE) {
            if (jarPresent.test(ext) && runs(ext, flags)) {
                return new Selection(ext, "auto: " + ext.substring(1) + " (CPU flags and jar present)");
            }
        }
        return new Selection(GENERIC, "auto: generic" + (flags.isEmpty() ? " (CPU flags unknown)" : ""));
    }

    /** Whether the jar of {@code extension} is on the class path of {@code loader}. */
    static boolean jarPresent(ClassLoader loader, String extension) {
        return loader != null && loader.getResource(BINDINGS + extension + "/libnd4jcpu.so") != null;
    }

    /**
     * Reads the CPU, chooses and sets {@value #EXTENSION_PROPERTY}. Must run before JavaCPP's
     * {@code Loader} is initialized (it caches the platform properties on first use).
     */
    static Selection apply() {
        if (!isLinuxX8664(System.getProperty("os.name"), System.getProperty("os.arch"))) {
            return new Selection(null, "single build for " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch"));
        }
        Set<String> flags;
        try {
            flags = parseFlags(Files.readAllLines(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            flags = Set.of();
        }
        ClassLoader cl = CpuVariant.class.getClassLoader();
        Selection s = select(System.getProperty(EXTENSION_PROPERTY), flags, ext -> jarPresent(cl, ext));
        System.setProperty(EXTENSION_PROPERTY, s.extension());
        return s;
    }
}
