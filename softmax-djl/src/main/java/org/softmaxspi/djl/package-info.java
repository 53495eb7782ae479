/**
 * The {@code "djl"} provider: softmax and its relatives computed with DJL {@code NDArray} ops on the
 * PyTorch engine. {@link org.softmaxspi.djl.DjlProvider} is the only public type; it is registered
 * with {@link java.util.ServiceLoader} and used through {@code org.softmaxspi.api.SoftmaxProviders}.
 */
package org.softmaxspi.djl;
