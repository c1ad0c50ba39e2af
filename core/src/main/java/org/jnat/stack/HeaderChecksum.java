package org.jnat.stack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** The RFC 1071 sum over an IPv4 header the stack rewrote whole (reassembly, fragmentation). */
final class HeaderChecksum {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private HeaderChecksum() {
    }

    /** The checksum field value for the header at {@code offset} (its checksum field must read 0). */
    static int compute(MemorySegment segment, int offset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += segment.get(U16, offset + i) & 0xffff;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}
