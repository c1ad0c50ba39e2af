package org.jnat.wire;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Big-endian ("network byte order", RFC 1700) unaligned access to a {@link MemorySegment}. The
 * layouts are static finals so that the JIT folds them into plain loads and byte swaps.
 */
public final class NetworkOrder {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private NetworkOrder() {
    }

    public static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    public static void u8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    public static int u16(MemorySegment s, long offset) {
        return s.get(U16, offset) & 0xffff;
    }

    public static void u16(MemorySegment s, long offset, int value) {
        s.set(U16, offset, (short) value);
    }

    public static int i32(MemorySegment s, long offset) {
        return s.get(U32, offset);
    }

    public static void i32(MemorySegment s, long offset, int value) {
        s.set(U32, offset, value);
    }

    /** A 48-bit MAC address, first octet highest. */
    public static long u48(MemorySegment s, long offset) {
        return ((long) u16(s, offset) << 32) | (i32(s, offset + 2) & 0xffff_ffffL);
    }

    public static void u48(MemorySegment s, long offset, long value) {
        u16(s, offset, (int) (value >>> 32));
        i32(s, offset + 2, (int) value);
    }

    /** True if {@code length} bytes from {@code offset} lie inside {@code s}; never throws. */
    public static boolean fits(MemorySegment s, long offset, int length) {
        return s != null && offset >= 0 && length >= 0 && offset <= s.byteSize() - length;
    }
}
