package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;

/**
 * Linux's {@code struct virtio_net_hdr_v1} (include/uapi/linux/virtio_net.h), the 12-byte header
 * that precedes every frame on a TAP opened with IFF_VNET_HDR and TUNSETVNETHDRSZ 12 (and on an
 * AF_PACKET socket with PACKET_VNET_HDR, which uses the first 10 bytes). Fields are in the host's
 * byte order (little-endian on x86_64 and aarch64: the TAP is not switched with TUNSETVNETBE).
 *
 * <pre>
 *  0      1      2             4             6             8             10            12
 * +------+------+-------------+-------------+-------------+-------------+-------------+
 * |flags |gso_  |  hdr_len    |  gso_size   | csum_start  | csum_offset | num_buffers |
 * |      |type  |             |             |             |             |             |
 * +------+------+-------------+-------------+-------------+-------------+-------------+
 * </pre>
 *
 * <p>How the {@link PacketBuffer} fields map, and what they mean (Linux semantics,
 * {@code virtio_net_hdr_to_skb} / {@code virtio_net_hdr_from_skb}):
 * <ul>
 * <li>{@code flags}: {@link PacketBuffer#F_NEEDS_CSUM} (1) means the transport checksum is
 *     <em>partial</em>: the 16-bit field at {@code checksumStart + checksumOffset} holds only the
 *     folded pseudo-header sum (not inverted), and the ones'-complement sum from
 *     {@code checksumStart} to the end of the frame, inverted, must be written there before the
 *     frame goes onto a wire. {@link PacketBuffer#F_DATA_VALID} (2) on receive means the kernel
 *     already verified the checksum.</li>
 * <li>{@code gsoType}: {@code VIRTIO_NET_HDR_GSO_*}: NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5,
 *     possibly OR-ed with ECN 0x80 (the TCP segments carry CWR; kept as is so it round-trips).
 *     Anything but NONE means the frame is a super-packet of up to 64 KiB that must be cut into
 *     segments of {@code gsoSize} payload bytes (each with copied headers, fixed lengths, IP IDs,
 *     TCP sequence numbers and checksums) before a real link sees it. A GSO frame always also has
 *     NEEDS_CSUM.</li>
 * <li>{@code headerLength}: {@code hdr_len}, the length of Ethernet + IP + transport headers of a
 *     GSO frame (a hint; the kernel may send 0 or an overestimate for non-GSO frames).</li>
 * <li>{@code gsoSize}: payload bytes per segment (the MSS for TCP).</li>
 * <li>{@code checksumStart}: offset <em>from the start of the Ethernet frame</em> (byte 0 of the
 *     slot) where checksumming starts: the transport header (14 + IPv4 header length for
 *     untagged IPv4).</li>
 * <li>{@code checksumOffset}: offset from {@code checksumStart} of the checksum field: 16 for
 *     TCP, 6 for UDP.</li>
 * </ul>
 * {@code num_buffers} is written as 0 and ignored on receive. A frame without offload work has
 * all fields 0.
 */
final class VirtioNetHeader {
    private VirtioNetHeader() {
    }

    /** The header length jnat uses on TAP devices (virtio_net_hdr_v1 with num_buffers). */
    static final int SIZE = 12;
    /** The legacy header without num_buffers, as AF_PACKET's PACKET_VNET_HDR uses it. */
    static final int LEGACY_SIZE = 10;

    static final int FLAGS = 0, GSO_TYPE = 1, HDR_LEN = 2, GSO_SIZE = 4, CSUM_START = 6, CSUM_OFFSET = 8,
            NUM_BUFFERS = 10;

    /** Copies the header at {@code offset} of {@code header} into the slot's offload fields. */
    static void read(MemorySegment header, long offset, PacketBuffer into) {
        into.flags = Byte.toUnsignedInt(header.get(JAVA_BYTE, offset + FLAGS));
        into.gsoType = Byte.toUnsignedInt(header.get(JAVA_BYTE, offset + GSO_TYPE));
        into.headerLength = Short.toUnsignedInt(header.get(JAVA_SHORT_UNALIGNED, offset + HDR_LEN));
        into.gsoSize = Short.toUnsignedInt(header.get(JAVA_SHORT_UNALIGNED, offset + GSO_SIZE));
        into.checksumStart = Short.toUnsignedInt(header.get(JAVA_SHORT_UNALIGNED, offset + CSUM_START));
        into.checksumOffset = Short.toUnsignedInt(header.get(JAVA_SHORT_UNALIGNED, offset + CSUM_OFFSET));
    }

    /** Writes the slot's offload fields as a legacy (10-byte) header at {@code offset}. */
    static void writeLegacy(PacketBuffer from, MemorySegment header, long offset) {
        header.set(JAVA_BYTE, offset + FLAGS, (byte) from.flags);
        header.set(JAVA_BYTE, offset + GSO_TYPE, (byte) from.gsoType);
        header.set(JAVA_SHORT_UNALIGNED, offset + HDR_LEN, (short) from.headerLength);
        header.set(JAVA_SHORT_UNALIGNED, offset + GSO_SIZE, (short) from.gsoSize);
        header.set(JAVA_SHORT_UNALIGNED, offset + CSUM_START, (short) from.checksumStart);
        header.set(JAVA_SHORT_UNALIGNED, offset + CSUM_OFFSET, (short) from.checksumOffset);
    }

    /** Writes the slot's offload fields as a 12-byte header at {@code offset}. */
    static void write(PacketBuffer from, MemorySegment header, long offset) {
        writeLegacy(from, header, offset);
        header.set(JAVA_SHORT_UNALIGNED, offset + NUM_BUFFERS, (short) 0);
    }
}
