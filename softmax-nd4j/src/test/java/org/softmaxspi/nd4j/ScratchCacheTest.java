package org.softmaxspi.nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScratchCacheTest {

    static final class Buf implements ScratchCache.Entry {
        final String name;
        long size;
        boolean closed;

        Buf(String name, long size) {
            this.name = name;
            this.size = size;
        }

        @Override
        public long bytes() {
            return size;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void reusesAnEntryAndEvictsTheLeastRecentlyUsedBeyondTheCount() {
        ScratchCache<String, Buf> c = new ScratchCache<>(2, 1000);
        List<Buf> made = new ArrayList<>();
        Buf a = c.acquire("a", k -> add(made, new Buf(k, 10)));
        c.release("a");
        assertSame(a, c.acquire("a", k -> add(made, new Buf(k, 10))));
        c.release("a");
        c.acquire("b", k -> add(made, new Buf(k, 10)));
        c.release("b");
        c.acquire("a", k -> add(made, new Buf(k, 10))); // a is now the most recent
        c.release("a");
        c.acquire("c", k -> add(made, new Buf(k, 10)));
        c.release("c");
        assertEquals(3, made.size());
        assertTrue(made.get(1).closed, "b was least recently used");
        assertFalse(a.closed);
        assertEquals(2, c.size());
    }

    @Test
    void boundsTheBytesAndNeverKeepsAnOversizedEntry() {
        ScratchCache<String, Buf> c = new ScratchCache<>(8, 100);
        Buf a = c.acquire("a", k -> new Buf(k, 60));
        c.release("a");
        Buf b = c.acquire("b", k -> new Buf(k, 60));
        c.release("b");
        assertTrue(a.closed, "a evicted to stay within 100 bytes");
        assertFalse(b.closed);
        Buf big = c.acquire("big", k -> new Buf(k, 500));
        assertFalse(big.closed, "usable during the call");
        c.release("big");
        assertTrue(big.closed, "closed right after the call");
        assertFalse(c.contains("big"));
        assertTrue(c.bytes() <= 100);
        // an entry that grows during use is accounted for on release
        b.size = 150;
        c.acquire("b", k -> new Buf(k, 0));
        c.release("b");
        assertTrue(b.closed);
        c.clear();
        assertEquals(0, c.size());
    }

    private static Buf add(List<Buf> list, Buf b) {
        list.add(b);
        return b;
    }
}
