package org.softmaxspi.reference;

import org.softmaxspi.api.Accuracy;
import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Op;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/**
 * The pure-Java reference provider, {@code "reference"}: exact (every result within 0.5 ulp plus a
 * hair in float64, 1 ulp in float32), dependency-free, always available, all operations and dtypes.
 * Lowest priority (0), so a native backend is the default when one is present; it is the quality
 * bar the others are compared with.
 */
public final class ReferenceProvider implements SoftmaxProvider {

    /** The provider's name: {@value}. */
    public static final String NAME = "reference";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.ok();
    }

    @Override
    public BackendInfo backend() {
        return new BackendInfo("Java", System.getProperty("java.version", "unknown"),
                "double-double arithmetic, single thread");
    }

    /**
     * Correctly rounded for every operation, dtype and layout: double-double arithmetic (TwoSum of
     * {@code z - m} carried into a double-double exp, double-double sums, log1p of the non-maximal
     * terms) rounded once, so every result is within 1 ulp of the exact value in plain ulps.
     */
    @Override
    public Accuracy accuracy(Op op, DType dtype, Layout layout) {
        return Accuracy.correctlyRounded();
    }

    @Override
    public SoftmaxKernel createKernel() {
        return new ReferenceKernel();
    }
}
