package org.softmaxspi.onnxruntime;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.softmaxspi.conformance.ConformanceTests;

/**
 * The whole TCK on the onnxruntime provider (ONNX Runtime's own kernels), held to its declared accuracy. Fails
 * when the provider is unavailable here, unless it is skipped on purpose with {@code -Dsoftmax.tck.skip=onnxruntime}.
 */
class OnnxRuntimeConformanceTest {

    @TestFactory
    Stream<DynamicNode> tck() {
        return ConformanceTests.forProvider(OnnxRuntimeProvider.NAME);
    }
}
