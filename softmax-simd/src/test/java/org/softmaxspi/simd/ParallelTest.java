package org.softmaxspi.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The thread splitting: every unit exactly once, from one caller or many, with spinning or parked workers (the workers spin 50 µs, then park). */
class ParallelTest {

    private static void assertEachUnitOnce(Parallel par, int units, String what) {
        AtomicIntegerArray runs = new AtomicIntegerArray(units);
        par.run(units, Long.MAX_VALUE, (a, b) -> {
            for (int u = a; u < b; u++) {
                runs.incrementAndGet(u);
            }
        });
        for (int u = 0; u < units; u++) {
            assertEquals(1, runs.get(u), what + ": unit " + u + " of " + units);
        }
    }

    @Test
    void everyUnitRunsOnceAlsoAfterWorkersParked() throws InterruptedException {
        Parallel par = new Parallel(3, 0);
        for (int call = 0; call < 200; call++) {
            assertEachUnitOnce(par, 1 + call % 37, "call " + call);
            if (call % 50 == 0) {
                Thread.sleep(2); // let the workers park
            }
        }
    }

    @Test
    void concurrentCallersEachGetAllTheirUnits() throws Exception {
        Parallel one = new Parallel(1, 0);
        Parallel two = new Parallel(2, 0);
        Parallel four = new Parallel(4, 0);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int caller = c;
                done.add(callers.submit(() -> {
                    for (int call = 0; call < 300; call++) {
                        Parallel par = caller == 0 ? one : caller == 1 ? two : four;
                        assertEachUnitOnce(par, 5 + (call + caller) % 50, "caller " + caller + " call " + call);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aFailureInAnyUnitReachesTheCaller() {
        Parallel par = new Parallel(2, 0);
        IllegalStateException boom = new IllegalStateException("unit 17 failed");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> par.run(40, Long.MAX_VALUE,
                (a, b) -> {
                    if (a <= 17 && 17 < b) {
                        throw boom;
                    }
                }));
        assertSame(boom, thrown);
        assertEachUnitOnce(par, 40, "the call after a failure");
    }
}
