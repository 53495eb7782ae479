package org.softmaxspi.nd4j;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small least-recently-used cache of native scratch buffers, owned by one thread (the kernel keeps
 * one per thread in a {@link ThreadLocal}; it is not thread-safe by itself).
 *
 * <p>Bounded twice: at most {@code maxEntries} entries and at most {@code maxBytes} bytes in total.
 * An entry that alone exceeds {@code maxBytes} is used for one call and closed right after
 * ({@link #release}); evicted entries are closed at once, so their native memory is freed without
 * waiting for the garbage collector.
 *
 * @param <K> the key (shape, axis and dtype)
 * @param <V> the buffers
 */
final class ScratchCache<K, V extends ScratchCache.Entry> {

    /** A cached value: knows its native size and frees it on close. */
    interface Entry extends AutoCloseable {
        /** The native bytes currently held. */
        long bytes();

        @Override
        void close();
    }

    private final int maxEntries;
    private final long maxBytes;
    private final LinkedHashMap<K, V> map = new LinkedHashMap<>(16, 0.75f, true);

    ScratchCache(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", maxBytes " + maxBytes);
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** The entry for {@code key}, made by {@code factory} when absent; it becomes the most recent. */
    V acquire(K key, Function<K, V> factory) {
        V v = map.get(key);
        if (v == null) {
            v = factory.apply(key);
            map.put(key, v);
        }
        return v;
    }

    /**
     * Called after each use of {@code key}'s entry (which may have grown): closes it if it alone is
     * over the byte budget, then evicts and closes the least recently used others until both bounds hold.
     */
    void release(K key) {
        V used = map.get(key);
        if (used != null && used.bytes() > maxBytes) {
            map.remove(key);
            used.close();
        }
        long total = 0;
        for (V v : map.values()) {
            total += v.bytes();
        }
        Iterator<Map.Entry<K, V>> it = map.entrySet().iterator();
        while ((map.size() > maxEntries || total > maxBytes) && it.hasNext()) {
            Map.Entry<K, V> e = it.next();
            if (e.getKey().equals(key) && map.size() == 1) {
                break;
            }
            total -= e.getValue().bytes();
            e.getValue().close();
            it.remove();
        }
    }

    /** Closes every entry. */
    void clear() {
        for (V v : map.values()) {
            v.close();
        }
        map.clear();
    }

    int size() {
        return map.size();
    }

    long bytes() {
        long total = 0;
        for (V v : map.values()) {
            total += v.bytes();
        }
        return total;
    }

    boolean contains(K key) {
        return map.containsKey(key);
    }
}
