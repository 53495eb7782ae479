package org.softmaxspi.simd;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits a range of independent work units (rows, segments or column blocks) between the calling
 * thread and up to {@code threads - 1} worker threads. The workers are daemon threads shared by
 * every kernel in the JVM (as many as the largest {@code threads - 1} asked for, made on first
 * use, kept for the JVM's life like the common ForkJoinPool's). Units are handed
 * out in chunks by an atomic counter, so a busy or sleeping worker never stalls a call: the caller
 * takes whatever chunks no worker has started, and waits only for chunks already started. Which
 * thread runs a unit never changes what it computes.
 *
 * <p>A worker that finished a call's chunks spins for 50 µs ({@code -Dsoftmax.simd.spinMicros};
 * 0 parks at once) before it parks, so that back-to-back calls of 50–500 µs
 * reach a worker that is already awake: waking a parked thread took tens of microseconds on the
 * 2-core VM measured, which made such calls gain nothing from a second thread (OpenMP, under
 * PyTorch and ND4J, spins for the same reason, by default much longer).
 */
final class Parallel {

    /** A body run on units {@code [from, to)}. */
    @FunctionalInterface
    interface Body {
        void run(int from, int to);
    }

    /** One call's work: its chunks, handed out by {@code next}; {@code unfinished} counts down to 0. */
    private static final class Job {
        final Body body;
        final int units;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger unfinished;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Workers that may join: the caller's {@code threads - 1}. */
        final int helpers;
        final AtomicInteger joined = new AtomicInteger();

        Job(Body body, int units, int chunks, int helpers) {
            this.body = body;
            this.units = units;
            this.chunks = chunks;
            this.unfinished = new AtomicInteger(chunks);
            this.helpers = helpers;
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.run((int) ((long) units * c / chunks), (int) ((long) units * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    unfinished.decrementAndGet();
                }
            }
        }
    }

    private static final class Worker implements Runnable {
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            thread = new Thread(this, "softmax-simd-" + index);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            Job done = null;
            long idleSince = System.nanoTime();
            while (true) {
                Job j = JOB.get();
                if (j != null && j != done) {
                    done = j;
                    if (j.joined.incrementAndGet() <= j.helpers) {
                        j.work();
                    }
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    Job now = JOB.get();
                    if (now == null || now == done) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = SimdConfig.spinMicros() * 1000;

    final int threads;
    final long threshold;
    /** The newest call's job, cleared when it ends (so that it does not keep the caller's arrays alive). */
    private static final AtomicReference<Job> JOB = new AtomicReference<>();
    private static volatile Worker[] workers = new Worker[0];

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
        Job j = new Job(body, units, (int) Math.min(units, threads * 4L), threads - 1);
        JOB.set(j);
        for (Worker w : workers(threads - 1)) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
        j.work();
        // only chunks that a worker has started are left; they finish soon
        for (int spins = 0; j.unfinished.get() > 0; spins++) {
            if (spins < 1 << 16) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        JOB.compareAndSet(j, null);
        Throwable t = j.failure.get();
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

    /** At least {@code n} shared workers. */
    private static Worker[] workers(int n) {
        Worker[] w = workers;
        if (w.length >= n) {
            return w;
        }
        synchronized (Parallel.class) {
            w = workers;
            if (w.length < n) {
                Worker[] more = java.util.Arrays.copyOf(w, n);
                for (int i = w.length; i < n; i++) {
                    more[i] = new Worker(i + 1);
                    more[i].thread.start();
                }
                workers = more;
                w = more;
            }
        }
        return w;
    }
}
