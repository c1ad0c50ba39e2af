package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.wire.Checksum;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.UdpDatagram;

/**
 * UDP coalescing on egress, the transmit-side counterpart of GRO (what gVisor and passt do for
 * their TAP devices): consecutive UDP datagrams of one flow that leave by one interface within one
 * receive batch are merged into a single UDP GSO super-packet ({@link PacketBuffer#GSO_UDP_L4},
 * virtio_net_hdr {@code VIRTIO_NET_HDR_GSO_UDP_L4}), which the kernel behind the device cuts back
 * into the very same datagrams ({@code __udp_gso_segment}). The kernel then runs its receive and
 * forwarding path once per super-packet instead of once per datagram. One per outgoing interface,
 * for a device that {@link #suits} it.
 *
 * <p>A NAT must not change what the receiver sees beyond its own rewrite, so a datagram is merged
 * only when the kernel's segmentation gives it back bit for bit:
 * <ul>
 * <li>IPv4 without options, UDP, not a fragment (MF clear, offset 0): {@code inet_gso_segment}
 *     copies the first header into every segment, so addresses, ports, TOS, TTL and the flags
 *     (DF) must be the same, and the Ethernet header too;</li>
 * <li>Identification one more than the datagram before (modulo 2^16): {@code inet_gso_segment}
 *     numbers the segments of a UDP_L4 packet id, id+1, ... (only TCP has a fixed-ID variant);</li>
 * <li>every payload but the last exactly {@code gsoSize} bytes (the first datagram's payload); a
 *     shorter one is the last and closes the super-packet. An empty payload never merges: the
 *     kernel refuses a packet no longer than one segment, and cannot make an empty segment;</li>
 * <li>the UDP Length is the IP payload (no bytes after the datagram that would become data);</li>
 * <li>a checksum the kernel may recompute from the bytes: still to be computed
 *     ({@link PacketBuffer#F_NEEDS_CSUM}, what a local sender on a TAP hands over, with the field
 *     holding the pseudo-header sum a sender writes, so that completing it gives what completing
 *     the datagram alone would), or known good: {@link PacketBuffer#F_DATA_VALID}, or verified here
 *     in software, lazily, only when a second datagram would join it (cheaper than the kernel's
 *     per-datagram forwarding it saves, and never a corrupt datagram "repaired" by a recomputed
 *     checksum). Checksum 0 (none, RFC 768) does not merge: every segment gets a checksum.</li>
 * </ul>
 * A datagram that cannot merge leaves alone, as it came, after whatever was pending: order is
 * kept. The super-packet holds at most {@link #MAX_SEGMENTS} datagrams and 65535 bytes of IP
 * Total Length.
 *
 * <p>The super-packet, as Linux's GRO leaves one ({@code udp4_gro_complete}): IP Total Length and
 * UDP Length cover every datagram, the IP header checksum is recomputed, the UDP checksum field
 * holds the folded pseudo-header sum over that UDP Length (not inverted: {@code __udp_gso_segment}
 * swaps the Length in it for each segment's), {@link PacketBuffer#F_NEEDS_CSUM} at the UDP
 * checksum, {@code gsoSize} the payload of one datagram.
 *
 * <p>The first datagram of a run is held by reference and copied only when a second joins it, so
 * a datagram that stays alone goes out untouched. That is why a run starts only with a frame the
 * caller vouches is {@code stable}: nothing writes to it until {@link #flush}, which the caller
 * does at the end of every receive batch (and any other frame for the device flushes first).
 * Nothing is allocated per packet: the super-packet buffer is allocated once.
 */
public final class UdpCoalescer {
    /**
     * The most datagrams in one super-packet. Linux's {@code UDP_MAX_SEGMENTS} was 64 until 6.11
     * (128 since), and a TAP refuses a UDP_L4 packet of more ({@code virtio_net_hdr_to_skb}); 64
     * holds on every kernel that takes USO on a TAP (6.2 and later), and is twice the router's
     * receive batch.
     */
    public static final int MAX_SEGMENTS = 64;
    /** The largest IPv4 Total Length. */
    public static final int MAX_IP_LENGTH = 65535;

    private static final int IP = EthernetFrame.HEADER_LENGTH;                 // 14
    private static final int UDP = IP + Ipv4Packet.MIN_HEADER_LENGTH;          // 34
    private static final int HEADERS = UDP + UdpDatagram.HEADER_LENGTH;        // 42

    /** Where frames leave: the device, without passing through the coalescer again. */
    @FunctionalInterface
    public interface Sink {
        void send(PacketBuffer frame);
    }

    private final PacketBuffer superPacket;
    private final Ipv4Packet ip = new Ipv4Packet();
    private final UdpDatagram udp = new UdpDatagram();
    private final Sink sink;
    private final Counters counters;
    private final int cMerged, cSuperPackets;

    // The run: how many datagrams, the first (held by reference while it is alone), and what the
    // next must match.
    private int count;
    private PacketBuffer first;
    private int length;           // frame length of the run (valid once copied into superPacket)
    private int gsoSize;
    private int nextId;
    private long keyEthernet;     // bytes 0..7: destination MAC and the start of the source MAC
    private int keyEthernetTail;  // bytes 8..11
    private int keyVersionTos;    // IP bytes 0..1
    private int keyFlagsTtlProtocol; // IP bytes 6..9
    private int keySource, keyDestination, keyPorts;
    // The key is compared as raw words rather than field by field: what must match is every byte
    // the kernel copies into each segment, whatever field it belongs to.

    /**
     * A coalescer whose super-packets go to {@code sink}; its counters are registered as
     * {@code prefix + "udp_coalesce.*"} (e.g. prefix {@code "outside."}).
     */
    public UdpCoalescer(Arena arena, String prefix, Counters counters, Sink sink) {
        this.superPacket = PacketBuffer.allocate(arena, IP + MAX_IP_LENGTH);
        this.sink = sink;
        this.counters = counters;
        cMerged = counters.register(prefix + "udp_coalesce.datagrams_merged", "UDP datagrams sent inside UDP GSO super-packets, which the kernel segments again");
        cSuperPackets = counters.register(prefix + "udp_coalesce.super_packets", "UDP GSO super-packets made of two or more datagrams of one flow");
    }

    /** True if a device with these offloads takes the super-packets: UDP GSO with partial checksums. */
    public static boolean suits(Offloads offloads) {
        return offloads.vnetHeader() && offloads.partialChecksum() && offloads.udpSegmentation();
    }

    /** True while datagrams wait for {@link #flush}. */
    public boolean pending() {
        return count > 0;
    }

    /**
     * Offers a frame about to leave by the device (Ethernet header complete, IPv4 at 14, its
     * length the datagram's). True if the coalescer took it: it leaves later, alone or merged, at
     * the latest on {@link #flush}. False if the caller must send it now; whatever was pending has
     * then already been sent, so order is kept. Only a {@code stable} frame (untouched until the
     * next flush) may start a run; any frame may join one, as it is copied.
     */
    public boolean offer(PacketBuffer frame, boolean stable) {
        int payload = payload(frame);
        if (payload <= 0) {
            flush();
            return false;
        }
        if (count > 0 && follows(frame.segment(), payload)) {
            if (!checksumTrusted(frame)) {
                flush();
                return false;
            }
            if (count == 1 && !checksumTrusted(first)) {
                flush();
                return start(frame, payload, stable);
            }
            append(frame, payload);
            // A shorter datagram is the last; a full super-packet takes no more. (One with room
            // for less than gsoSize waits: a shorter last datagram may still fit.)
            if (payload < gsoSize || count == MAX_SEGMENTS || length - IP == MAX_IP_LENGTH) {
                flush();
            }
            return true;
        }
        flush();
        return start(frame, payload, stable);
    }

    /**
     * Back to a new coalescer's state, nothing pending (set-up time: a router's reset). The run's
     * other fields are read only while a run is pending, and a run's start writes them all.
     */
    public void reset() {
        count = 0;
        first = null;
    }

    /** Sends what is pending: a lone datagram as it came, two or more as one super-packet. */
    public void flush() {
        int n = count;
        if (n == 0) {
            return;
        }
        count = 0;
        if (n == 1) {
            PacketBuffer alone = first;
            first = null;
            sink.send(alone);
            return;
        }
        first = null;
        MemorySegment s = superPacket.segment();
        int ipLength = length - IP;
        int udpLength = ipLength - Ipv4Packet.MIN_HEADER_LENGTH;
        ip.wrap(s, IP).totalLength(ipLength).fillHeaderChecksum();
        udp.wrap(s, UDP).length(udpLength)
                .checksum(Checksum.fold(Checksum.pseudoHeaderSum(keySource, keyDestination, IpProtocol.UDP, udpLength)));
        superPacket.length(length);
        superPacket.flags = PacketBuffer.F_NEEDS_CSUM;
        superPacket.gsoType = PacketBuffer.GSO_UDP_L4;
        superPacket.gsoSize = gsoSize;
        superPacket.headerLength = HEADERS;
        superPacket.checksumStart = UDP;
        superPacket.checksumOffset = UdpDatagram.CHECKSUM;
        counters.add(cMerged, n);
        counters.increment(cSuperPackets);
        sink.send(superPacket);
    }

    /**
     * The UDP payload length of a frame that may merge as far as its own headers go (IPv4 without
     * options, UDP, not a fragment, no GSO, UDP Length = IP payload = the frame), else -1.
     */
    private int payload(PacketBuffer frame) {
        MemorySegment s = frame.segment();
        int frameLength = frame.length();
        if (frame.gsoType != PacketBuffer.GSO_NONE || frameLength < HEADERS
                || NetworkOrder.u16(s, EthernetFrame.ETHER_TYPE) != EtherType.IPV4) {
            return -1;
        }
        Ipv4Packet ip = this.ip.wrap(s, IP);
        if (ip.headerLength() != Ipv4Packet.MIN_HEADER_LENGTH || ip.version() != 4 || ip.protocol() != IpProtocol.UDP
                || ip.isFragment()) {
            return -1;
        }
        int ipLength = ip.totalLength();
        int udpLength = NetworkOrder.u16(s, UDP + UdpDatagram.LENGTH);
        if (ipLength != frameLength - IP || udpLength != ipLength - Ipv4Packet.MIN_HEADER_LENGTH) {
            return -1;
        }
        return udpLength - UdpDatagram.HEADER_LENGTH;
    }

    /** True if {@code frame} continues the run: same headers, the next Identification, room left. */
    private boolean follows(MemorySegment s, int payload) {
        return payload <= gsoSize && count < MAX_SEGMENTS && length - IP + payload <= MAX_IP_LENGTH
                && NetworkOrder.u16(s, IP + Ipv4Packet.IDENTIFICATION) == nextId
                && NetworkOrder.i32(s, UDP) == keyPorts
                && NetworkOrder.i32(s, IP + Ipv4Packet.SOURCE) == keySource
                && NetworkOrder.i32(s, IP + Ipv4Packet.DESTINATION) == keyDestination
                && NetworkOrder.i32(s, IP + Ipv4Packet.FLAGS_FRAGMENT) == keyFlagsTtlProtocol
                && NetworkOrder.u16(s, IP) == keyVersionTos
                && s.get(NetworkOrder.U64, 0) == keyEthernet
                && NetworkOrder.i32(s, 8) == keyEthernetTail;
    }

    private boolean start(PacketBuffer frame, int payload, boolean stable) {
        if (!stable) {
            return false;
        }
        MemorySegment s = frame.segment();
        first = frame;
        count = 1;
        length = frame.length();
        gsoSize = payload;
        nextId = (NetworkOrder.u16(s, IP + Ipv4Packet.IDENTIFICATION) + 1) & 0xffff;
        keyEthernet = s.get(NetworkOrder.U64, 0);
        keyEthernetTail = NetworkOrder.i32(s, 8);
        keyVersionTos = NetworkOrder.u16(s, IP);
        keyFlagsTtlProtocol = NetworkOrder.i32(s, IP + Ipv4Packet.FLAGS_FRAGMENT);
        keySource = NetworkOrder.i32(s, IP + Ipv4Packet.SOURCE);
        keyDestination = NetworkOrder.i32(s, IP + Ipv4Packet.DESTINATION);
        keyPorts = NetworkOrder.i32(s, UDP);
        return true;
    }

    private void append(PacketBuffer frame, int payload) {
        MemorySegment into = superPacket.segment();
        if (count == 1) {
            MemorySegment.copy(first.segment(), 0, into, 0, length);
        }
        MemorySegment.copy(frame.segment(), HEADERS, into, length, payload);
        length += payload;
        count++;
        nextId = (nextId + 1) & 0xffff;
    }

    /**
     * True if the kernel may compute the datagram's checksum from its bytes without changing what
     * the receiver gets: partial with the pseudo-header sum in the field, or a non-zero checksum
     * known or verified to be right.
     */
    private boolean checksumTrusted(PacketBuffer frame) {
        MemorySegment s = frame.segment();
        int field = udp.wrap(s, UDP).checksum();
        int udpLength = frame.length() - UDP;
        Ipv4Packet ip = this.ip.wrap(s, IP);
        long pseudo = Checksum.pseudoHeaderSum(ip.sourceAddress(), ip.destinationAddress(), IpProtocol.UDP, udpLength);
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) != 0) {
            // The field is a ones' complement number: 0 and 0xFFFF are the same one (RFC 1071),
            // and the NAT's incremental update may leave either.
            return frame.checksumStart == UDP && frame.checksumOffset == UdpDatagram.CHECKSUM
                    && onesComplement(field) == onesComplement(Checksum.fold(pseudo));
        }
        if (field == 0) {
            return false;
        }
        return (frame.flags & PacketBuffer.F_DATA_VALID) != 0
                || Checksum.verifies(Checksum.add(s, UDP, udpLength, pseudo));
    }

    private static int onesComplement(int value) {
        return value == 0xffff ? 0 : value;
    }
}
