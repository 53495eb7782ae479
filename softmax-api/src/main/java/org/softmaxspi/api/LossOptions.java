package org.softmaxspi.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * Options of cross-entropy and NLL, with the semantics of PyTorch's {@code F.cross_entropy} and
 * {@code F.nll_loss} (and ONNX {@code SoftmaxCrossEntropyLoss} / {@code NegativeLogLikelihoodLoss}).
 * Immutable; start from {@link #of(Reduction)} and derive with the {@code with...} methods.
 *
 * <p>For row n with label t<sub>n</sub>, log-probabilities ℓ<sub>n</sub> (the log-softmax of the logits
 * along the class axis, or NLL's input itself), C classes, weights w (all 1 without {@code weight}) and
 * smoothing ε:
 * <ul>
 *   <li>loss<sub>n</sub> = −(1 − ε)·w[t<sub>n</sub>]·ℓ<sub>n,t(n)</sub> − (ε/C)·Σ<sub>c</sub>
 *       w[c]·ℓ<sub>n,c</sub>; a row whose label is {@code ignoreIndex} has loss 0 and gradient 0;</li>
 *   <li>{@link Reduction#MEAN} divides the sum of the losses by Σ w[t<sub>n</sub>] over the rows not
 *       ignored (the row count without weights); when that is 0 (every row ignored) the loss is NaN,
 *       0/0, as PyTorch, and the gradient 0 on ignored rows and NaN on the others;
 *       {@link Reduction#SUM} sums; {@link Reduction#NONE} gives one loss per row;</li>
 *   <li>probability targets p (cross-entropy only) with smoothing become (1 − ε)·p + ε/C, and
 *       loss<sub>n</sub> = −Σ<sub>c</sub> w[c]·p'<sub>n,c</sub>·ℓ<sub>n,c</sub>; their
 *       {@link Reduction#MEAN} divides by the row count, weights or not (PyTorch);</li>
 *   <li>the gradient is that of the reduced loss ({@link Reduction#NONE}: of the sum of the losses)
 *       with respect to the logits (NLL: to its input).</li>
 * </ul>
 * Weights and ε are used in the data's dtype (rounded to float for float32 data), as a weight tensor
 * of that dtype would be.
 */
public final class LossOptions {

    private final Reduction reduction;
    private final double[] weight;
    private final boolean ignoring;
    private final int ignoreIndex;
    private final double labelSmoothing;

    private LossOptions(Reduction reduction, double[] weight, boolean ignoring, int ignoreIndex,
                        double labelSmoothing) {
        this.reduction = reduction;
        this.weight = weight;
        this.ignoring = ignoring;
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    /**
     * The reduction, no weights, no ignored label, no smoothing: the plain loss.
     *
     * @throws IllegalArgumentException naming {@code reduction} when it is null
     */
    public static LossOptions of(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("reduction: null");
        }
        return new LossOptions(reduction, null, false, 0, 0);
    }

    /** These options with another reduction (checked as in {@link #of(Reduction)}). */
    public LossOptions withReduction(Reduction r) {
        of(r);
        return new LossOptions(r, weight, ignoring, ignoreIndex, labelSmoothing);
    }

    /**
     * These options with one weight per class (copied; {@code null} removes them). The facade checks
     * the length against each call's class count.
     *
     * @throws IllegalArgumentException naming {@code weight[i]} when a weight is negative, NaN or infinite
     */
    public LossOptions withWeight(double[] weight) {
        if (weight != null) {
            for (int i = 0; i < weight.length; i++) {
                if (!(weight[i] >= 0) || Double.isInfinite(weight[i])) {
                    throw new IllegalArgumentException("weight[" + i + "]: " + weight[i]
                            + " (must be finite and >= 0)");
                }
            }
        }
        return new LossOptions(reduction, weight == null ? null : weight.clone(), ignoring, ignoreIndex,
                labelSmoothing);
    }

    /**
     * These options with rows whose label is {@code index} ignored (any int, also outside {@code [0, C)},
     * as PyTorch's {@code ignore_index=-100}); labels only.
     */
    public LossOptions withIgnoreIndex(int index) {
        return new LossOptions(reduction, weight, true, index, labelSmoothing);
    }

    /** These options without an ignored label. */
    public LossOptions withoutIgnoreIndex() {
        return new LossOptions(reduction, weight, false, 0, labelSmoothing);
    }

    /**
     * These options with label smoothing ε (cross-entropy only).
     *
     * @throws IllegalArgumentException naming {@code labelSmoothing} when ε is not in {@code [0, 1]}
     */
    public LossOptions withLabelSmoothing(double epsilon) {
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("labelSmoothing: " + epsilon + " (must be in [0, 1])");
        }
        return new LossOptions(reduction, weight, ignoring, ignoreIndex, epsilon);
    }

    public Reduction reduction() {
        return reduction;
    }

    /** True when class weights are set. */
    public boolean hasWeight() {
        return weight != null;
    }

    /** A copy of the class weights, or null. */
    public double[] weight() {
        return weight == null ? null : weight.clone();
    }

    /** The weight of class {@code c} (1 without weights). */
    public double weight(int c) {
        return weight == null ? 1.0 : weight[c];
    }

    /** The number of weights (0 without weights). */
    public int weightLength() {
        return weight == null ? 0 : weight.length;
    }

    /** True when a label is ignored. */
    public boolean hasIgnoreIndex() {
        return ignoring;
    }

    /** The ignored label; meaningful only when {@link #hasIgnoreIndex()}. */
    public int ignoreIndex() {
        return ignoreIndex;
    }

    /** True when row label {@code label} is ignored. */
    public boolean ignores(int label) {
        return ignoring && label == ignoreIndex;
    }

    /** Label smoothing ε (0 by default). */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    /** True when only the reduction is set: the loss of the methods without options. */
    public boolean isPlain() {
        return weight == null && !ignoring && labelSmoothing == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LossOptions other && reduction == other.reduction && Arrays.equals(weight, other.weight)
                && ignoring == other.ignoring && ignoreIndex == other.ignoreIndex
                && Double.compare(labelSmoothing, other.labelSmoothing) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(reduction, Arrays.hashCode(weight), ignoring, ignoreIndex, labelSmoothing);
    }

    @Override
    public String toString() {
        return "LossOptions[reduction=" + reduction.label()
                + (weight == null ? "" : ", weight=" + Arrays.toString(weight))
                + (ignoring ? ", ignoreIndex=" + ignoreIndex : "")
                + (labelSmoothing == 0 ? "" : ", labelSmoothing=" + labelSmoothing) + "]";
    }
}
