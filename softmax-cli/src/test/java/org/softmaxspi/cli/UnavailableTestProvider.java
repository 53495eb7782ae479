package org.softmaxspi.cli;

import org.softmaxspi.api.Availability;
import org.softmaxspi.api.BackendInfo;
import org.softmaxspi.api.SoftmaxKernel;
import org.softmaxspi.api.SoftmaxProvider;

/** Test-only: a provider whose "native library" never loads. */
public final class UnavailableTestProvider implements SoftmaxProvider {
    @Override
    public String name() {
        return "broken-native";
    }

    @Override
    public int priority() {
        return 1000;
    }

    @Override
    public Availability availability() {
        return Availability.unavailable("libtest.so: cannot open shared object file");
    }

    @Override
    public BackendInfo backend() {
        return new BackendInfo("test", "0", "");
    }

    @Override
    public SoftmaxKernel createKernel() {
        throw new AssertionError("never created");
    }
}
