package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * The ARP frames the router sends on its own behalf (RFC 826): requests to resolve a neighbor,
 * replies for our own address, and gratuitous ARP to announce it.
 *
 * <p>Each method writes a whole Ethernet frame at offset 0 of {@code frame} and returns its length
 * (42 bytes: the link pads it to the 60-byte minimum), or 0 if the frame does not fit. Nothing
 * is allocated.
 */
public final class ArpFrames {
    /** Ethernet header plus an Ethernet/IPv4 ARP packet. */
    public static final int LENGTH = EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH;

    private ArpFrames() {
    }

    /** "Who has {@code targetAddress}? Tell {@code ourAddress}", broadcast (RFC 826). */
    public static int request(MemorySegment frame, long ourMac, int ourAddress, int targetAddress) {
        // The target hardware address is unknown, so zero (RFC 5227 section 2.1.1 recommends it).
        return write(frame, MacAddress.BROADCAST, ArpPacket.REQUEST, ourMac, ourAddress, 0, targetAddress);
    }

    /** "{@code ourAddress} is at {@code ourMac}", sent to the asker only (RFC 826). */
    public static int reply(MemorySegment frame, long ourMac, int ourAddress, long peerMac, int peerAddress) {
        return write(frame, peerMac, ArpPacket.REPLY, ourMac, ourAddress, peerMac, peerAddress);
    }

    /**
     * A gratuitous ARP reply announcing {@code ourAddress} at {@code ourMac} to the whole link,
     * so that neighbors update stale caches: broadcast, sender and target protocol addresses both
     * ours, target hardware address ours too (RFC 5944 section 4.6).
     */
    public static int gratuitous(MemorySegment frame, long ourMac, int ourAddress) {
        return write(frame, MacAddress.BROADCAST, ArpPacket.REPLY, ourMac, ourAddress, ourMac, ourAddress);
    }

    private static int write(MemorySegment frame, long destination, int operation, long senderMac, int senderAddress,
            long targetMac, int targetAddress) {
        if (!NetworkOrder.fits(frame, 0, LENGTH)) {
            return 0;
        }
        long arp = EthernetFrame.writeHeader(frame, 0, destination, senderMac, EtherType.ARP);
        NetworkOrder.u16(frame, arp + ArpPacket.HARDWARE_TYPE, ArpPacket.HARDWARE_ETHERNET);
        NetworkOrder.u16(frame, arp + ArpPacket.PROTOCOL_TYPE, EtherType.IPV4);
        NetworkOrder.u8(frame, arp + ArpPacket.HARDWARE_LENGTH, 6);
        NetworkOrder.u8(frame, arp + ArpPacket.PROTOCOL_LENGTH, 4);
        NetworkOrder.u16(frame, arp + ArpPacket.OPERATION, operation);
        NetworkOrder.u48(frame, arp + ArpPacket.SENDER_HARDWARE_ADDRESS, senderMac);
        NetworkOrder.i32(frame, arp + ArpPacket.SENDER_PROTOCOL_ADDRESS, senderAddress);
        NetworkOrder.u48(frame, arp + ArpPacket.TARGET_HARDWARE_ADDRESS, targetMac);
        NetworkOrder.i32(frame, arp + ArpPacket.TARGET_PROTOCOL_ADDRESS, targetAddress);
        return LENGTH;
    }
}
