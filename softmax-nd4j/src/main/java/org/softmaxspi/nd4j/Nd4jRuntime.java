package org.softmaxspi.nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import org.softmaxspi.api.Availability;

/**
 * Loads ND4J's native backend once per JVM, lazily and thread-safely, and remembers the outcome.
 *
 * <p>{@link #get()} first chooses the CPU variant ({@link CpuVariant#apply()}, which must precede any
 * JavaCPP class initialization), then forces ND4J's initialization with a tiny array. Failure to
 * load (no native jar for this platform, a missing {@code libopenblas}, a bogus
 * {@code org.bytedeco.javacpp.platform}) surfaces as an {@code ExceptionInInitializerError} /
 * {@code UnsatisfiedLinkError} / {@code NoClassDefFoundError}; it is caught here and turned into an
 * unavailable {@link Availability} with the loader's message. ND4J cannot be re-initialized in the
 * same JVM after such a failure, so the failure is final.
 */
final class Nd4jRuntime {

    /** The version of nd4j-native this module is built and tested against. */
    static final String BUILT_AGAINST = "1.0.0-M2.1";

    /**
     * The state after the attempt to load.
     *
     * @param availability ok, or unavailable with the reason
     * @param variant      how the CPU variant was chosen
     * @param details      loaded variant, binary level, BLAS, threads (empty when unavailable)
     * @param initNanos    wall time of the first initialization (variant choice + native load)
     */
    record State(Availability availability, CpuVariant.Selection variant, String details, long initNanos) {
    }

    private static volatile State state;

    private Nd4jRuntime() {
    }

    /** Loads ND4J on the first call (from any thread); later calls return the same state. */
    static State get() {
        State s = state;
        if (s == null) {
            synchronized (Nd4jRuntime.class) {
                s = state;
                if (s == null) {
                    s = load();
                    state = s;
                }
            }
        }
        return s;
    }

    /** The state if {@link #get()} already ran, else null; never loads anything. */
    static State peek() {
        return state;
    }

    private static State load() {
        long t0 = System.nanoTime();
        CpuVariant.Selection variant;
        try {
            variant = CpuVariant.apply();
        } catch (RuntimeException e) {
            variant = new CpuVariant.Selection(null, "variant selection failed: " + e);
        }
        try {
            String details = Nd4jBackend.initialize();
            return new State(Availability.ok(), variant, details, System.nanoTime() - t0);
        } catch (VirtualMachineError e) {
            if (e instanceof OutOfMemoryError) {
                return new State(Availability.unavailable("ND4J native backend failed to load", e), variant, "",
                        System.nanoTime() - t0);
            }
            throw e;
        } catch (Throwable e) { // LinkageError, ExceptionInInitializerError, RuntimeException from ND4J
            return new State(Availability.unavailable("ND4J native backend failed to load", e), variant, "",
                    System.nanoTime() - t0);
        }
    }

    /**
     * The nd4j-native version from its jar's {@code pom.properties} (what JavaCPP's
     * {@code Loader.getVersion("org.nd4j", "nd4j-native")} reads), without initializing any ND4J or
     * JavaCPP class; {@link #BUILT_AGAINST} if the resource is missing.
     */
    static String version() {
        try (InputStream in = Nd4jRuntime.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.nd4j/nd4j-native/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", BUILT_AGAINST);
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return BUILT_AGAINST;
    }

    /** The file name part of the loaded libnd4jcpu's jar (e.g. {@code ...-linux-x86_64-avx2.jar}). */
    static String loadedVariant(Map<String, String> loadedLibraries) {
        for (String path : loadedLibraries.values()) {
            if (path != null && path.contains("libnd4jcpu")) {
                int jar = path.indexOf(".jar");
                if (jar > 0) {
                    int start = path.lastIndexOf('/', jar) + 1;
                    String name = path.substring(start, jar);
                    int i = name.indexOf("linux-x86_64");
                    if (i < 0) {
                        i = name.lastIndexOf(BUILT_AGAINST);
                        i = i < 0 ? 0 : i + BUILT_AGAINST.length() + 1;
                    }
                    return name.substring(Math.min(i, name.length()));
                }
                return path;
            }
        }
        return "unknown";
    }
}
