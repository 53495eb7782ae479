package org.softmaxspi.djl;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.SoftmaxKernel;

/**
 * Starts the DJL PyTorch engine once per JVM (the engine is a JVM-wide singleton, shared by every
 * provider instance) and remembers the outcome.
 *
 * <p>This class must not refer to any DJL type: it runs before {@code ai.djl.offline} is set. All
 * DJL code is in {@link DjlRuntime}, which is loaded only after the property is in place.
 */
final class DjlStartup {

    static final long DEFAULT_TIMEOUT_SECONDS = 300;
    static final String NATIVE_RESOURCE = "native/lib/pytorch.properties";

    /** The result of starting: availability, the kernel when available, and details for {@code backend()}. */
    record Outcome(Availability availability, SoftmaxKernel kernel, String details) {
    }

    private static final Object LOCK = new Object();
    private static volatile Outcome outcome;

    private DjlStartup() {
    }

    /** Starts the engine the first time (thread-safe, at most once); never throws. */
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
        if (o == null) {
            return "engine PyTorch (libtorch 2.7.1, CPU, linux-x86_64); not started yet";
        }
        return o.details();
    }

    /**
     * Sets {@code ai.djl.offline=true} unless the user chose (property or {@code DJL_OFFLINE}).
     *
     * @return whether DJL is in offline mode now
     */
    static boolean ensureOffline() {
        String env = System.getenv("DJL_OFFLINE");
        String prop = System.getProperty(DjlProvider.OFFLINE_PROPERTY);
        if (env == null && prop == null) {
            System.setProperty(DjlProvider.OFFLINE_PROPERTY, "true");
            return true;
        }
        return Boolean.parseBoolean(env != null ? env : prop);
    }

    private static Outcome start() {
        boolean offline = ensureOffline();
        long timeout = Long.getLong(DjlProvider.START_TIMEOUT_PROPERTY, DEFAULT_TIMEOUT_SECONDS);
        FutureTask<Outcome> task = new FutureTask<>(() -> startHere(offline));
        Thread t = new Thread(task, "softmax-djl-engine-start");
        t.setDaemon(true);
        t.start();
        try {
            return task.get(Math.max(1, timeout), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return failed(Availability.unavailable("the DJL PyTorch engine did not start within " + timeout
                    + " s (" + DjlProvider.START_TIMEOUT_PROPERTY + "); " + (offline ? "" : "offline mode is off ("
                    + DjlProvider.OFFLINE_PROPERTY + "=false), so DJL may be stuck downloading libtorch; ")
                    + hint(offline)));
        } catch (ExecutionException e) {
            return failed(reason(e.getCause(), offline));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(Availability.unavailable("interrupted while waiting for the DJL PyTorch engine to start"));
        }
    }

    private static Outcome startHere(boolean offline) {
        try {
            return DjlRuntime.start();
        } catch (Throwable e) { // NoClassDefFoundError, UnsatisfiedLinkError, EngineException, ...
            return failed(reason(e, offline));
        }
    }

    private static Outcome failed(Availability a) {
        return new Outcome(a, null, "unavailable: " + a.reason());
    }

    private static Availability reason(Throwable e, boolean offline) {
        String base = Availability.unavailable("the DJL PyTorch engine did not start", e).reason();
        return Availability.unavailable(base + ". " + hint(offline));
    }

    /** What to do, judged from the class path (no DJL class needed). */
    static String hint(boolean offline) {
        ClassLoader cl = DjlStartup.class.getClassLoader();
        if (cl.getResource("ai/djl/engine/Engine.class") == null) {
            return "ai.djl:api:0.35.1 is not on the class path; add it with ai.djl.pytorch:pytorch-engine:0.35.1, "
                    + "ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1 and ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64";
        }
        if (cl.getResource("ai/djl/pytorch/engine/PtEngineProvider.class") == null) {
            return "ai.djl.pytorch:pytorch-engine:0.35.1 is not on the class path; add it with "
                    + "ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1 and ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64";
        }
        if (cl.getResource(NATIVE_RESOURCE) == null) {
            return "libtorch is not on the class path: add ai.djl.pytorch:pytorch-native-cpu:2.7.1 with classifier "
                    + "linux-x86_64 (runtime scope), or set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1 directory"
                    + (offline ? "; DJL is in offline mode (" + DjlProvider.OFFLINE_PROPERTY
                    + "=true) and does not download it" : "");
        }
        return "libtorch is on the class path (pytorch-native-cpu) but did not load; check DJL_CACHE_DIR / "
                + "~/.djl.ai (free space, permissions; 432 MB are unpacked there) and PYTORCH_LIBRARY_PATH";
    }
}
