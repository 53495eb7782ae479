package org.softmaxspi.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Locale;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.Layout;

/**
 * The DJL side of the start: loads the PyTorch engine, makes the one base {@link NDManager} of the
 * JVM's kernel and checks that an op works. Loaded only after {@code ai.djl.offline} is set.
 */
final class DjlRuntime {

    static final String ENGINE = "PyTorch";

    private DjlRuntime() {
    }

    static DjlStartup.Outcome start() {
        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine(ENGINE);
        long loaded = System.nanoTime();
        NDManager base = engine.newBaseManager(Device.cpu());
        DjlKernel kernel = new DjlKernel(base);
        smokeTest(kernel);
        long done = System.nanoTime();
        String details = String.format(Locale.ROOT,
                "engine %s %s on cpu, DJL %s; intra-op threads %d, inter-op threads %d; "
                        + "engine start %d ms (+%d ms first ops)",
                engine.getEngineName(), engine.getVersion(), Engine.getDjlVersion(), JniUtils.getNumThreads(),
                JniUtils.getNumInteropThreads(), (loaded - t0) / 1_000_000, (done - loaded) / 1_000_000);
        return new DjlStartup.Outcome(Availability.ok(), kernel, details);
    }

    /** One softmax per dtype; a wrong answer means a broken library, reported as unavailable. */
    private static void smokeTest(DjlKernel kernel) {
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
