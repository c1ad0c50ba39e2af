package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * A view of an ARP packet for Ethernet and IPv4 (RFC 826). Other hardware or protocol types are
 * refused by {@link #check}: jnat resolves only IPv4 over Ethernet.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Hardware type (1 = Ethernet) |  Protocol type (0x0800)      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  HW len (6)   | Proto len (4) |  Operation (1 req, 2 reply)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Sender hardware address (48 bits)                |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               | Sender protocol address (32)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                               |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |              Target hardware address (48 bits)                |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Target protocol address (32)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class ArpPacket {
    public static final int HARDWARE_TYPE = 0;
    public static final int PROTOCOL_TYPE = 2;
    public static final int HARDWARE_LENGTH = 4;
    public static final int PROTOCOL_LENGTH = 5;
    public static final int OPERATION = 6;
    public static final int SENDER_HARDWARE_ADDRESS = 8;
    public static final int SENDER_PROTOCOL_ADDRESS = 14;
    public static final int TARGET_HARDWARE_ADDRESS = 18;
    public static final int TARGET_PROTOCOL_ADDRESS = 24;
    /** Length of an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = 28;

    /** ares_hrd$Ethernet (RFC 826; IANA "Hardware Types"). */
    public static final int HARDWARE_ETHERNET = 1;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    private MemorySegment segment;
    private long offset;

    public ArpPacket wrap(MemorySegment segment, long offset) {
        this.segment = segment;
        this.offset = offset;
        return this;
    }

    /** True if the bytes hold an Ethernet/IPv4 ARP packet (other kinds are not ours to answer). */
    public boolean check(int length) {
        if (length < LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        return NetworkOrder.u16(segment, offset + HARDWARE_TYPE) == HARDWARE_ETHERNET
                && NetworkOrder.u16(segment, offset + PROTOCOL_TYPE) == EtherType.IPV4
                && NetworkOrder.u8(segment, offset + HARDWARE_LENGTH) == 6
                && NetworkOrder.u8(segment, offset + PROTOCOL_LENGTH) == 4;
    }

    public MemorySegment segment() {
        return segment;
    }

    public long offset() {
        return offset;
    }

    public int hardwareType() {
        return NetworkOrder.u16(segment, offset + HARDWARE_TYPE);
    }

    public int protocolType() {
        return NetworkOrder.u16(segment, offset + PROTOCOL_TYPE);
    }

    public int operation() {
        return NetworkOrder.u16(segment, offset + OPERATION);
    }

    public ArpPacket operation(int operation) {
        NetworkOrder.u16(segment, offset + OPERATION, operation);
        return this;
    }

    public long senderHardwareAddress() {
        return NetworkOrder.u48(segment, offset + SENDER_HARDWARE_ADDRESS);
    }

    public ArpPacket senderHardwareAddress(long mac) {
        NetworkOrder.u48(segment, offset + SENDER_HARDWARE_ADDRESS, mac);
        return this;
    }

    public int senderProtocolAddress() {
        return NetworkOrder.i32(segment, offset + SENDER_PROTOCOL_ADDRESS);
    }

    public ArpPacket senderProtocolAddress(int address) {
        NetworkOrder.i32(segment, offset + SENDER_PROTOCOL_ADDRESS, address);
        return this;
    }

    public long targetHardwareAddress() {
        return NetworkOrder.u48(segment, offset + TARGET_HARDWARE_ADDRESS);
    }

    public ArpPacket targetHardwareAddress(long mac) {
        NetworkOrder.u48(segment, offset + TARGET_HARDWARE_ADDRESS, mac);
        return this;
    }

    public int targetProtocolAddress() {
        return NetworkOrder.i32(segment, offset + TARGET_PROTOCOL_ADDRESS);
    }

    public ArpPacket targetProtocolAddress(int address) {
        NetworkOrder.i32(segment, offset + TARGET_PROTOCOL_ADDRESS, address);
        return this;
    }

    /** Writes the fixed Ethernet/IPv4 part (types and lengths) and the operation. */
    public ArpPacket writeFixed(int operation) {
        NetworkOrder.u16(segment, offset + HARDWARE_TYPE, HARDWARE_ETHERNET);
        NetworkOrder.u16(segment, offset + PROTOCOL_TYPE, EtherType.IPV4);
        NetworkOrder.u8(segment, offset + HARDWARE_LENGTH, 6);
        NetworkOrder.u8(segment, offset + PROTOCOL_LENGTH, 4);
        return operation(operation);
    }
}
