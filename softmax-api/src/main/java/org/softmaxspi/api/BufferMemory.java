package org.softmaxspi.api;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * Whether two NIO buffers share memory between their positions and limits, also when they are
 * different views (duplicates, slices, read-only views, views of one {@code ByteBuffer}) of one
 * memory region, heap or native.
 *
 * <p>The JDK has no public query for this before Java 22. On Java 22 and later this asks the
 * Foreign Function & Memory API ({@code MemorySegment.ofBuffer(b).asOverlappingSlice(...)}, public
 * and unrestricted, called reflectively because the library compiles for Java 17). On Java 17 to 21
 * it reads each buffer's base object and address the way {@code MemorySegment.ofBuffer} does
 * internally, through {@code sun.misc.Unsafe} (reads only: {@code java.nio.Buffer.address}, and the
 * backing array of a heap buffer or of the {@code ByteBuffer} a view was made from). Where neither
 * works (another JVM), buffers over accessible arrays are compared by array and index, two direct
 * buffers are taken to overlap only when they are the same object, and that is all.
 */
final class BufferMemory {

    private static final Strategy STRATEGY = strategy();

    private BufferMemory() {
    }

    /** Whether {@code a}'s and {@code b}'s elements between position and limit share memory. */
    static boolean overlap(Buffer a, Buffer b) {
        if (a == b) {
            return a.hasRemaining();
        }
        if (!a.hasRemaining() || !b.hasRemaining() || a.isDirect() != b.isDirect()) {
            return false;
        }
        return STRATEGY.overlap(a, b);
    }

    /** How {@link #overlap} was decided on this JVM (for tests and diagnostics). */
    static String strategyName() {
        return STRATEGY.name();
    }

    private interface Strategy {
        boolean overlap(Buffer a, Buffer b);

        String name();
    }

    private static Strategy strategy() {
        if (Runtime.version().feature() >= 22) {
            try {
                return new Segments();
            } catch (ReflectiveOperationException | RuntimeException e) {
                // fall through
            }
        }
        try {
            return new Addresses();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return new Arrays();
        }
    }

    /** Java 22+: {@code MemorySegment.ofBuffer(a).asOverlappingSlice(MemorySegment.ofBuffer(b))}. */
    private static final class Segments implements Strategy {
        private final MethodHandle ofBuffer;
        private final MethodHandle overlapping;

        Segments() throws ReflectiveOperationException {
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            ofBuffer = lookup.findStatic(segment, "ofBuffer", MethodType.methodType(segment, Buffer.class));
            overlapping = lookup.findVirtual(segment, "asOverlappingSlice",
                    MethodType.methodType(Optional.class, segment));
            // one call, so that a JVM where this fails falls back now rather than at the first check
            overlap(FloatBuffer.allocate(1), FloatBuffer.allocate(1));
        }

        @Override
        public boolean overlap(Buffer a, Buffer b) {
            try {
                Object sa = ofBuffer.invoke(a);
                Object sb = ofBuffer.invoke(b);
                return ((Optional<?>) overlapping.invoke(sa, sb)).isPresent();
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        @Override
        public String name() {
            return "MemorySegment.asOverlappingSlice";
        }
    }

    /**
     * Java 17–21: the base object ({@code null} for native memory, else the backing array) and the
     * address ({@code java.nio.Buffer.address}: absolute for direct buffers, the offset in the base
     * object for heap ones) of each buffer, read through {@code sun.misc.Unsafe}.
     */
    private static final class Addresses implements Strategy {
        private final MethodHandle fieldOffset;
        private final MethodHandle getLong;
        private final MethodHandle getObject;
        /** The offset of field {@code bb} (the viewed ByteBuffer) in a class of heap byte-buffer views, or -1. */
        private final ClassValue<Long> viewedBuffer = new ClassValue<>() {
            @Override
            protected Long computeValue(Class<?> type) {
                for (Class<?> c = type; c != null && c != Buffer.class; c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (f.getName().equals("bb") && f.getType() == ByteBuffer.class) {
                            return offset(f);
                        }
                    }
                }
                return -1L;
            }
        };
        private final long address;
        private final long floatArray;
        private final long doubleArray;
        private final long byteArray;

        Addresses() throws ReflectiveOperationException {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            Object unsafe = theUnsafe.get(null);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            fieldOffset = lookup.findVirtual(unsafeClass, "objectFieldOffset",
                    MethodType.methodType(long.class, Field.class)).bindTo(unsafe);
            getLong = lookup.findVirtual(unsafeClass, "getLong",
                    MethodType.methodType(long.class, Object.class, long.class)).bindTo(unsafe);
            getObject = lookup.findVirtual(unsafeClass, "getObject",
                    MethodType.methodType(Object.class, Object.class, long.class)).bindTo(unsafe);
            address = offset(Buffer.class.getDeclaredField("address"));
            floatArray = offset(FloatBuffer.class.getDeclaredField("hb"));
            doubleArray = offset(DoubleBuffer.class.getDeclaredField("hb"));
            byteArray = offset(ByteBuffer.class.getDeclaredField("hb"));
            // a self-test: two views of one array overlap, two arrays do not
            float[] one = new float[4];
            if (!overlap(FloatBuffer.wrap(one, 0, 2).slice(), FloatBuffer.wrap(one).asReadOnlyBuffer())
                    || overlap(FloatBuffer.wrap(one), FloatBuffer.wrap(new float[4]))) {
                throw new IllegalStateException("buffer addresses are not as expected on this JVM");
            }
        }

        @Override
        public boolean overlap(Buffer a, Buffer b) {
            Object baseA = base(a);
            Object baseB = base(b);
            if (baseA != baseB) {
                return false;
            }
            long fromA = start(a);
            long fromB = start(b);
            long toA = fromA + (long) a.remaining() * width(a);
            long toB = fromB + (long) b.remaining() * width(b);
            return fromA < toB && fromB < toA;
        }

        private long start(Buffer b) {
            try {
                return (long) getLong.invoke(b, address) + (long) b.position() * width(b);
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        /** The heap array under a buffer, or null for native memory. */
        private Object base(Buffer b) {
            if (b.isDirect()) {
                return null;
            }
            try {
                long field = b instanceof FloatBuffer ? floatArray : b instanceof DoubleBuffer ? doubleArray
                        : b instanceof ByteBuffer ? byteArray : -1;
                Object array = field < 0 ? null : getObject.invoke(b, field);
                if (array != null) {
                    return array;
                }
                // a view of a heap ByteBuffer (ByteBufferAsFloatBuffer*): the array of its field "bb"
                long viewed = viewedBuffer.get(b.getClass());
                if (viewed >= 0) {
                    return base((Buffer) getObject.invoke(b, viewed));
                }
                throw new IllegalStateException("no backing array found in " + b.getClass().getName());
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        private long offset(Field f) {
            try {
                return (long) fieldOffset.invoke(f);
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        @Override
        public String name() {
            return "Buffer.address";
        }
    }

    /** Anything else: accessible backing arrays compared by identity and index; direct buffers by identity. */
    private static final class Arrays implements Strategy {
        @Override
        public boolean overlap(Buffer a, Buffer b) {
            if (!a.hasArray() || !b.hasArray() || a.array() != b.array()) {
                return false;
            }
            long fromA = a.arrayOffset() + a.position();
            long fromB = b.arrayOffset() + b.position();
            return fromA < fromB + b.remaining() && fromB < fromA + a.remaining();
        }

        @Override
        public String name() {
            return "backing arrays only";
        }
    }

    /** A method handle's throwable as it is when unchecked, else wrapped. */
    private static RuntimeException unchecked(Throwable e) {
        if (e instanceof Error err) {
            throw err;
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }

    private static int width(Buffer b) {
        return b instanceof DoubleBuffer ? Double.BYTES : b instanceof FloatBuffer ? Float.BYTES : 1;
    }
}
