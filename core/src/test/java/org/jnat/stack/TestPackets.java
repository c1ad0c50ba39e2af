package org.jnat.stack;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;

/** Raw IPv4-over-Ethernet frames for the stack's unit tests (no wire views needed). */
final class TestPackets {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private TestPackets() {
    }

    /** Writes an Ethernet + IPv4 frame with {@code payload} into {@code buf}. */
    static PacketBuffer ipv4(PacketBuffer buf, int src, int dst, int protocol, int id, int flagsOffset,
                             byte[] options, byte[] payload) {
        MemorySegment s = buf.segment();
        for (int i = 0; i < 12; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i < 6 ? 0x02 : 0x04));
        }
        s.set(U16, 12, (short) 0x0800);
        int ihl = 20 + options.length;
        s.set(ValueLayout.JAVA_BYTE, 14, (byte) (0x40 | ihl / 4));
        s.set(ValueLayout.JAVA_BYTE, 15, (byte) 0);
        s.set(U16, 16, (short) (ihl + payload.length));
        s.set(U16, 18, (short) id);
        s.set(U16, 20, (short) flagsOffset);
        s.set(ValueLayout.JAVA_BYTE, 22, (byte) 64);
        s.set(ValueLayout.JAVA_BYTE, 23, (byte) protocol);
        s.set(U16, 24, (short) 0);
        s.set(U32, 26, src);
        s.set(U32, 30, dst);
        MemorySegment.copy(MemorySegment.ofArray(options), 0, s, 34, options.length);
        s.set(U16, 24, (short) Checksum.ipv4Header(s, 14, ihl));
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, s, 14 + ihl, payload.length);
        buf.length(14 + ihl + payload.length);
        return buf;
    }

    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    static byte[] bytes(PacketBuffer buf) {
        return buf.segment().asSlice(0, buf.length()).toArray(ValueLayout.JAVA_BYTE);
    }
}
