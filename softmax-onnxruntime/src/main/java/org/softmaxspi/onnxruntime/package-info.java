/**
 * The {@code "onnxruntime"} provider: softmax and its relatives as small ONNX graphs run by ONNX Runtime's
 * CPU execution provider. {@link org.softmaxspi.onnxruntime.OnnxRuntimeProvider} is the only public type; it
 * is registered with {@link java.util.ServiceLoader} and used through {@code org.softmaxspi.api.SoftmaxProviders}.
 */
package org.softmaxspi.onnxruntime;
