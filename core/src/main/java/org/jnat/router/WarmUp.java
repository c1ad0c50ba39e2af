package org.jnat.router;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.config.RouterConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.MemoryDevice;
import org.jnat.device.NetDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.ManualClock;
import org.jnat.stack.Side;
import org.jnat.wire.ArpFrames;
import org.jnat.wire.ArpPacket;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IcmpFrames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.SyntheticFrames;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.jnat.wire.UdpFrames;

/**
 * The JIT warm-up of the packet path ({@code [dataplane] warm-up}, issue 16). A router that has
 * only carried bulk TCP and UDP meets its first pings with the ICMP query path still interpreted
 * or at C1, and pays 100 to 300 µs a round trip until C2 has compiled it. Before the data plane
 * takes its first real frame, this runs synthetic traffic of every kind a router sees through a
 * private {@link Router} and {@link Translator} over stand-ins of the real devices (socket pairs of
 * TAPs in jnat, memory links in tests), made from the same config:
 * ARP, a TCP connection (handshake, data both ways, FIN), UDP out and back with an ICMP error
 * about it, ICMP echo out and back, an echo to the router itself, a datagram whose TTL runs out,
 * and a fragmented datagram. A host on each side answers ARP. Everything is thrown away after:
 * the real router's tables, counters and devices never see it.
 *
 * <p>Frames enter through {@link Router#handleFrame}, not a device's receive, so the real loop's
 * receive call sites keep the profile of the real devices alone.
 */
public final class WarmUp {
    /**
     * Rounds by default: each round is some 30 frames. With fewer, the ICMP query methods were
     * still waiting for C2 (whose thresholds grow with its queue) when the warm-up ended.
     */
    public static final int ROUNDS = 8_000;
    /**
     * Echo exchanges a round: the query path, which the ping test takes and bulk traffic never
     * does, runs more often than the rest, so that C2 compiles it within the rounds.
     */
    public static final int ECHOES = 4;
    private static final long PEER_MAC_BASE = 0x02_00_5e_ed_00_00L;
    private static final int REMOTE = 0xcb007107; // 203.0.113.7 (RFC 5737), the outside's far end
    private static final int SERVICE_PORT = 80;

    /**
     * What a warm-up did.
     *
     * @param framesIn        synthetic frames handed to the private router
     * @param framesOut       frames it sent on both sides
     * @param repliesBack     replies from the outside it translated back to the inside host: 0 when
     *                        the NAT or routing refused the traffic, so the paths were not warmed
     * @param nanos           how long it took
     */
    public record Result(long framesIn, long framesOut, long repliesBack, long nanos) {
    }

    private final Router router;
    private final ManualClock clock = new ManualClock(1_000_000_000L);
    /** The far end of each link, where the warm-up plays the hosts. */
    private final NetDevice[] far = new NetDevice[2];
    private final FrameBatch drain;
    private final PacketBuffer frame = PacketBuffer.allocate();
    private final PacketBuffer reply = PacketBuffer.allocate();
    /** The last IPv4 frame the router sent on the outside: its translated source, and the datagram to quote. */
    private final PacketBuffer lastOut = PacketBuffer.allocate();
    private final PacketBuffer whole = PacketBuffer.allocate();
    private final ArpPacket arp = new ArpPacket();
    private final Ipv4Packet quoted = new Ipv4Packet();
    /** Views for reading what the router sent. */
    private final EthernetFrame ethernet = new EthernetFrame();
    private final Ipv4Packet sent = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final UdpDatagram udp = new UdpDatagram();
    private final IcmpPacket query = new IcmpPacket();
    private final int host;
    private final int remote;
    private final long hostMac = PEER_MAC_BASE | 1, remoteMac = PEER_MAC_BASE | 2;
    private long framesIn, framesOut, repliesBack, insideOut;

    private WarmUp(RouterConfig config, Translator translator, NetDevice inside, NetDevice insideFar,
                   NetDevice outside, NetDevice outsideFar) {
        far[Side.INSIDE] = insideFar;
        far[Side.OUTSIDE] = outsideFar;
        router = new Router(config, inside, outside, clock, new Counters(), translator);
        // The router sends no frame longer than an MTU and its Ethernet header (no offloads here).
        drain = new FrameBatch(Arena.ofAuto(), 64, Math.max(config.inside().mtu(), config.outside().mtu())
                + MemoryDevice.LINK_HEADROOM);
        host = neighborOf(config.inside().network(), config.inside().address());
        remote = config.outside().gateway() != 0 ? REMOTE
                : neighborOf(config.outside().network(), config.outside().address());
    }

    /** The second or third address of a network: one that is not the router's. */
    private static int neighborOf(int network, int routerAddress) {
        return network + 2 == routerAddress ? network + 3 : network + 2;
    }

    /**
     * Runs {@code rounds} rounds through a private router made from {@code config} with
     * {@code translator} (a fresh one, used for nothing else), over memory links with the given
     * offloads.
     */
    public static Result run(RouterConfig config, Translator translator, Offloads insideOffloads,
                             Offloads outsideOffloads, int rounds) {
        MemoryDevice.Pair inside = MemoryDevice.pair("warm-up-inside", config.inside().mtu(),
                MemoryDevice.DEFAULT_RING_SIZE, insideOffloads);
        MemoryDevice.Pair outside = MemoryDevice.pair("warm-up-outside", config.outside().mtu(),
                MemoryDevice.DEFAULT_RING_SIZE, outsideOffloads);
        return run(config, translator, inside.a(), inside.b(), outside.a(), outside.b(), rounds);
    }

    /**
     * As {@link #run(RouterConfig, Translator, Offloads, Offloads, int)} over links given as their
     * two ends: the router's ({@code inside}, {@code outside}) and the far one, where the warm-up
     * plays the hosts. The router's ends should be of the real devices' class, so that the
     * router's device call sites meet no other class (see {@code TapDevice.socketPair}).
     */
    public static Result run(RouterConfig config, Translator translator, NetDevice inside, NetDevice insideFar,
                             NetDevice outside, NetDevice outsideFar, int rounds) {
        long start = System.nanoTime();
        WarmUp w = new WarmUp(config, translator, inside, insideFar, outside, outsideFar);
        w.router.start(w.clock.nanos());
        for (int r = 0; r < rounds; r++) {
            w.round(r);
        }
        return new Result(w.framesIn, w.framesOut, w.repliesBack, System.nanoTime() - start);
    }

    private void round(int r) {
        MemorySegment f = frame.segment();
        long routerIn = router.iface(Side.INSIDE).mac(), routerOut = router.iface(Side.OUTSIDE).mac();
        int insideAddress = router.iface(Side.INSIDE).address();
        int port = 20_000 + (r & 0x3fff);
        // ARP for the router, as a host does when its entry expires.
        inside(ArpFrames.request(f, hostMac, host, insideAddress));
        // A TCP connection: handshake, a segment each way, FIN each way.
        int seq = r * 7919, peerSeq = r * 104_729;
        inside(SyntheticFrames.tcp(f, hostMac, routerIn, host, port, remote, SERVICE_PORT, seq, 0, TcpSegment.SYN, 0));
        outsideReply(SyntheticFrames.tcp(f, remoteMac, routerOut, remote, SERVICE_PORT, lastSource(), lastPort(),
                peerSeq, seq + 1, TcpSegment.SYN | TcpSegment.ACK, 0));
        inside(SyntheticFrames.tcp(f, hostMac, routerIn, host, port, remote, SERVICE_PORT, seq + 1, peerSeq + 1,
                TcpSegment.ACK, 0));
        inside(SyntheticFrames.tcp(f, hostMac, routerIn, host, port, remote, SERVICE_PORT, seq + 1, peerSeq + 1,
                TcpSegment.PSH | TcpSegment.ACK, 100));
        outsideReply(SyntheticFrames.tcp(f, remoteMac, routerOut, remote, SERVICE_PORT, lastSource(), lastPort(),
                peerSeq + 1, seq + 101, TcpSegment.PSH | TcpSegment.ACK, 100));
        inside(SyntheticFrames.tcp(f, hostMac, routerIn, host, port, remote, SERVICE_PORT, seq + 101, peerSeq + 101,
                TcpSegment.FIN | TcpSegment.ACK, 0));
        outsideReply(SyntheticFrames.tcp(f, remoteMac, routerOut, remote, SERVICE_PORT, lastSource(), lastPort(),
                peerSeq + 101, seq + 102, TcpSegment.FIN | TcpSegment.ACK, 0));
        inside(SyntheticFrames.tcp(f, hostMac, routerIn, host, port, remote, SERVICE_PORT, seq + 102, peerSeq + 102,
                TcpSegment.ACK, 0));
        // UDP out and back, then an ICMP error about the datagram that went out.
        inside(UdpFrames.write(f, hostMac, routerIn, host, port, remote, 53, 32, r, 64));
        outsideReply(UdpFrames.write(f, remoteMac, routerOut, remote, 53, lastSource(), lastPort(), 32, r, 64));
        quoted.wrap(lastOut.segment(), EthernetFrame.HEADER_LENGTH);
        outsideReply(IcmpFrames.error(f, remoteMac, routerOut, remote, IcmpPacket.DESTINATION_UNREACHABLE,
                IcmpPacket.PORT_UNREACHABLE, 0, quoted, r));
        // ICMP echo out and back: the query path the ping test takes.
        for (int e = 0; e < ECHOES; e++) {
            int sequence = (r * ECHOES + e) & 0xffff;
            inside(SyntheticFrames.icmpQuery(f, hostMac, routerIn, host, remote, IcmpPacket.ECHO_REQUEST, port,
                    sequence, 56));
            outsideReply(SyntheticFrames.icmpQuery(f, remoteMac, routerOut, remote, lastSource(),
                    IcmpPacket.ECHO_REPLY, lastQueryIdentifier(), sequence, 56));
        }
        // The router's own ICMP: an echo to it, and a datagram whose TTL runs out on it.
        inside(SyntheticFrames.icmpQuery(f, hostMac, routerIn, host, insideAddress, IcmpPacket.ECHO_REQUEST, port,
                r & 0xffff, 56));
        inside(UdpFrames.write(f, hostMac, routerIn, host, port, remote, 33_434, 32, r, 1));
        // A datagram in two fragments.
        MemorySegment w = whole.segment();
        int length = UdpFrames.write(w, hostMac, routerIn, host, port, remote, 53, 64, r, 64);
        int data = length - EthernetFrame.HEADER_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
        inside(SyntheticFrames.fragment(w, f, 0, 40, true));
        inside(SyntheticFrames.fragment(w, f, 40, data - 40, false));
    }

    /** The last IPv4 frame the router sent on the outside, in {@link #sent}; its payload's offset. */
    private long lastOutPayload() {
        sent.wrap(lastOut.segment(), EthernetFrame.HEADER_LENGTH);
        return EthernetFrame.HEADER_LENGTH + sent.headerLength();
    }

    private int lastSource() {
        lastOutPayload();
        return sent.sourceAddress();
    }

    /** The translated source port of the last TCP segment or UDP datagram sent on the outside. */
    private int lastPort() {
        long at = lastOutPayload();
        return sent.protocol() == IpProtocol.TCP ? tcp.wrap(lastOut.segment(), at).sourcePort()
                : udp.wrap(lastOut.segment(), at).sourcePort();
    }

    /** The translated identifier of the last ICMP query sent on the outside. */
    private int lastQueryIdentifier() {
        return query.wrap(lastOut.segment(), lastOutPayload()).identifier();
    }

    private void inside(int length) {
        feed(length, Side.INSIDE);
    }

    /** A reply from the outside: counted as back when the router sent something to the inside host for it. */
    private void outsideReply(int length) {
        long before = insideOut;
        feed(length, Side.OUTSIDE);
        if (insideOut > before) {
            repliesBack++;
        }
    }

    private void feed(int length, int side) {
        if (length == 0) {
            return;
        }
        clock.advance(1_000);
        frame.clearOffload();
        frame.length(length);
        framesIn++;
        router.handleFrame(frame, side, clock.nanos());
        pump();
    }

    /** Takes what the router sent on both sides; answers ARP requests; keeps the last IPv4 frame out. */
    private void pump() {
        boolean more = true;
        while (more) {
            more = false;
            for (int side = 0; side < 2; side++) {
                int n = far[side].receive(drain);
                for (int i = 0; i < n; i++) {
                    more = true;
                    framesOut++;
                    if (side == Side.INSIDE) {
                        insideOut++;
                    }
                    PacketBuffer out = drain.get(i);
                    int type = ethernet.wrap(out.segment(), 0).etherType();
                    if (type == EtherType.ARP) {
                        answerArp(out, side);
                    } else if (type == EtherType.IPV4 && side == Side.OUTSIDE) {
                        lastOut.copyFrom(out);
                    }
                }
            }
        }
    }

    private void answerArp(PacketBuffer request, int side) {
        arp.wrap(request.segment(), EthernetFrame.HEADER_LENGTH);
        if (!arp.check(request.length() - EthernetFrame.HEADER_LENGTH) || arp.operation() != ArpPacket.REQUEST) {
            return;
        }
        long mac = side == Side.INSIDE ? hostMac : remoteMac;
        int length = ArpFrames.reply(reply.segment(), mac, arp.targetProtocolAddress(), arp.senderHardwareAddress(),
                arp.senderProtocolAddress());
        reply.clearOffload();
        reply.length(length);
        framesIn++;
        router.handleFrame(reply, side, clock.nanos());
    }
}
