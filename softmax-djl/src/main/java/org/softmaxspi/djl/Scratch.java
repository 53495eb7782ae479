package org.softmaxspi.djl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One thread's reusable direct input buffers. A tensor made with
 * {@code manager.create(directByteBuffer, shape, dtype)} aliases the buffer ({@code torch::from_blob}),
 * so refilling a buffer replaces the per-call allocation and copy DJL makes for a Java array.
 *
 * <p>Bounded: at most {@link #SLOTS} buffers of at most {@link #MAX_BYTES} each per thread; larger
 * inputs are not pooled. A buffer is only ever aliased by tensors of the current call on its own
 * thread, and those are closed (with the call's manager) before the call returns.
 */
final class Scratch {

    /** Input slots: 0 and 1 for float data, 2 for labels. */
    static final int SLOTS = 3;

    /** The largest pooled buffer: 4 MiB (1 M floats, 512 Ki doubles). */
    static final int MAX_BYTES = 4 << 20;

    private static final int MIN_BYTES = 4096;

    private final ByteBuffer[] buffers = new ByteBuffer[SLOTS];

    /**
     * A native-order direct buffer of exactly {@code bytes} remaining (position 0, limit {@code bytes}),
     * or null when {@code bytes} exceeds {@link #MAX_BYTES}.
     */
    ByteBuffer get(int slot, int bytes) {
        if (bytes > MAX_BYTES) {
            return null;
        }
        ByteBuffer b = buffers[slot];
        if (b == null || b.capacity() < bytes) {
            int cap = Math.max(MIN_BYTES, Integer.highestOneBit(Math.max(1, bytes - 1)) << 1);
            b = ByteBuffer.allocateDirect(Math.min(cap, MAX_BYTES)).order(ByteOrder.nativeOrder());
            buffers[slot] = b;
        }
        b.clear();
        b.limit(bytes);
        return b;
    }
}
