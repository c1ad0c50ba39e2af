package org.jnat.router;

import java.lang.foreign.Arena;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.stack.EgressOffload;
import org.jnat.stack.Fragments;
import org.jnat.stack.GsoPacket;
import org.jnat.stack.Interface;
import org.jnat.stack.Martians;
import org.jnat.stack.PartialChecksum;
import org.jnat.stack.Side;
import org.jnat.wire.ArpFrames;
import org.jnat.wire.ArpPacket;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;

/**
 * The way in, for both sides: what a received frame must be before it is forwarded.
 *
 * <pre>
 * Ethernet: for our MAC or broadcast, untagged ─► ARP: answer for our address, learn, conflicts
 *                                             └─► IPv4: lengths, header checksum, offload metadata,
 *                                                 martians, BCP 38, broadcast ─► reassembly ─► Forwarding
 * </pre>
 */
final class Ingress {
    private final Interface[] interfaces;
    private final Egress[] egress;
    private final Martians martians;
    private final Fragments fragments;
    private final Forwarding forwarding;
    private final Counters counters;
    private final Count count;
    private final Drops drops;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final GsoPacket gso = new GsoPacket();
    /** The ARP replies the router writes. */
    private final PacketBuffer arpReply = PacketBuffer.allocate(Arena.ofAuto(), 64);

    /** What the way in counts: every frame, and every reason one goes no further. */
    static final class Count {
        final int[] received = new int[2];
        final int notForUs, ethernetMalformed, vlan, otherType, offloadPartial, offloadGso;
        final int arpMalformed, arpOffPrefix, arpRepliesSent, arpConflict;
        final int truncated, badVersion, badHeaderLength, badChecksum, martian, spoofed, broadcast, martianDestination;

        Count(Counters counters, Interface[] interfaces) {
            for (Interface in : interfaces) {
                received[in.side()] = counters.register(in.name() + ".received", "frames received on the " + in.name());
            }
            notForUs = counters.register("ethernet.dropped.not_for_us", "frames to another MAC address");
            ethernetMalformed = counters.register("ethernet.dropped.malformed", "frames shorter than an Ethernet header");
            vlan = counters.register("ethernet.dropped.vlan", "802.1Q-tagged frames (jnat's links are untagged)");
            otherType = counters.register("ethernet.dropped.other_type", "frames neither IPv4 nor ARP (IPv6 among them)");
            offloadPartial = counters.register("offload.received.partial_checksum", "frames received with a partial transport checksum (virtio_net_hdr NEEDS_CSUM), not GSO");
            offloadGso = counters.register("offload.received.gso", "GSO super-packets received (TSO, USO, UFO)");
            arpMalformed = counters.register("arp.dropped.malformed", "ARP packets that are not Ethernet/IPv4 or are truncated");
            arpOffPrefix = counters.register("arp.dropped.off_prefix", "ARP packets whose sender is not on the receiving side's prefix (never learned)");
            arpRepliesSent = counters.register("arp.replies_sent", "ARP replies sent for our addresses");
            arpConflict = counters.register("arp.address_conflict", "ARP packets from another MAC claiming our address");
            truncated = counters.register("ipv4.dropped.truncated", "IPv4 packets shorter than their header");
            badVersion = counters.register("ipv4.dropped.bad_version", "IPv4 frames whose version is not 4");
            badHeaderLength = counters.register("ipv4.dropped.bad_header_length", "IPv4 packets whose header length is under 20 or past the frame");
            badChecksum = counters.register("ipv4.dropped.bad_checksum", "IPv4 packets with a bad header checksum");
            martian = counters.register("ipv4.dropped.martian_source", "packets from 0/8, 127/8, multicast, broadcast, reserved or our own addresses (RFC 1812 5.3.7)");
            spoofed = counters.register("ipv4.dropped.spoofed_source", "packets whose source does not belong on the side they came from (BCP 38)");
            broadcast = counters.register("ipv4.dropped.broadcast", "broadcast and multicast packets (never forwarded, RFC 1812 5.3.5; RFC 2644)");
            martianDestination = counters.register("ipv4.dropped.martian_destination", "packets to 0/8, 127/8 or reserved addresses (RFC 1812 5.3.7)");
        }
    }

    Ingress(Interface[] interfaces, Egress[] egress, Martians martians, Fragments fragments, Forwarding forwarding,
            Counters counters, Drops drops) {
        this.interfaces = interfaces;
        this.egress = egress;
        this.martians = martians;
        this.fragments = fragments;
        this.forwarding = forwarding;
        this.counters = counters;
        this.drops = drops;
        this.count = new Count(counters, interfaces);
    }

    /** Processes one frame received on {@code side}; the slot is the caller's again when this returns. */
    void receive(PacketBuffer frame, int side, long now) {
        counters.increment(count.received[side]);
        int length = frame.length();
        if (frame.gsoType != PacketBuffer.GSO_NONE) {
            counters.increment(count.offloadGso);
        } else if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0) {
            counters.increment(count.offloadPartial);
        }
        if (!ethernet.wrap(frame.segment(), 0).check(length)) {
            counters.increment(count.ethernetMalformed);
            return;
        }
        long destination = ethernet.destination();
        if (destination != interfaces[side].mac() && destination != MacAddress.BROADCAST) {
            counters.increment(count.notForUs);
            return;
        }
        if (ethernet.hasVlanTag()) {
            counters.increment(count.vlan);
            return;
        }
        int type = ethernet.etherType();
        if (type == EtherType.ARP) {
            arp(frame, side, length, now);
        } else if (type == EtherType.IPV4) {
            ipv4(frame, side, length, now, destination == MacAddress.BROADCAST);
        } else {
            counters.increment(count.otherType);
        }
    }

    private void arp(PacketBuffer frame, int side, int length, long now) {
        if (!arp.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH).check(length - EthernetFrame.HEADER_LENGTH)) {
            counters.increment(count.arpMalformed);
            return;
        }
        Interface in = interfaces[side];
        int sender = arp.senderProtocolAddress();
        long senderMac = arp.senderHardwareAddress();
        if (senderMac == in.mac()) {
            return; // our own broadcast, looped back
        }
        boolean outside = side == Side.OUTSIDE;
        if (sender == in.address() || outside && martians.isPoolAddress(sender)) {
            counters.increment(count.arpConflict);
            return;
        }
        int target = arp.targetProtocolAddress();
        // On the outside, the NAT's pool addresses are ours as much as the interface's own.
        boolean targetIsUs = target == in.address() || outside && martians.isPoolAddress(target);
        // Learn only from our own connected prefix on this side (an outside frame can never claim
        // an inside address), never a broadcast or multicast MAC. A probe (sender 0.0.0.0, RFC 5227
        // section 2.1.1) teaches nothing but is answered.
        boolean senderValid = sender != 0 && in.onLink(sender) && sender != in.broadcast()
                && sender != in.network() && !MacAddress.isMulticast(senderMac);
        if (senderValid) {
            egress[side].neighbors().learn(sender, senderMac, targetIsUs, now);
        } else if (sender != 0) {
            counters.increment(count.arpOffPrefix);
            return;
        }
        if (arp.operation() == ArpPacket.REQUEST && targetIsUs && !MacAddress.isMulticast(senderMac)) {
            arpReply.clearOffload();
            arpReply.length(ArpFrames.reply(arpReply.segment(), in.mac(), target, senderMac, sender));
            counters.increment(count.arpRepliesSent);
            egress[side].transmit(arpReply);
        }
    }

    private void ipv4(PacketBuffer frame, int side, int length, long now, boolean linkBroadcast) {
        int available = length - EthernetFrame.HEADER_LENGTH;
        Ipv4Packet ip = this.ip.wrap(frame.segment(), EthernetFrame.HEADER_LENGTH);
        if (!ip.check(available)) {
            countMalformed(ip, available);
            return;
        }
        if (!ip.headerChecksumValid()) {
            counters.increment(count.badChecksum);
            return;
        }
        // Drop the link's padding: what follows Total Length is not part of the datagram. (A GSO
        // super-packet's Total Length covers all its segments, as Linux's does: up to 64 KiB.)
        frame.length(EthernetFrame.HEADER_LENGTH + ip.totalLength());
        if (frame.hasOffload() && !offloadValid(frame, ip)) {
            return;
        }
        int source = ip.sourceAddress();
        int destination = ip.destinationAddress();
        if (martians.isMartianSource(source)) {
            counters.increment(count.martian);
            return;
        }
        // BCP 38: an inside source must be on the LAN prefix, an outside source must not.
        if (interfaces[Side.INSIDE].onLink(source) != (side == Side.INSIDE)) {
            counters.increment(count.spoofed);
            return;
        }
        if (linkBroadcast || martians.isBroadcastOrMulticast(destination)) {
            counters.increment(count.broadcast);
            return;
        }
        if (martians.isMartianDestination(destination)) {
            counters.increment(count.martianDestination);
            return;
        }
        if (!ip.isFragment()) {
            forwarding.forward(frame, side, now, Egress.NO_FRAGMENT_LIMIT);
            return;
        }
        int slot = fragments.add(frame, EthernetFrame.HEADER_LENGTH, side, now);
        if (slot != Fragments.INCOMPLETE) {
            forwarding.forward(fragments.datagram(slot), side, now, fragments.largestFragment(slot));
            fragments.release(slot);
        }
    }

    /**
     * Checks a received frame's offload metadata against its headers (Linux's tun checks the same
     * in {@code virtio_net_hdr_to_skb}): the partial checksum's position lies in the transport
     * part, and a super-packet is one the egress can cut. Counts and returns false if not.
     */
    private boolean offloadValid(PacketBuffer frame, Ipv4Packet ip) {
        int end = EthernetFrame.HEADER_LENGTH + ip.totalLength();
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0 && !PartialChecksum.valid(frame, (int) ip.payloadOffset(), end)) {
            counters.increment(drops.offloadMalformed);
            return false;
        }
        if (frame.gsoType != PacketBuffer.GSO_NONE && !gso.valid(frame, EthernetFrame.HEADER_LENGTH)) {
            int type = EgressOffload.gsoType(frame);
            boolean known = type == PacketBuffer.GSO_TCPV4 || type == PacketBuffer.GSO_UDP_L4 || type == PacketBuffer.GSO_UDP;
            counters.increment(known ? drops.offloadMalformed : drops.offloadUnsupported);
            return false;
        }
        return true;
    }

    private void countMalformed(Ipv4Packet ip, int available) {
        if (available < Ipv4Packet.MIN_HEADER_LENGTH) {
            counters.increment(available >= 1 && ip.version() != 4 ? count.badVersion : count.truncated);
        } else if (ip.version() != 4) {
            counters.increment(count.badVersion);
        } else if (ip.headerLength() < Ipv4Packet.MIN_HEADER_LENGTH || ip.headerLength() > available) {
            counters.increment(count.badHeaderLength);
        } else {
            counters.increment(drops.badLength);
        }
    }
}
