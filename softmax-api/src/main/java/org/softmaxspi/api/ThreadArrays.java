package org.softmaxspi.api;

import java.lang.ref.SoftReference;

/**
 * Per-thread arrays for the SPI's default buffer methods, which go through the array methods: a
 * call copies a buffer into one of these instead of a fresh array. Fresh arrays of a 128×32000 batch
 * (16 MB each) are humongous objects for G1, and allocating two per call made the simd provider's
 * buffer path 6–7× its array path here; reused, only the two copies remain.
 *
 * <p>Kernels may use them for their own scratch (the simd provider's options do) in calls that the
 * buffer defaults do not wrap: a kernel's array method with options is never reached through them.
 *
 * <p>Each thread keeps, per slot (inputs 0 and 1, outputs 2 and 3), the last array handed out; a
 * call with another length replaces it. The arrays are softly referenced, so the garbage collector
 * may reclaim them under memory pressure. Never shared between threads; an array is valid until the
 * same thread asks for the same slot again.
 */
public final class ThreadArrays {

    /** Slots per thread and element type: 0 to 3. */
    public static final int SLOTS = 4;

    private static final ThreadLocal<SoftReference<Object[]>> ARRAYS = new ThreadLocal<>();

    private ThreadArrays() {
    }

    /** This thread's float array of exactly {@code n} elements in {@code slot} (contents undefined). */
    public static float[] floats(int slot, int n) {
        Object[] a = arrays();
        if (a[slot] instanceof float[] f && f.length == n) {
            return f;
        }
        float[] f = new float[n];
        a[slot] = f;
        return f;
    }

    /** This thread's double array of exactly {@code n} elements in {@code slot} (contents undefined). */
    public static double[] doubles(int slot, int n) {
        Object[] a = arrays();
        if (a[slot] instanceof double[] d && d.length == n) {
            return d;
        }
        double[] d = new double[n];
        a[slot] = d;
        return d;
    }

    /** This thread's boolean array of exactly {@code n} elements in {@code slot} (contents undefined). */
    public static boolean[] booleans(int slot, int n) {
        Object[] a = arrays();
        if (a[SLOTS + slot] instanceof boolean[] b && b.length == n) {
            return b;
        }
        boolean[] b = new boolean[n];
        a[SLOTS + slot] = b;
        return b;
    }

    private static Object[] arrays() {
        SoftReference<Object[]> ref = ARRAYS.get();
        Object[] a = ref == null ? null : ref.get();
        if (a == null) {
            a = new Object[2 * SLOTS];
            ARRAYS.set(new SoftReference<>(a));
        }
        return a;
    }
}
