package org.softmaxspi.benchmarks;

import java.util.SplittableRandom;
import org.softmaxspi.api.Layout;

/**
 * The data of one benchmark: a shape spec such as {@code 128x32000} (last axis) or
 * {@code 1024x1024@0} (axis 0), logits from N(0, 3²), an upstream gradient, labels and a target,
 * all from the fixed seed {@value #SEED}, in float32 and float64.
 */
public final class Workload {

    public static final long SEED = 42;

    public final int[] shape;
    public final int axis;
    public final Layout layout;
    public final float[] logits32;
    public final double[] logits64;
    public final float[] y32;
    public final double[] y64;
    public final float[] upstream32;
    public final double[] upstream64;
    public final int[] labels;

    public Workload(String spec) {
        String[] parts = spec.split("@");
        String[] dims = parts[0].split("x");
        shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = Integer.parseInt(dims[i]);
        }
        axis = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        layout = Layout.of(shape, axis);
        int n = layout.size();
        SplittableRandom r = new SplittableRandom(SEED);
        logits32 = new float[n];
        logits64 = new double[n];
        upstream32 = new float[n];
        upstream64 = new double[n];
        y32 = new float[n];
        y64 = new double[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - r.nextDouble();
            logits64[i] = 3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
            logits32[i] = (float) logits64[i];
            upstream64[i] = r.nextDouble() - 0.5;
            upstream32[i] = (float) upstream64[i];
            y64[i] = 1.0 / layout.axisLength(); // a valid probability row; the backward's cost does not depend on values
            y32[i] = (float) y64[i];
        }
        labels = new int[layout.rows()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = r.nextInt(Math.max(layout.axisLength(), 1));
        }
    }

    /** Number of elements of the input. */
    public int size() {
        return layout.size();
    }
}
