package org.softmaxspi.api;

/** The provider exists but cannot work here; the message gives its reason and the available names. */
public final class ProviderUnavailableException extends SoftmaxProviderException {
    private static final long serialVersionUID = 1L;

    public ProviderUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
