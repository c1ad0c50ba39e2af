package org.jnat.nat;

import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * Looks up the sessions of a batch of frames ahead of their translation
 * ({@link org.jnat.router.Translator#prefetch}): the hash of each frame's key, then every index
 * slot, then every row ({@link SessionTable#prefetch}), so that with a table far larger than the
 * caches the misses of the batch overlap and the engine then finds each session warm. Reads only,
 * through the wire views, guarded by each frame's length, and changes no state: a frame it cannot
 * read is just not looked up.
 */
final class LookAhead {
    /**
     * Below this many live sessions a look-ahead is skipped: the rows and index slots of a few
     * thousand flows stay in the caches, so looking ahead would only cost.
     */
    static final int MIN_SESSIONS = 1 << 14;
    /** Frames looked up ahead at a time. */
    private static final int AHEAD = 64;
    private static final long NO_HASH = -1L;

    private final SessionTable sessions;
    private final PublicAddresses pool;
    private final int[] hashes = new int[AHEAD];
    private final long[] entries = new long[AHEAD];
    /** What the look-ahead read, kept so that its loads are not dead code. */
    private long sum;
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final IcmpPacket icmp = new IcmpPacket();

    LookAhead(SessionTable sessions, PublicAddresses pool) {
        this.sessions = sessions;
        this.pool = pool;
    }

    /** Looks up the {@code count} frames of {@code batch} that came in on the inside ({@code inside}) or outside. */
    void prefetch(FrameBatch batch, int count, boolean inside) {
        if (sessions.size() < MIN_SESSIONS) {
            return;
        }
        for (int from = 0; from < count; from += AHEAD) {
            int to = Math.min(count, from + AHEAD);
            int n = 0;
            for (int k = from; k < to; k++) {
                long hash = hash(batch.get(k), inside);
                if (hash != NO_HASH) {
                    hashes[n++] = (int) hash;
                }
            }
            sum += sessions.prefetch(hashes, entries, n, inside);
        }
    }

    /**
     * The hash of the session key a frame's IPv4 packet would be looked up by, or {@link #NO_HASH}:
     * TCP and UDP ports, ICMP query identifiers (echo and timestamp requests outbound, their replies
     * inbound to the public address).
     */
    private long hash(PacketBuffer frame, boolean inside) {
        int length = frame.length();
        if (!ethernet.wrap(frame.segment(), 0).check(length) || ethernet.etherType() != EtherType.IPV4
                || !ip.wrap(frame.segment(), ethernet.payloadOffset()).checkQuoted(length - ethernet.headerLength())) {
            return NO_HASH;
        }
        long l4 = ip.payloadOffset();
        int rest = length - (int) l4;
        int protocol = ip.protocol();
        int first;
        int second;
        if (protocol == IpProtocol.TCP && tcp.wrap(frame.segment(), l4).checkQuoted(rest)) {
            first = tcp.sourcePort();
            second = tcp.destinationPort();
        } else if (protocol == IpProtocol.UDP && udp.wrap(frame.segment(), l4).checkQuoted(rest)) {
            first = udp.sourcePort();
            second = udp.destinationPort();
        } else if (protocol == IpProtocol.ICMP && icmp.wrap(frame.segment(), l4).check(rest) && query(inside)) {
            first = icmp.identifier();
            second = 0;
        } else {
            return NO_HASH;
        }
        int source = ip.sourceAddress();
        if (inside) {
            return SessionTable.insideHash(Endpoint.of(protocol, source, first),
                    Endpoint.of(protocol, ip.destinationAddress(), second)) & 0xffffffffL;
        }
        int a = pool.indexOf(ip.destinationAddress());
        if (a < 0) {
            return NO_HASH;
        }
        // Inbound, the destination port (an ICMP reply: the identifier) is the external port.
        int hash = protocol == IpProtocol.ICMP
                ? SessionTable.outsideHash(PublicAddresses.external(a, first), Endpoint.of(protocol, source, 0))
                : SessionTable.outsideHash(PublicAddresses.external(a, second), Endpoint.of(protocol, source, first));
        return hash & 0xffffffffL;
    }

    /** True for the ICMP queries that are looked up: requests going out, their replies coming in. */
    private boolean query(boolean inside) {
        int type = icmp.type();
        return inside ? type == IcmpPacket.ECHO_REQUEST || type == IcmpPacket.TIMESTAMP
                : type == IcmpPacket.ECHO_REPLY || type == IcmpPacket.TIMESTAMP_REPLY;
    }
}
