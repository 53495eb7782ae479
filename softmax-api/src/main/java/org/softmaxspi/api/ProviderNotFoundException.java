package org.softmaxspi.api;

/** No provider has the requested name; the message lists the names there are. */
public final class ProviderNotFoundException extends SoftmaxProviderException {
    private static final long serialVersionUID = 1L;

    public ProviderNotFoundException(String message) {
        super(message, null);
    }
}
