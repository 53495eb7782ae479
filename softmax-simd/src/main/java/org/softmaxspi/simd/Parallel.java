package org.softmaxspi.simd;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Splits a range of independent work units (rows, or column blocks) between the calling thread and
 * up to {@code threads - 1} workers of a private {@link ForkJoinPool} (daemon threads, made on first
 * use). Units are handed out in chunks by an atomic counter, so a busy pool never stalls a call:
 * the caller takes whatever chunks no worker has started. Which thread runs a unit never changes
 * what it computes.
 */
final class Parallel {

    /** A body run on units {@code [from, to)}. */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    final int threads;
    final long threshold;
    private volatile ForkJoinPool pool;

    Parallel(int threads, long threshold) {
        this.threads = threads;
        this.threshold = threshold;
    }

    /** True when work of this size stays on the calling thread. */
    boolean serial(long work, int units) {
        return threads <= 1 || units < 2 || work < threshold;
    }

    /** Runs {@code body} over {@code [0, units)}, split between threads when {@code work} is large enough. */
    void run(int units, long work, Body body) {
        if (serial(work, units)) {
            body.run(0, units);
            return;
        }
        int chunks = (int) Math.min(units, threads * 4L);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(chunks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.run((int) ((long) units * c / chunks), (int) ((long) units * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        };
        ForkJoinPool p = pool();
        for (int i = 1; i < threads && i < chunks; i++) {
            p.execute(worker);
        }
        worker.run();
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    private ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (this) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(Math.max(1, threads - 1));
                    pool = p;
                }
            }
        }
        return p;
    }
}
