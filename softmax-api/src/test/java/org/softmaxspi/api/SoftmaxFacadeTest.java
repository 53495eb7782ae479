package org.softmaxspi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SoftmaxFacadeTest {

    private final FakeProvider provider = new FakeProvider("fake", 0, Availability.ok());
    private final Softmax softmax = Softmax.of(provider);

    private void assertRejected(String parameter, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertThat(e.getMessage()).contains(parameter);
        assertEquals(0, provider.kernelCalls.get(), "the kernel must not be called for bad input");
        assertEquals(0, provider.createCalls.get(), "the backend must not even start for bad input");
    }

    @Test
    void badArguments_areRejectedBeforeTheProvider_namingTheParameterAndValue() {
        float[] z = {1, 2, 3};
        assertRejected("logits: null", () -> softmax.softmax((float[]) null, new int[] {3}, -1));
        assertRejected("shape: null", () -> softmax.softmax(z, null, -1));
        assertRejected("axis 2 out of range for rank 1", () -> softmax.softmax(z, new int[] {3}, 2));
        assertRejected("logits.length 3 != 4", () -> softmax.logSoftmax(z, new int[] {2, 2}, 0));
        assertRejected("upstream.length 2 != y.length 3", () -> softmax.backward(z, new float[2], new int[] {3}, 0));
        assertRejected("labels[0] = 7 out of range [0, 3)",
                () -> softmax.crossEntropy(z, new int[] {1, 3}, 1, new int[] {7}, Reduction.MEAN));
        assertRejected("target row 0 sums to",
                () -> softmax.crossEntropy(z, new int[] {3}, 0, new float[] {0.2f, 0.2f, 0.2f}, Reduction.SUM));
        assertRejected("target[1] = -0.5",
                () -> softmax.crossEntropy(z, new int[] {3}, 0, new float[] {0.5f, -0.5f, 1f}, Reduction.SUM));
        assertRejected("reduction: null",
                () -> softmax.crossEntropy(z, new int[] {3}, 0, new int[] {1}, (Reduction) null));
        assertRejected("out.length 2 != 3", () -> softmax.softmax(z, new int[] {3}, 0, new float[2]));
        assertRejected("out must not be the same array", () -> softmax.softmax(z, new int[] {3}, 0, z));
        assertRejected("lossOut.length 3 != 1", () -> softmax.crossEntropy(z, new int[] {3}, 0, new int[] {1},
                Reduction.MEAN, new float[3], new float[3]));
    }

    @Test
    void targetTolerance_isMaxOfKAnd16UlpsOfOne() {
        double[] almost = {0.5, 0.5 + 10 * Math.ulp(1.0)};
        softmax.crossEntropy(new double[] {1, 2}, new int[] {2}, 0, almost, Reduction.SUM);
        double[] off = {0.5, 0.5 + 20 * Math.ulp(1.0)};
        assertThrows(IllegalArgumentException.class,
                () -> softmax.crossEntropy(new double[] {1, 2}, new int[] {2}, 0, off, Reduction.SUM));
    }

    @Test
    void unsupportedOperation_saysWhichProviderOpAndDtype() {
        Softmax limited = Softmax.of(new FakeProvider("lite", 0, Availability.ok(),
                new Capabilities(EnumSet.of(DType.FLOAT32), EnumSet.of(Op.SOFTMAX))));
        limited.softmax(new float[] {1}, new int[] {1}, 0);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> limited.softmax(new double[] {1}, new int[] {1}, 0));
        assertThat(e.getMessage()).contains("'lite'", "softmax", "float64");
    }

    @Test
    void providerThatFailsToStart_reportsUnavailableWithTheCause_everyTime() {
        FakeProvider failing = new FakeProvider("native", 0, Availability.ok());
        failing.createFailure = new IllegalStateException("libfoo.so: undefined symbol");
        Softmax s = Softmax.of(failing);
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
                () -> s.softmax(new float[] {1}));
        assertThat(e.getMessage()).contains("'native'", "libfoo.so");
        assertThrows(ProviderUnavailableException.class, () -> s.softmax(new float[] {1}));
        assertEquals(1, failing.createCalls.get());
    }

    @Test
    void unavailableProvider_throwsItsReason() {
        Softmax s = Softmax.of(new FakeProvider("gone", 0, Availability.unavailable("no AVX2")));
        ProviderUnavailableException e = assertThrows(ProviderUnavailableException.class,
                () -> s.logSoftmax(new double[] {1}));
        assertThat(e.getMessage()).contains("'gone' is unavailable: no AVX2");
    }

    @Test
    void kernelIsCreatedOnce_lazily() {
        assertEquals(0, provider.createCalls.get());
        softmax.softmax(new float[] {1, 2});
        softmax.softmax(new double[] {1, 2});
        assertEquals(1, provider.createCalls.get());
    }

    @Test
    void layoutOfTheLastCall_isReusedOnlyForTheSameShapeAndAxis() {
        int[] shape = {2, 3};
        float[] z = new float[6];
        softmax.softmax(z, shape, -1, new float[6]);
        softmax.softmax(z, shape, 1, new float[6]);
        assertEquals(2, provider.layouts.size());
        assertThat(provider.layouts.get(1)).isSameAs(provider.layouts.get(0));
        shape[0] = 3;
        shape[1] = 2; // the caller's array changed: its new contents count
        softmax.softmax(z, shape, -1, new float[6]);
        assertArrayEquals(new int[] {3, 2}, provider.layouts.get(2).shape());
        softmax.softmax(z, shape, 0, new float[6]);
        assertEquals(0, provider.layouts.get(3).axis());
        assertThrows(IllegalArgumentException.class, () -> softmax.softmax(z, shape, 2, new float[6]));
        assertThrows(IllegalArgumentException.class, () -> softmax.softmax(new float[5], shape, 0, new float[5]));
        assertEquals(4, provider.kernelCalls.get());
    }

    @Test
    void shapesOfResults() {
        assertArrayEquals(new int[] {2, 5, 3, 3}, Softmax.jacobianShape(new int[] {2, 3, 5}, 1));
        assertArrayEquals(new int[] {2, 5}, Softmax.rowShape(new int[] {2, 3, 5}, -2));
    }
}
