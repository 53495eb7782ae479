package org.softmaxspi.api;

/**
 * A float64 cross-entropy result. The arrays are fresh and belong to the caller.
 *
 * @param loss     one value for {@link Reduction#MEAN} and {@link Reduction#SUM}; one per row,
 *                 shaped as the logits without the class axis, for {@link Reduction#NONE}
 * @param gradient dL/dlogits, shaped as the logits
 */
public record DoubleCrossEntropy(double[] loss, double[] gradient) {

    /**
     * The loss of a reduced result.
     *
     * @throws IllegalStateException if the result holds one loss per row
     */
    public double scalarLoss() {
        if (loss.length != 1) {
            throw new IllegalStateException("loss has " + loss.length + " values (reduction none); no scalar");
        }
        return loss[0];
    }
}
