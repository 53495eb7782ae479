package org.softmaxspi.nd4j;

import java.util.Locale;
import java.util.Properties;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The only place, besides the kernel, that touches ND4J classes; called by {@link Nd4jRuntime} after
 * the CPU variant is chosen, so that no ND4J or JavaCPP class initializes earlier.
 */
final class Nd4jBackend {

    private Nd4jBackend() {
    }

    /**
     * Forces ND4J's native initialization and describes what loaded.
     *
     * @return the loaded variant, binary level, BLAS vendor and thread count
     * @throws Throwable whatever ND4J throws when its native code cannot load
     */
    static String initialize() {
        try (INDArray probe = Nd4j.create(DataType.DOUBLE, 1, 1)) {
            probe.addi(1.0);
        }
        StringBuilder sb = new StringBuilder();
        sb.append("libnd4jcpu ").append(Nd4jRuntime.loadedVariant(Loader.getLoadedLibraries()));
        int level = NativeOpsHolder.getInstance().getDeviceNativeOps().binaryLevel();
        sb.append(", binary level ").append(level).append(switch (level) {
            case 1 -> " (generic x86-64)";
            case 2 -> " (AVX2)";
            case 3 -> " (AVX-512)";
            default -> "";
        });
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        Object blas = env.get("blas.vendor");
        sb.append(", BLAS ").append(blas == null ? "unknown" : String.valueOf(blas).toLowerCase(Locale.ROOT));
        sb.append(" ").append(version("org.bytedeco", "openblas"));
        Object omp = env.get("omp.threads");
        sb.append(", ").append(omp == null ? Nd4j.getEnvironment().maxThreads() : omp).append(" OpenMP threads per op");
        sb.append(", JavaCPP ").append(version("org.bytedeco", "javacpp"));
        return sb.toString();
    }

    private static String version(String group, String artifact) {
        try {
            String v = Loader.getVersion(group, artifact);
            return v == null ? "unknown" : v;
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
