package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.jnat.device.PacketBuffer;

/**
 * Egress fragmentation (RFC 791 section 3.2, "An Example Fragmentation Procedure"; RFC 1812 section
 * 4.2.2.7): splits a datagram whose DF bit is clear into fragments that fit the link MTU. Each
 * fragment's payload is a multiple of 8 bytes except the last. The first fragment carries all the
 * options; the others only those whose copied flag is set (RFC 791 section 3.1, "Options": the
 * high bit of the option type), padded to a 4-byte boundary with end-of-option-list.
 *
 * <p>One scratch frame is reused for every fragment; the sink sends (or copies) it before the next
 * one is written.
 */
public final class Fragmenter {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Where fragments go, one at a time. */
    @FunctionalInterface
    public interface Sink {
        void fragment(PacketBuffer fragment);
    }

    private final PacketBuffer scratch;
    private final MemorySegment copiedOptions = Arena.ofAuto().allocate(40);

    /** A fragmenter whose fragments are at most {@code maxFrame} bytes with their link header. */
    public Fragmenter(int maxFrame) {
        scratch = PacketBuffer.allocate(Arena.ofAuto(), maxFrame);
    }

    /**
     * Fragments the datagram in {@code frame} (IPv4 header at {@code ipOffset}, already validated)
     * to at most {@code mtu} bytes of IPv4 per fragment. Returns the number of fragments given to
     * {@code sink}, or 0 when the MTU can not carry the header and 8 bytes of payload, or a
     * fragment would not fit the scratch frame.
     */
    public int fragment(PacketBuffer frame, int ipOffset, int mtu, Sink sink) {
        MemorySegment in = frame.segment();
        int ihl = (in.get(ValueLayout.JAVA_BYTE, ipOffset) & 0x0f) * 4;
        int totalLength = in.get(U16, ipOffset + 2) & 0xffff;
        int flagsOffset = in.get(U16, ipOffset + 6) & 0xffff;
        int baseOffset = (flagsOffset & 0x1fff) * 8;
        boolean baseMore = (flagsOffset & 0x2000) != 0;
        int flagsKept = flagsOffset & 0x8000; // the reserved bit travels; DF is clear here
        int payload = totalLength - ihl;
        int copiedLength = copiedOptions(in, ipOffset + 20, ihl - 20);
        if (mtu - ihl < 8 || mtu > scratch.capacity() - ipOffset) {
            return 0;
        }
        MemorySegment out = scratch.segment();
        int done = 0;
        int n = 0;
        while (done < payload) {
            int hl = n == 0 ? ihl : 20 + copiedLength;
            int room = (mtu - hl) & ~7;
            int chunk = Math.min(room, payload - done);
            boolean last = done + chunk == payload;
            MemorySegment.copy(in, 0, out, 0, ipOffset + 20);
            if (n == 0) {
                MemorySegment.copy(in, ipOffset + 20, out, ipOffset + 20, ihl - 20);
            } else {
                MemorySegment.copy(copiedOptions, 0, out, ipOffset + 20, copiedLength);
                out.set(ValueLayout.JAVA_BYTE, ipOffset, (byte) (0x40 | (hl / 4)));
            }
            MemorySegment.copy(in, ipOffset + ihl + done, out, ipOffset + hl, chunk);
            out.set(U16, ipOffset + 2, (short) (hl + chunk));
            int more = (!last || baseMore) ? 0x2000 : 0;
            out.set(U16, ipOffset + 6, (short) (flagsKept | more | ((baseOffset + done) / 8)));
            out.set(U16, ipOffset + 10, (short) 0);
            out.set(U16, ipOffset + 10, (short) HeaderChecksum.compute(out, ipOffset, hl));
            scratch.clearOffload();
            scratch.timestampNanos = frame.timestampNanos;
            scratch.length(ipOffset + hl + chunk);
            sink.fragment(scratch);
            done += chunk;
            n++;
        }
        return n;
    }

    /** Copies the options with the copied flag into {@link #copiedOptions}; returns their padded length. */
    private int copiedOptions(MemorySegment in, int from, int length) {
        int at = 0;
        int i = 0;
        while (i < length) {
            int type = in.get(ValueLayout.JAVA_BYTE, from + i) & 0xff;
            if (type == 0) {
                break;                       // end of option list
            }
            if (type == 1) {
                i++;                         // no-operation: padding, not copied
                continue;
            }
            if (i + 1 >= length) {
                break;
            }
            int len = in.get(ValueLayout.JAVA_BYTE, from + i + 1) & 0xff;
            if (len < 2 || i + len > length) {
                break;                       // malformed: copy nothing more
            }
            if ((type & 0x80) != 0) {
                MemorySegment.copy(in, from + i, copiedOptions, at, len);
                at += len;
            }
            i += len;
        }
        while ((at & 3) != 0) {
            copiedOptions.set(ValueLayout.JAVA_BYTE, at++, (byte) 0);
        }
        return at;
    }
}
