package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Ipv4Packet;

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
    /** Where fragments go, one at a time, with the next hop and time given to {@link #fragment}. */
    @FunctionalInterface
    public interface Sink {
        void fragment(PacketBuffer fragment, int nextHop, long now);
    }

    /** The scratch frame's memory, as made; {@link #resize} sizes the frame within it. */
    private final MemorySegment memory;
    private PacketBuffer scratch;
    private final MemorySegment copiedOptions = Arena.ofAuto().allocate(Ipv4Packet.MAX_HEADER_LENGTH);
    private final Ipv4Packet in = new Ipv4Packet();
    private final Ipv4Packet out = new Ipv4Packet();

    /** A fragmenter whose fragments are at most {@code maxFrame} bytes with their link header. */
    public Fragmenter(int maxFrame) {
        scratch = PacketBuffer.allocate(Arena.ofAuto(), maxFrame);
        memory = scratch.segment();
    }

    /** From now on fragments are at most {@code maxFrame} bytes, no more than made with (a router's reset). */
    public void resize(int maxFrame) {
        scratch = PacketBuffer.over(memory, maxFrame);
    }

    /**
     * Fragments the datagram in {@code frame} (IPv4 header at {@code ipOffset}, already validated)
     * to at most {@code mtu} bytes of IPv4 per fragment, and gives each to {@code sink} with
     * {@code nextHop} and {@code now}. Returns the number of fragments, or 0 when the MTU can not
     * carry the header and 8 bytes of payload, or a fragment would not fit the scratch frame.
     */
    public int fragment(PacketBuffer frame, int ipOffset, int mtu, int nextHop, long now, Sink sink) {
        Ipv4Packet ip = in.wrap(frame.segment(), ipOffset);
        int ihl = ip.headerLength();
        int payload = ip.payloadLength();
        int baseOffset = ip.fragmentOffset();
        boolean baseMore = ip.moreFragments();
        int copiedLength = ip.copyCopiedOptions(copiedOptions, 0);
        if (mtu - ihl < 8 || mtu > scratch.capacity() - ipOffset) {
            return 0;
        }
        MemorySegment from = frame.segment();
        MemorySegment to = scratch.segment();
        Ipv4Packet fragment = out.wrap(to, ipOffset);
        int done = 0;
        int n = 0;
        while (done < payload) {
            int hl = n == 0 ? ihl : Ipv4Packet.MIN_HEADER_LENGTH + copiedLength;
            int room = (mtu - hl) & ~7;
            int chunk = Math.min(room, payload - done);
            boolean last = done + chunk == payload;
            // The link header and the fixed part of the IP header, then the options this fragment carries.
            MemorySegment.copy(from, 0, to, 0, ipOffset + Ipv4Packet.MIN_HEADER_LENGTH);
            long options = ipOffset + Ipv4Packet.MIN_HEADER_LENGTH;
            if (n == 0) {
                MemorySegment.copy(from, options, to, options, ihl - Ipv4Packet.MIN_HEADER_LENGTH);
            } else {
                MemorySegment.copy(copiedOptions, 0, to, options, copiedLength);
                fragment.headerLength(hl);
            }
            MemorySegment.copy(from, ipOffset + ihl + done, to, ipOffset + hl, chunk);
            // The reserved flag travels; DF is clear in every fragment (RFC 791 section 3.2).
            fragment.totalLength(hl + chunk).dontFragment(false).moreFragments(!last || baseMore)
                    .fragmentOffset(baseOffset + done).fillHeaderChecksum();
            scratch.clearOffload();
            scratch.timestampNanos = frame.timestampNanos;
            scratch.length(ipOffset + hl + chunk);
            sink.fragment(scratch, nextHop, now);
            done += chunk;
            n++;
        }
        return n;
    }
}
