package org.softmaxspi.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import java.util.Locale;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.Layout;

/**
 * Loads ONNX Runtime once per JVM (its environment is a JVM-wide singleton) and remembers the outcome: the
 * kernel, or why there is none. Loaded only from {@link OnnxRuntimeProvider#availability()} and
 * {@link OnnxRuntimeProvider#createKernel()}, so that making the provider never touches native code.
 */
final class OrtRuntime {

    /** The result of starting: availability, the kernel when available, and details for {@code backend()}. */
    record Outcome(Availability availability, OrtKernel kernel, String details) {
    }

    private static final Object LOCK = new Object();
    private static volatile Outcome outcome;

    private OrtRuntime() {
    }

    /** Starts ONNX Runtime the first time (thread-safe, at most once); never throws. */
    static Outcome outcome() {
        Outcome o = outcome;
        if (o != null) {
            return o;
        }
        synchronized (LOCK) {
            if (outcome == null) {
                outcome = start();
            }
            return outcome;
        }
    }

    /** The details for {@code backend()}, without starting anything. */
    static String details() {
        Outcome o = outcome;
        return o == null ? "CPU execution provider; not started yet" : o.details();
    }

    private static Outcome start() {
        try {
            long t0 = System.nanoTime();
            // the environment loads the native libraries (extracted from the jar to a temporary directory)
            OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "softmax-spi");
            long loaded = System.nanoTime();
            OrtSessions sessions = new OrtSessions(env);
            OrtKernel kernel = new OrtKernel(env, sessions);
            smokeTest(kernel);
            long done = System.nanoTime();
            String details = String.format(Locale.ROOT, "ONNX Runtime %s, CPU execution provider; %s; "
                            + "native load %d ms (+%d ms first sessions)", env.getVersion(), sessions.describe(),
                    (loaded - t0) / 1_000_000, (done - loaded) / 1_000_000);
            return new Outcome(Availability.ok(), kernel, details);
        } catch (Throwable e) { // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError, OrtException...
            Availability a = Availability.unavailable("ONNX Runtime did not load", e);
            Availability withHint = Availability.unavailable(a.reason() + ". " + hint());
            return new Outcome(withHint, null, "unavailable: " + withHint.reason());
        }
    }

    /** What to check, judged from the class path and the loader's property (no ORT class needed). */
    static String hint() {
        String path = System.getProperty("onnxruntime.native.path");
        if (path != null) {
            return "onnxruntime.native.path is set to '" + path + "': ONNX Runtime loads its native libraries "
                    + "(libonnxruntime.so, libonnxruntime4j_jni.so) from there instead of from its jar";
        }
        String resource = "ai/onnxruntime/native/" + OnnxRuntimeProvider.platform() + "/";
        if (OrtRuntime.class.getClassLoader().getResource(resource) == null) {
            return "com.microsoft.onnxruntime:onnxruntime:" + OnnxRuntimeProvider.VERSION + " has no native library for "
                    + OnnxRuntimeProvider.platform() + " (its jar carries linux-x64, linux-aarch64, osx-x64, osx-aarch64 and win-x64)";
        }
        return "the native library is in the jar but did not load; check java.io.tmpdir (ONNX Runtime extracts "
                + "about 22 MB there at every start) and that the platform's C++ runtime is installed";
    }

    /** One softmax per dtype; a wrong answer means a broken library, reported as unavailable. */
    private static void smokeTest(OrtKernel kernel) {
        Layout l = Layout.of(new int[] {2}, 0);
        double[] d = new double[2];
        kernel.softmax(new double[] {0, Math.log(3)}, l, d);
        float[] f = new float[2];
        kernel.softmax(new float[] {0, (float) Math.log(3)}, l, f);
        if (Math.abs(d[0] - 0.25) > 1e-15 || Math.abs(f[0] - 0.25f) > 1e-7f) {
            throw new IllegalStateException("smoke test: softmax([0, ln 3]) gave " + d[0] + " (float64) and " + f[0]
                    + " (float32) instead of 0.25");
        }
    }
}
