package org.softmaxspi.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * 100 000 calls (all operations, both dtypes, several shapes and axes) keep the resident set
 * bounded: growth below {@value #BOUND_MB} MB between a warmed-up start and the end. Every call's
 * tensors are closed when it ends, outputs are pinned into per-thread buffers and ONNX Runtime's arena
 * reuses its intermediate memory, so nothing accumulates natively. Runs in its own JVM with a fixed,
 * pre-touched 128 MB heap (the {@code memory} execution in the POM), so heap growth does not count.
 * Measured 2026-11-28: 2 MB (227 to 229 MB). No timing assertions: the rate is printed only.
 */
// skipped, as the TCK is, when the provider is skipped on purpose: -Dsoftmax.tck.skip=onnxruntime
@DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*onnxruntime\\s*(,.*)?")
class MemoryBoundTest {

    static final long BOUND_MB = 16;
    static final int CALLS = 100_000;

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void hundredThousandCallsKeepResidentMemoryBounded() throws IOException {
        Softmax s = SoftmaxProviders.get("onnxruntime");
        Random r = new Random(1);
        float[] zf = new float[32 * 10];
        double[] zd = new double[4 * 100 * 3];
        for (int i = 0; i < zf.length; i++) {
            zf[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < zd.length; i++) {
            zd[i] = r.nextGaussian() * 3;
        }
        int[] labels = new int[32];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(10);
        }
        int[] shapeF = {32, 10};
        int[] shapeD = {4, 100, 3};
        float[] outF = new float[zf.length];
        double[] outD = new double[zd.length];
        double[] yD = s.softmax(zd, shapeD, 1);
        double[] targetD = yD.clone();
        double[] lossD = new double[1];
        double[] gradD = new double[zd.length];
        float[] lossF = new float[32];
        float[] gradF = new float[zf.length];

        Runnable[] calls = {
            () -> s.softmax(zf, shapeF, -1, outF),
            () -> s.logSoftmax(zd, shapeD, 1, outD),
            () -> s.crossEntropy(zf, shapeF, 1, labels, Reduction.NONE, lossF, gradF),
            () -> s.crossEntropy(zd, shapeD, 1, targetD, Reduction.MEAN, lossD, gradD),
            () -> s.backward(yD, zd, shapeD, 1, outD),
            () -> s.jacobian(zf, new int[] {4, 80}, 0),
            () -> s.softmax(zd, shapeD, 0, outD),
            () -> s.logSoftmaxBackward(zf, zf, shapeF, 0, outF),
        };
        for (int i = 0; i < 4000; i++) {
            calls[i % calls.length].run();
        }
        System.gc();
        long before = rssKb();
        long t0 = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            calls[i % calls.length].run();
        }
        long t1 = System.nanoTime();
        System.gc();
        long after = rssKb();
        long growthMb = (after - before) / 1024;
        System.out.printf("memory: %d calls, VmRSS %d MB -> %d MB (growth %d MB, bound %d MB), %.1f us/call%n",
                CALLS, before / 1024, after / 1024, growthMb, BOUND_MB, (t1 - t0) / 1e3 / CALLS);
        assertTrue(growthMb < BOUND_MB, "VmRSS grew by " + growthMb + " MB over " + CALLS + " calls");
    }
}
