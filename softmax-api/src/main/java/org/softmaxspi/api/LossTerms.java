package org.softmaxspi.api;

/**
 * The per-call numbers of a loss with {@link LossOptions}, worked out once in Java for kernels that compose
 * the loss from their library's ops (the nd4j and djl adapters): the weights, ε and the uniform term in the
 * data's dtype, the labels with ignored ones replaced by class 0, per row the coefficient of the label and
 * whether the row counts, the mean's denominator and scale, and what a mean over nothing gives.
 *
 * <p>For row n with label t (not ignored): the coefficients are {@code c_j = labelCoefficient[n]·[j = t] +
 * uniform·weight[j]} (labels) or {@code weight[j]·(keep·p_j + uniform)} (targets); the loss is
 * {@code −Σ c_j log y_j}; NLL's is {@code nllCoefficient[n]·x_t} with its gradient {@code nllCoefficient[n]·scale}
 * at the label. Made per call and used by that call only; its arrays are that call's own.
 */
public final class LossTerms {

    /** Class weights rounded to the dtype (1 without weights). */
    public final double[] weight;
    /** 1 − ε, ε rounded to the dtype. */
    public final double keep;
    /** ε / C. */
    public final double uniform;
    /** The labels with ignored ones replaced by 0 (a valid index for one-hot and gather); null for targets. */
    public final int[] safeLabels;
    /** Per row: {@code keep·weight[t]}, 0 for an ignored row (labels); zeros for targets. */
    public final double[] labelCoefficient;
    /** Per row: 1 when the row counts, 0 when it is ignored. */
    public final double[] rowCounts;
    /** Per row: {@code −weight[t]} (NLL's coefficient), 0 for an ignored row. */
    public final double[] nllCoefficient;
    /** The mean's denominator: Σ weight[t] over rows not ignored (labels), the row count (targets). */
    public final double denominator;
    /** True for a mean over a denominator of 0: the loss is NaN (0/0). */
    public final boolean emptyMean;
    /** 1/denominator for a mean (1 when {@link #emptyMean}), else 1. */
    public final double scale;

    private LossTerms(LossOptions o, Layout l, int[] labels, boolean float64) {
        int rows = l.rows();
        int k = l.axisLength();
        weight = new double[k];
        for (int c = 0; c < k; c++) {
            weight[c] = float64 ? o.weight(c) : (float) o.weight(c);
        }
        double eps = float64 ? o.labelSmoothing() : (float) o.labelSmoothing();
        keep = 1 - eps;
        uniform = k == 0 ? 0 : eps / k;
        safeLabels = labels == null ? null : labels.clone();
        labelCoefficient = new double[rows];
        rowCounts = new double[rows];
        nllCoefficient = new double[rows];
        double d = labels == null ? rows : 0;
        for (int r = 0; r < rows; r++) {
            if (labels == null) {
                rowCounts[r] = 1;
            } else if (o.ignores(labels[r])) {
                safeLabels[r] = 0;
            } else {
                double w = weight[labels[r]];
                labelCoefficient[r] = keep * w;
                nllCoefficient[r] = -w;
                rowCounts[r] = 1;
                d += w;
            }
        }
        denominator = d;
        boolean mean = o.reduction() == Reduction.MEAN;
        emptyMean = mean && d == 0;
        scale = mean && !emptyMean ? 1 / d : 1;
    }

    /**
     * The terms of a call on data laid out as {@code layout}.
     *
     * @param labels  the class labels (checked by the facade), or null for probability targets
     * @param float64 whether the data is float64 (else weights and ε are rounded to float)
     */
    public static LossTerms of(LossOptions options, Layout layout, int[] labels, boolean float64) {
        return new LossTerms(options, layout, labels, float64);
    }

    /** {@code uniform·weight[j]} per class: the smoothing part of every counted row's coefficients. */
    public double[] uniformCoefficients() {
        double[] u = new double[weight.length];
        for (int j = 0; j < u.length; j++) {
            u[j] = uniform * weight[j];
        }
        return u;
    }

    /**
     * After a mean over nothing: the loss NaN, and the gradient NaN on every counted row (0 stays on ignored
     * ones). Arrays only (options arrive as arrays). No-op otherwise.
     */
    public void finishEmptyMean(Layout l, Object lossOut, Object gradientOut) {
        if (!emptyMean) {
            return;
        }
        set(lossOut, 0, Double.NaN);
        for (int r = 0; r < l.rows(); r++) {
            if (rowCounts[r] != 0) {
                for (int j = 0, idx = l.rowStart(r); j < l.axisLength(); j++, idx += l.inner()) {
                    set(gradientOut, idx, Double.NaN);
                }
            }
        }
    }

    private static void set(Object out, int i, double v) {
        if (out instanceof double[] d) {
            d[i] = v;
        } else {
            ((float[]) out)[i] = (float) v;
        }
    }
}
