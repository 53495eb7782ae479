package org.softmaxspi.api;

/** The base of the errors about choosing a provider. */
public class SoftmaxProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SoftmaxProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
