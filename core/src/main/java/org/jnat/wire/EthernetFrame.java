package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of an Ethernet II frame (RFC 894, IEEE 802.3 clause 3.2.6), optionally with one IEEE
 * 802.1Q VLAN tag. The preamble and the frame check sequence are not part of it: devices deliver
 * and take frames from the destination address to the end of the payload.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Destination address (48 bits)                |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                    Source address (48 bits)                   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           EtherType           |   Payload (46-1500 octets)... |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * With an 802.1Q tag the EtherType above is 0x8100 and is followed by:
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | PCP |D|       VLAN id         |      Inner EtherType         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>A flyweight: {@link #wrap} it over a frame, {@link #check} it once, then read and write the
 * fields in place. After {@code check} returns true no accessor throws.
 */
public final class EthernetFrame {
    public static final int DESTINATION = 0;
    public static final int SOURCE = 6;
    public static final int ETHER_TYPE = 12;
    /** Tag control information of an 802.1Q tag, when present. */
    public static final int TCI = 14;
    public static final int HEADER_LENGTH = 14;
    public static final int TAGGED_HEADER_LENGTH = 18;
    /** Smallest frame without FCS (IEEE 802.3 minimum of 64 octets less the 4-octet FCS). */
    public static final int MINIMUM_LENGTH = 60;

    private MemorySegment segment;
    private long offset;
    /**
     * 14 or 18, read once by {@link #check}: every accessor needs it, and each read of the frame
     * costs more than a field (the packet path budget is a few nanoseconds per header).
     */
    private int headerLength = HEADER_LENGTH;

    /** Wraps a frame; until {@link #check} reads the tag, the view takes it as untagged. */
    public EthernetFrame wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        this.headerLength = HEADER_LENGTH;
        return this;
    }

    /** True if {@code length} bytes from the offset hold the whole header (and the VLAN tag). */
    public boolean check(int length) {
        if (length < HEADER_LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        headerLength = NetworkOrder.u16(segment, offset + ETHER_TYPE) == EtherType.VLAN ? TAGGED_HEADER_LENGTH
                : HEADER_LENGTH;
        return length >= headerLength;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    public long destination() {
        return NetworkOrder.u48(segment, offset + DESTINATION);
    }

    public EthernetFrame destination(long mac) {
        NetworkOrder.u48(segment, offset + DESTINATION, mac);
        return this;
    }

    public long source() {
        return NetworkOrder.u48(segment, offset + SOURCE);
    }

    public EthernetFrame source(long mac) {
        NetworkOrder.u48(segment, offset + SOURCE, mac);
        return this;
    }

    /** True if the outer EtherType is an 802.1Q tag. */
    public boolean hasVlanTag() {
        return headerLength == TAGGED_HEADER_LENGTH;
    }

    /** The 12-bit VLAN id of the tag, or 0 when untagged. */
    public int vlanId() {
        return hasVlanTag() ? NetworkOrder.u16(segment, offset + TCI) & 0x0fff : 0;
    }

    /** The EtherType of the payload: the inner one after a single 802.1Q tag. */
    public int etherType() {
        return NetworkOrder.u16(segment, offset + headerLength - 2);
    }

    /** Writes the EtherType of the payload (the inner one when tagged). */
    public EthernetFrame etherType(int type) {
        NetworkOrder.u16(segment, offset + headerLength - 2, type);
        return this;
    }

    /** 14, or 18 with an 802.1Q tag. */
    public int headerLength() {
        return headerLength;
    }

    /** Absolute offset of the payload (the IPv4 or ARP header) in the segment. */
    public long payloadOffset() {
        return offset + headerLength;
    }

    /**
     * Writes an untagged header at {@code offset} of {@code segment}; returns the payload offset.
     * The caller ensures 14 bytes fit.
     */
    public static long writeHeader(MemorySegment segment, long offset, long destination, long source, int etherType) {
        NetworkOrder.u48(segment, offset + DESTINATION, destination);
        NetworkOrder.u48(segment, offset + SOURCE, source);
        NetworkOrder.u16(segment, offset + ETHER_TYPE, etherType);
        return offset + HEADER_LENGTH;
    }
}
