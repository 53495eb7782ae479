package org.softmaxspi.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Example;
import net.jqwik.api.Label;
import org.softmaxspi.api.DoubleCrossEntropy;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.Softmax;
import org.softmaxspi.api.SoftmaxProviders;

/**
 * Eight threads call every provider, directly and through the default provider, with layouts that change
 * from call to call (shapes, inner and last axes, four operations, both dtypes), while a ninth thread swaps
 * the default provider: every result must be bit for bit what one thread computed alone, and nothing may
 * throw. {@code -Dfuzz.concurrency.calls} sets the calls per thread (default 400).
 */
class ConcurrencyTest {

    /** The layouts the threads switch between: shape and axis. */
    private static final int[][] SHAPES = {{7}, {3, 50}, {50, 3}, {2, 5, 9}, {1, 1000}, {16, 33}, {4, 0, 3}};
    private static final int[] AXES = {-1, 1, 0, 1, -1, 0, -1};

    private record Key(String provider, int layout, int op) {
    }

    @Example
    @Label("8 threads on every provider while the default changes: results identical to one thread")
    void threadsGetTheSingleThreadedBits() throws InterruptedException {
        List<Softmax> providers = FuzzProviders.all();
        SplittableRandom random = new SplittableRandom(20261207);
        double[][] inputs = new double[SHAPES.length][];
        for (int i = 0; i < SHAPES.length; i++) {
            int n = Arrays.stream(SHAPES[i]).reduce(1, (a, b) -> a * b);
            inputs[i] = new double[n];
            for (int j = 0; j < n; j++) {
                inputs[i][j] = random.nextDouble(-30, 30);
            }
        }
        Map<Key, double[]> expected = new HashMap<>();
        for (Softmax s : providers) {
            for (int l = 0; l < SHAPES.length; l++) {
                for (int op = 0; op < 4; op++) {
                    expected.put(new Key(s.name(), l, op), call(s, op, inputs[l], SHAPES[l], AXES[l]));
                }
            }
        }
        int calls = Integer.getInteger("fuzz.concurrency.calls", 400);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong swaps = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    start.await();
                    for (int i = 0; i < calls && problems.isEmpty(); i++) {
                        int l = r.nextInt(SHAPES.length);
                        int op = r.nextInt(4);
                        Softmax s = r.nextBoolean() ? SoftmaxProviders.getDefault()
                                : providers.get(r.nextInt(providers.size()));
                        double[] got = call(s, op, inputs[l], SHAPES[l], AXES[l]);
                        double[] want = expected.get(new Key(s.name(), l, op));
                        if (!Arrays.equals(got, want)) {
                            problems.add(s.name() + " op " + op + " shape " + Arrays.toString(SHAPES[l]) + " axis "
                                    + AXES[l] + ": differs from the single-threaded result");
                        }
                    }
                } catch (Throwable e) {
                    problems.add(Thread.currentThread().getName() + " threw " + e);
                }
            }, "caller-" + t));
        }
        Thread swapper = new Thread(() -> {
            try {
                start.await();
                for (int i = 0; !done.get(); i++) {
                    SoftmaxProviders.setDefault(providers.get(i % providers.size()).name());
                    swaps.incrementAndGet();
                    Thread.onSpinWait();
                }
            } catch (Throwable e) {
                problems.add("swapper threw " + e);
            }
        }, "swapper");
        threads.forEach(Thread::start);
        swapper.start();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        done.set(true);
        swapper.join();
        SoftmaxProviders.clearDefault();
        assertEquals(List.of(), List.copyOf(problems));
        assertTrue(swaps.get() > 0, "the default was swapped");
    }

    /** One of four operations, widened to double: softmax f32, log-softmax f64, backward f32, CE(labels) f64. */
    static double[] call(Softmax s, int op, double[] z, int[] shape, int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        int k = shape[a];
        int n = z.length;
        return switch (op) {
            case 0 -> widen(s.softmax(narrow(z), shape, axis));
            case 1 -> s.logSoftmax(z, shape, axis);
            case 2 -> {
                float[] y = s.softmax(narrow(z), shape, axis);
                float[] g = narrow(z);
                yield widen(s.backward(y, g, shape, axis));
            }
            default -> {
                if (k == 0) {
                    yield new double[0];
                }
                int[] labels = new int[k == 0 ? 0 : n / k];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = i % k;
                }
                DoubleCrossEntropy ce = s.crossEntropy(z, shape, axis, labels, Reduction.NONE);
                double[] both = Arrays.copyOf(ce.loss(), ce.loss().length + ce.gradient().length);
                System.arraycopy(ce.gradient(), 0, both, ce.loss().length, ce.gradient().length);
                yield both;
            }
        };
    }

    private static float[] narrow(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
