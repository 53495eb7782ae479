package org.softmaxspi.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;

/**
 * Resident memory of this JVM over many calls, for a provider module's memory test: native memory that a
 * provider fails to release shows as growth of the resident set (Linux {@code /proc/self/status}, VmRSS). Run
 * it in a JVM of its own with a fixed, pre-touched heap ({@code -Xms128m -Xmx128m -XX:+AlwaysPreTouch}), so
 * that heap growth does not count.
 */
public final class ResidentMemory {

    /** The outcome of {@link #overMixedCalls}: VmRSS before and after, in KiB, and the mean time per call. */
    public record Growth(long beforeKb, long afterKb, int calls, double microsPerCall) {
        /** The growth in MiB (negative when the resident set shrank). */
        public long megabytes() {
            return (afterKb - beforeKb) / 1024;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d calls, VmRSS %d MB -> %d MB (growth %d MB), %.1f us/call",
                    calls, beforeKb / 1024, afterKb / 1024, megabytes(), microsPerCall);
        }
    }

    private ResidentMemory() {
    }

    /** This JVM's resident set in KiB (Linux only). */
    public static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * {@code calls} calls of every operation, both dtypes, several shapes and axes (after 4 000 warm-up calls and
     * a GC), then a GC: the resident set before and after.
     */
    public static Growth overMixedCalls(Softmax s, int calls) {
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

        Runnable[] ops = {
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
            ops[i % ops.length].run();
        }
        System.gc();
        long before = rssKb();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            ops[i % ops.length].run();
        }
        long t1 = System.nanoTime();
        System.gc();
        return new Growth(before, rssKb(), calls, (t1 - t0) / 1e3 / calls);
    }
}
