package org.softmaxspi.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuVariantTest {

    static final Set<String> OLD = Set.of("sse2", "sse4_2", "avx");           // Sandy Bridge-like
    static final Set<String> AVX2 = Set.of("sse2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2");
    static final Set<String> AVX512;

    static {
        Set<String> s = new HashSet<>(AVX2);
        s.addAll(List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"));
        AVX512 = Set.copyOf(s);
    }

    @Test
    void autoPicksTheBestVariantWhoseJarIsPresentAndWhichTheCpuRuns() {
        assertEquals("-avx2", CpuVariant.select(null, AVX512, e -> e.equals("-avx2")).extension());
        assertEquals("-avx512", CpuVariant.select(null, AVX512, e -> true).extension());
        assertEquals("-avx2", CpuVariant.select(null, AVX2, e -> true).extension());
        assertEquals(CpuVariant.GENERIC, CpuVariant.select(null, OLD, e -> true).extension());
        assertEquals(CpuVariant.GENERIC, CpuVariant.select(null, AVX512, e -> false).extension());
        assertEquals(CpuVariant.GENERIC, CpuVariant.select(null, Set.of(), e -> true).extension(),
                "unknown CPU: only the generic build is safe");
    }

    @Test
    void userChoiceIsKeptUnlessTheCpuLacksItsInstructions() {
        assertEquals("-avx2", CpuVariant.select("-avx2", AVX512, e -> true).extension());
        assertEquals("-onednn", CpuVariant.select("-onednn", OLD, e -> true).extension());
        CpuVariant.Selection s = CpuVariant.select("-avx512", AVX2, e -> true);
        assertEquals("-avx2", s.extension());
        assertTrue(s.note().contains("ignored"), s.note());
        assertEquals(CpuVariant.GENERIC, CpuVariant.select("-onednn-avx2", OLD, e -> true).extension());
    }

    @Test
    void runsChecksEveryRequiredFlag() {
        assertTrue(CpuVariant.runs("-avx512", AVX512));
        assertFalse(CpuVariant.runs("-avx512", AVX2));
        assertFalse(CpuVariant.runs("-avx2", Set.of("avx", "avx2", "fma"))); // no f16c
        assertTrue(CpuVariant.runs(CpuVariant.GENERIC, Set.of()));
        assertTrue(CpuVariant.runs("-compat", Set.of()));
    }

    @Test
    void parsesProcCpuinfo() {
        List<String> cpuinfo = List.of("processor\t: 0", "model name\t: Some CPU",
                "flags\t\t: fpu sse2 avx avx2 fma f16c", "bugs\t\t: none", "processor\t: 1", "flags\t\t: fpu");
        assertEquals(Set.of("fpu", "sse2", "avx", "avx2", "fma", "f16c"), CpuVariant.parseFlags(cpuinfo));
        assertEquals(Set.of(), CpuVariant.parseFlags(List.of("nothing here")));
    }

    @Test
    void onlyLinuxX8664HasVariants() {
        assertTrue(CpuVariant.isLinuxX8664("Linux", "amd64"));
        assertTrue(CpuVariant.isLinuxX8664("linux", "x86_64"));
        assertFalse(CpuVariant.isLinuxX8664("Linux", "aarch64"));
        assertFalse(CpuVariant.isLinuxX8664("Mac OS X", "x86_64"));
        assertFalse(CpuVariant.isLinuxX8664("Windows 11", "amd64"));
    }

    @Test
    void findsTheVariantOfTheLoadedLibrary() {
        assertEquals("linux-x86_64-avx2", Nd4jRuntime.loadedVariant(Map.of("jnind4jcpu",
                "/root/.javacpp/cache/nd4j-native-1.0.0-M2.1-linux-x86_64-avx2.jar/org/nd4j/linalg/cpu/nativecpu/"
                        + "bindings/linux-x86_64-avx2/libnd4jcpu.so")));
        assertEquals("unknown", Nd4jRuntime.loadedVariant(Map.of("x", "/lib/libopenblas.so")));
    }
}
