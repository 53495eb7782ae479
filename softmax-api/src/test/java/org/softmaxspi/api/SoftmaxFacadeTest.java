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
    void badOptions_areRejectedWhereTheyAreMade_orBeforeTheProvider() {
        SoftmaxOptions o = SoftmaxOptions.defaults();
        LossOptions lo = LossOptions.of(Reduction.MEAN);
        assertRejected("temperature: 0.0", () -> o.withTemperature(0));
        assertRejected("temperature: -1.0", () -> o.withTemperature(-1));
        assertRejected("temperature: NaN", () -> o.withTemperature(Double.NaN));
        assertRejected("temperature: Infinity", () -> o.withTemperature(Double.POSITIVE_INFINITY));
        assertRejected("maskedRows: null", () -> o.withMaskedRows(null));
        assertRejected("labelSmoothing: 1.5", () -> lo.withLabelSmoothing(1.5));
        assertRejected("labelSmoothing: -0.1", () -> lo.withLabelSmoothing(-0.1));
        assertRejected("labelSmoothing: NaN", () -> lo.withLabelSmoothing(Double.NaN));
        assertRejected("weight[1]: -2.0", () -> lo.withWeight(new double[] {1, -2}));
        assertRejected("weight[0]: NaN", () -> lo.withWeight(new double[] {Double.NaN}));
        assertRejected("reduction: null", () -> LossOptions.of(null));
        float[] z = {1, 2, 3, 4, 5, 6};
        int[] shape = {2, 3};
        assertRejected("mask.length 4 is neither the data's length 6 nor the axis length 3",
                () -> softmax.softmax(z, shape, -1, o.withMask(new boolean[4])));
        assertRejected("options: null", () -> softmax.backward(z, z.clone(), shape, -1, (SoftmaxOptions) null));
        assertRejected("weight.length 2 != 3, the number of classes",
                () -> softmax.crossEntropy(z, shape, -1, new int[] {0, 1}, lo.withWeight(new double[] {1, 1})));
        assertRejected("ignoreIndex: 0 given with probability targets",
                () -> softmax.crossEntropy(z, shape, -1, new float[] {1, 0, 0, 0, 1, 0}, lo.withIgnoreIndex(0)));
        assertRejected("labels[1] = -1 out of range [0, 3) and not the ignored label -100",
                () -> softmax.crossEntropy(z, shape, -1, new int[] {0, -1}, lo.withIgnoreIndex(-100)));
        assertRejected("labelSmoothing: 0.2 given for nll",
                () -> softmax.nll(z, shape, -1, new int[] {0, 1}, lo.withLabelSmoothing(0.2)));
        assertRejected("labels[0] = 3 out of range", () -> softmax.nll(z, shape, -1, new int[] {3, 1}, lo));
        assertRejected("options: null", () -> softmax.nll(z, shape, -1, new int[] {0, 1}, null));
    }

    @Test
    void options_areImmutableValues() {
        boolean[] mask = {true, false, true};
        SoftmaxOptions o = SoftmaxOptions.defaults().withMask(mask).withTemperature(2);
        mask[0] = false;
        assertThat(o.keeps(0, Layout.of(new int[] {3}, 0))).isTrue();
        o.mask()[0] = false;
        assertThat(o.keeps(0, Layout.of(new int[] {3}, 0))).isTrue();
        assertThat(SoftmaxOptions.defaults().isDefault()).isTrue();
        assertThat(o.isDefault()).isFalse();
        assertEquals(o, SoftmaxOptions.defaults().withTemperature(2).withMask(new boolean[] {true, false, true}));
        double[] w = {1, 2};
        LossOptions lo = LossOptions.of(Reduction.SUM).withWeight(w);
        w[0] = 5;
        assertEquals(1.0, lo.weight(0));
        assertThat(lo.ignores(-100)).isFalse();
        assertThat(lo.withIgnoreIndex(-100).ignores(-100)).isTrue();
        assertThat(LossOptions.of(Reduction.MEAN).isPlain()).isTrue();
        // a slice mask (length K) applies to every row along any axis: shape [3, 2], axis 0, K = 3
        SoftmaxOptions slice = SoftmaxOptions.defaults().withMask(new boolean[] {true, false, true});
        Layout axis0 = Layout.of(new int[] {3, 2}, 0);
        assertThat(slice.keeps(2, axis0)).isFalse(); // element (1, 0): position 1 along the axis
        assertThat(slice.keeps(5, axis0)).isTrue();  // element (2, 1)
    }

    /** The SPI's option methods: plain options reach the plain method; others are unsupported by default. */
    @Test
    void kernelsWithoutOptions_getThePlainCall_orUnsupportedOperation() {
        java.util.List<String> plainCalls = new java.util.ArrayList<>();
        SoftmaxKernel k = (SoftmaxKernel) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SoftmaxKernel.class}, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    plainCalls.add(method.getName());
                    return null;
                });
        Layout l = Layout.of(new int[] {3}, 0);
        float[] z = {1, 2, 3};
        k.softmax(z, l, SoftmaxOptions.defaults(), new float[3]);
        k.crossEntropy(z, l, new int[] {0}, LossOptions.of(Reduction.SUM), new float[1], new float[3]);
        assertEquals(java.util.List.of("softmax", "crossEntropy"), plainCalls);
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> k.softmax(z, l, SoftmaxOptions.defaults().withTemperature(2), new float[3]));
        assertThat(e.getMessage()).contains("does not implement softmax with SoftmaxOptions[temperature=2.0");
        assertThrows(UnsupportedOperationException.class, () -> k.crossEntropy(z, l, new int[] {0},
                LossOptions.of(Reduction.SUM).withLabelSmoothing(0.1), new float[1], new float[3]));
        assertThrows(UnsupportedOperationException.class,
                () -> k.nll(z, l, new int[] {0}, LossOptions.of(Reduction.SUM), new float[1], new float[3]));
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
