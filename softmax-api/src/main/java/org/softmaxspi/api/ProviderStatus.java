package org.softmaxspi.api;

import java.util.Optional;

/**
 * One entry of {@link SoftmaxProviders#all()}: a provider found by {@link java.util.ServiceLoader}
 * and whether it can be used, or a broken {@code META-INF/services} entry that could not even be
 * instantiated (then {@link #provider()} is empty, the name is the class name from the entry and
 * the availability gives the error).
 *
 * @param name         the provider's name
 * @param priority     its priority ({@link Integer#MIN_VALUE} for a broken entry)
 * @param availability whether it works here, and why not
 * @param backend      its backend's library and version
 */
public record ProviderStatus(String name, int priority, Availability availability, BackendInfo backend,
                             Optional<SoftmaxProvider> provider) {

    /** Shorthand for {@code availability().available()}. */
    public boolean available() {
        return availability.available();
    }
}
