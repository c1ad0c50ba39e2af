package org.jnat.stack;

import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.Checksum;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.UdpDatagram;

/**
 * Completes a partial transport checksum in software, for a frame that must leave by a device that
 * does not take {@link PacketBuffer#F_NEEDS_CSUM} (Linux's {@code skb_checksum_help}).
 *
 * <p>A partial checksum (Linux {@code CHECKSUM_PARTIAL}, virtio_net_hdr {@code NEEDS_CSUM}) leaves
 * in the field at {@code checksumStart + checksumOffset} the folded, non-inverted pseudo-header sum
 * (RFC 9293 section 3.1, RFC 768); the device is to add every byte from {@code checksumStart} to
 * the end of the datagram, field included, and store the complement. Because the field's content
 * is part of that sum, the result equals the checksum computed afresh over pseudo-header, header
 * and data (RFC 1071).
 */
public final class PartialChecksum {
    private PartialChecksum() {
    }

    /**
     * True if the frame's checksum position lies inside its {@code length} bytes (from the frame
     * start): a field of 2 bytes at {@code checksumStart + checksumOffset}, with {@code
     * checksumStart} at or after {@code minimumStart} (the end of the IP header). Linux's tun
     * driver refuses a vnet header that points elsewhere.
     */
    public static boolean valid(PacketBuffer frame, int minimumStart, int length) {
        int start = frame.checksumStart;
        int field = start + frame.checksumOffset;
        return start >= minimumStart && (frame.checksumOffset & 1) == 0 && field >= start
                && field + 2 <= length && length <= frame.length();
    }

    /**
     * Completes the checksum of the datagram that ends at {@code end} (from the frame start: the
     * IPv4 header offset plus its Total Length) and clears {@link PacketBuffer#F_NEEDS_CSUM}.
     * A frame without the flag is left alone. Returns false, changing nothing, when the checksum
     * position is out of bounds ({@link #valid}).
     *
     * <p>The UDP zero rule (RFC 768): a computed 0 goes out as 0xFFFF, as 0 means "no checksum".
     * For TCP a computed 0 stays 0, what a full recomputation gives (Linux writes 0xFFFF for both;
     * both verify, RFC 1624 section 3).
     */
    public static boolean complete(PacketBuffer frame, int minimumStart, int end) {
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) == 0) {
            return true;
        }
        if (!valid(frame, minimumStart, end)) {
            return false;
        }
        MemorySegment segment = frame.segment();
        int start = frame.checksumStart;
        long field = start + frame.checksumOffset;
        int checksum = Checksum.finish(Checksum.sum(segment, start, end - start));
        if (frame.checksumOffset == UdpDatagram.CHECKSUM) {
            checksum = Checksum.udpNonZero(checksum);
        }
        NetworkOrder.u16(segment, field, checksum);
        frame.flags &= ~PacketBuffer.F_NEEDS_CSUM;
        frame.checksumStart = 0;
        frame.checksumOffset = 0;
        return true;
    }
}
