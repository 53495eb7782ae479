package org.softmaxspi.conformance;

import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/** Test-only, registered with ServiceLoader in the test resources: a provider whose native code "cannot load". */
public final class UnavailableProvider implements SoftmaxProvider {

    static final String NAME = "unavailable-for-test";
    static final String REASON = "libnothing.so: cannot open shared object file";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return -100;
    }

    @Override
    public Availability availability() {
        return Availability.unavailable(REASON);
    }

    @Override
    public BackendInfo backend() {
        return new BackendInfo("none", "0", "never loads");
    }

    @Override
    public SoftmaxKernel createKernel() {
        throw new IllegalStateException(REASON);
    }
}
