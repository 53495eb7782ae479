package org.softmaxspi.benchmarks;

import java.util.SplittableRandom;
import org.softmaxspi.api.Layout;

/**
 * The data of one benchmark: a shape spec such as {@code 128x32000} (last axis) or
 * {@code 1024x1024@0} (axis 0), logits from N(0, 3²), an upstream gradient, labels and a target,
 * all from the fixed seed {@value #SEED}, in float32 or float64 (only the one asked for, so that
 * 4096×32000 fits in a 4 GB heap).
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
        this(spec, "float32,float64");
    }

    /** A workload holding arrays of the named dtypes only ("float32", "float64" or both). */
    public Workload(String spec, String dtypes) {
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
        boolean f32 = dtypes.contains("float32");
        boolean f64 = dtypes.contains("float64");
        logits32 = new float[f32 ? n : 0];
        logits64 = new double[f64 ? n : 0];
        upstream32 = new float[f32 ? n : 0];
        upstream64 = new double[f64 ? n : 0];
        y32 = new float[f32 ? n : 0];
        y64 = new double[f64 ? n : 0];
        double uniform = 1.0 / layout.axisLength(); // a valid probability row; the backward's cost does not depend on values
        for (int i = 0; i < n; i++) {
            double u = 1 - r.nextDouble();
            double z = 3 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
            double g = r.nextDouble() - 0.5;
            if (f32) {
                logits32[i] = (float) z;
                upstream32[i] = (float) g;
                y32[i] = (float) uniform;
            }
            if (f64) {
                logits64[i] = z;
                upstream64[i] = g;
                y64[i] = uniform;
            }
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
