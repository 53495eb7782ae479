package org.softmaxspi.api;

import java.util.Arrays;
import java.util.Objects;

/**
 * Options of softmax, log-softmax, the Jacobian and the backward passes: a temperature, a mask and
 * the policy for rows with nothing left to normalize. Immutable; start from {@link #defaults()} and
 * derive with the {@code with...} methods.
 *
 * <ul>
 *   <li><b>temperature</b> T &gt; 0 (PyTorch/JAX: divide the logits by T first): softmax(z / T), computed
 *       as {@code (z - m) / T} so that a large T costs no accuracy. The backward passes and the Jacobian
 *       carry the factor 1/T (they are derivatives with respect to z). T = 1 gives results identical, bit
 *       for bit, to the methods without options. T is used in the data's dtype (float32 data: T rounded to
 *       float).</li>
 *   <li><b>mask</b> (JAX {@code where=}, PyTorch boolean {@code attn_mask}: {@code true} takes part):
 *       either shaped as the data (one flag per element) or of length K (one slice along the axis,
 *       broadcast over every slice). Masked-out entries get probability 0 and log-probability
 *       {@code -∞}, take no part in the max or the sum (a NaN or {@code +∞} there is ignored), and
 *       get gradient 0 in the backward passes and a zero row and column in the Jacobian.</li>
 *   <li><b>masked rows</b> ({@link MaskedRows}): a row with no unmasked entry, or without a mask a row
 *       of {@code -∞}, is NaN ({@link MaskedRows#NAN}, the default) or zeros ({@link MaskedRows#ZERO},
 *       "safe softmax"; log-softmax {@code -∞}; Jacobian zeros).</li>
 * </ul>
 * The backward passes take y (or the log-softmax) as the forward pass with the same options gave it;
 * masked-out entries of their result are 0 whatever y and the upstream gradient hold there.
 */
public final class SoftmaxOptions {

    private static final SoftmaxOptions DEFAULTS = new SoftmaxOptions(1.0, null, MaskedRows.NAN);

    private final double temperature;
    private final boolean[] mask;
    private final MaskedRows maskedRows;

    private SoftmaxOptions(double temperature, boolean[] mask, MaskedRows maskedRows) {
        this.temperature = temperature;
        this.mask = mask;
        this.maskedRows = maskedRows;
    }

    /** Temperature 1, no mask, {@link MaskedRows#NAN}: the plain operations. */
    public static SoftmaxOptions defaults() {
        return DEFAULTS;
    }

    /**
     * These options with temperature {@code t}.
     *
     * @throws IllegalArgumentException naming {@code temperature} when {@code t} is not finite and positive
     */
    public SoftmaxOptions withTemperature(double t) {
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("temperature: " + t + " (must be finite and > 0)");
        }
        return new SoftmaxOptions(t, mask, maskedRows);
    }

    /**
     * These options with a mask ({@code true} = takes part), copied; {@code null} removes the mask. Its
     * length must be the data's or the axis length K; the facade checks it against each call's shape.
     */
    public SoftmaxOptions withMask(boolean[] mask) {
        return new SoftmaxOptions(temperature, mask == null ? null : mask.clone(), maskedRows);
    }

    /**
     * These options with the policy for rows with nothing to normalize.
     *
     * @throws IllegalArgumentException naming {@code maskedRows} when it is null
     */
    public SoftmaxOptions withMaskedRows(MaskedRows policy) {
        if (policy == null) {
            throw new IllegalArgumentException("maskedRows: null");
        }
        return new SoftmaxOptions(temperature, mask, policy);
    }

    /** The temperature T (1 by default). */
    public double temperature() {
        return temperature;
    }

    /** T as data of {@code dtype} uses it: rounded to float for float32, as the contract says. */
    public double temperature(DType dtype) {
        return dtype == DType.FLOAT32 ? (float) temperature : temperature;
    }

    /** True when a mask is set. */
    public boolean hasMask() {
        return mask != null;
    }

    /** A copy of the mask, or null. */
    public boolean[] mask() {
        return mask == null ? null : mask.clone();
    }

    /** The mask's length (0 without a mask). */
    public int maskLength() {
        return mask == null ? 0 : mask.length;
    }

    /**
     * Whether element {@code index} of data laid out as {@code layout} takes part: true without a mask;
     * with a per-slice mask (length K) the flag of its position along the axis.
     */
    public boolean keeps(int index, Layout layout) {
        if (mask == null) {
            return true;
        }
        if (mask.length == layout.size()) {
            return mask[index];
        }
        return mask[(index / layout.inner()) % layout.axisLength()];
    }

    /** True when the mask has one flag per slice position (length K) rather than one per element. */
    public boolean isSliceMask(Layout layout) {
        return mask != null && mask.length != layout.size();
    }

    /** Copies {@code length} mask flags from {@code from} into {@code dst} at {@code offset} (for kernels). */
    public void copyMask(int from, boolean[] dst, int offset, int length) {
        System.arraycopy(Objects.requireNonNull(mask, "no mask"), from, dst, offset, length);
    }

    /** The policy for rows with nothing to normalize. */
    public MaskedRows maskedRows() {
        return maskedRows;
    }

    /** True when these options change nothing: T = 1, no mask, {@link MaskedRows#NAN}. */
    public boolean isDefault() {
        return temperature == 1.0 && mask == null && maskedRows == MaskedRows.NAN;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SoftmaxOptions other && Double.compare(temperature, other.temperature) == 0
                && Arrays.equals(mask, other.mask) && maskedRows == other.maskedRows;
    }

    @Override
    public int hashCode() {
        return Objects.hash(temperature, Arrays.hashCode(mask), maskedRows);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("SoftmaxOptions[temperature=").append(temperature);
        if (mask != null) {
            int kept = 0;
            for (boolean m : mask) {
                kept += m ? 1 : 0;
            }
            b.append(", mask=").append(kept).append(" of ").append(mask.length).append(" kept");
        }
        return b.append(", maskedRows=").append(maskedRows.label()).append(']').toString();
    }
}
