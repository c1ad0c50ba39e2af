package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.Timeouts;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;

/**
 * The NAT's properties (DESIGN section 6, tier 2), driven by a byte string read as a script: a
 * configuration, then an interleaving of packets from both sides, clock steps, host deletions and
 * garbage. After every step:
 *
 * <ul>
 *   <li>nothing throws;</li>
 *   <li>no packet reaches an inside host without a session, a forward or the DMZ allowing it: an
 *       inbound packet forwarded inside has a live session, and the filtering behaviour allowed it
 *       (its external port was used outbound towards that remote address, or address and port, as
 *       the behaviour asks), unless a forward or the DMZ took it;</li>
 *   <li>every checksum of a translated well-formed packet is valid;</li>
 *   <li>the table stays within max-sessions and max-sessions-per-host;</li>
 *   <li>no two inside endpoints share an external port of one protocol;</li>
 *   <li>translating out and back is the identity: the reply to a translated packet comes back to
 *       the very endpoint that sent it;</li>
 *   <li>a host that holds a closed TCP session is never refused a new outbound session for its
 *       quota or a full table: its oldest closed session makes room;</li>
 *   <li>the table's bookkeeping agrees with its sessions ({@link NatInvariants}): wheel, both keys,
 *       host counts, mapping references, port owners, filter counts, closed-session lists.</li>
 * </ul>
 */
final class NatProperties {
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final int ROUTER_INSIDE = Ipv4Address.parse("192.168.1.1");
    static final int[] HOSTS = {Ipv4Address.parse("192.168.1.10"), Ipv4Address.parse("192.168.1.11"),
        Ipv4Address.parse("192.168.1.12"), Ipv4Address.parse("192.168.1.13")};
    static final int[] REMOTES = {Ipv4Address.parse("198.51.100.10"), Ipv4Address.parse("198.51.100.11"),
        Ipv4Address.parse("8.8.8.8"), PUBLIC};
    static final int[] PORTS = {1000, 1001, 1024, 1100, 5000, 5001, 8080, 40000};
    static final int[] REMOTE_PORTS = {53, 80, 443, 3478};
    static final int FORWARD_PORT = 8080;
    static final int FORWARD_TARGET = HOSTS[3];
    static final int MAX_SESSIONS = 24;
    static final int PER_HOST = 9;

    private NatProperties() {
    }

    /** Reads the script byte by byte; 0 once it runs out. */
    static final class Script {
        private final byte[] bytes;
        private int position;

        Script(byte[] bytes) {
            this.bytes = bytes;
        }

        boolean more() {
            return position < bytes.length;
        }

        int next(int bound) {
            return position < bytes.length ? (bytes[position++] & 0xff) % bound : 0;
        }
    }

    /** One translated outbound packet, as the remote saw it: what it may answer. */
    record Sent(int protocol, int insideAddress, int insidePort, int remote, int remotePort, int external,
            PacketBuffer packet) {
    }

    /** Runs one script; returns how many closed sessions were reclaimed on the way. */
    static long run(byte[] input) {
        Script s = new Script(input);
        Behavior mapping = Behavior.values()[s.next(3)];
        Behavior filtering = Behavior.values()[s.next(3)];
        boolean reject = s.next(2) == 1;
        boolean dmzOn = s.next(3) == 0;
        boolean inboundRefresh = s.next(2) == 1;
        int dmz = dmzOn ? HOSTS[2] : 0;
        Timeouts t = Timeouts.defaults();
        NatConfig config = new NatConfig(mapping, filtering, 1000, 1100, MAX_SESSIONS, PER_HOST, true,
                reject ? NatConfig.Unmatched.REJECT : NatConfig.Unmatched.DROP, dmz, t, inboundRefresh);
        Counters counters = new Counters();
        NatEngine nat = new NatEngine(config, PUBLIC, ROUTER_INSIDE,
                List.of(new ForwardRule(IpProtocol.TCP, FORWARD_PORT, FORWARD_PORT, FORWARD_TARGET, 80)),
                counters, input.length);
        long now = 1_000_000_000L;
        List<Sent> sent = new ArrayList<>();
        // What filtering may let in: external endpoints used towards (remote), (remote, port).
        Set<List<Integer>> contactedAddress = new HashSet<>();
        Set<List<Integer>> contactedEndpoint = new HashSet<>();
        Set<List<Integer>> usedExternal = new HashSet<>();
        int steps = 0;
        while (s.more() && steps++ < 400) {
            switch (s.next(10)) {
                case 0, 1, 2 -> { // outbound TCP/UDP/ICMP query
                    int protocol = new int[] {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.ICMP}[s.next(3)];
                    int host = HOSTS[s.next(HOSTS.length)];
                    int port = PORTS[s.next(PORTS.length)];
                    int remote = REMOTES[s.next(REMOTES.length)];
                    int remotePort = REMOTE_PORTS[s.next(REMOTE_PORTS.length)];
                    int flags = new int[] {TcpSegment.SYN, TcpSegment.ACK, TcpSegment.SYN | TcpSegment.ACK,
                        TcpSegment.FIN | TcpSegment.ACK, TcpSegment.RST}[s.next(5)];
                    PacketBuffer p = switch (protocol) {
                        case IpProtocol.TCP -> Frames.tcpPacket(host, port, remote, remotePort, flags, s.next(40));
                        case IpProtocol.UDP -> Frames.udpPacket(host, port, remote, remotePort, s.next(40));
                        default -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, host, remote, port, s.next(256));
                    };
                    boolean canReclaim = nat.table().oldestClosed(host) >= 0;
                    long refusedBefore = counters.get("nat.refused.host_quota")
                            + counters.get("nat.refused.table_full");
                    int verdict = nat.outbound(p, Frames.IP, now);
                    if (canReclaim) {
                        assertThat(counters.get("nat.refused.host_quota") + counters.get("nat.refused.table_full"))
                                .as("a host with a closed session refused for quota or a full table")
                                .isEqualTo(refusedBefore);
                    }
                    if (remote == PUBLIC && protocol != IpProtocol.ICMP) {
                        // A hairpin the owner refused still made the sender's own session.
                        int own = nat.table().peekInside(of(protocol, host, port), of(protocol, PUBLIC, remotePort),
                                now);
                        if (own >= 0) {
                            usedExternal.add(List.of(protocol, nat.table().sessions().externalPort(own)));
                        }
                    }
                    if (verdict != NatVerdict.FORWARD) {
                        break;
                    }
                    assertThat(FrameFields.checksumsValid(p)).as("checksums of a translated packet").isTrue();
                    Ipv4Packet ip = FrameFields.ip(p);
                    if (remote == PUBLIC && protocol != IpProtocol.ICMP) {
                        // Hairpinned: it went back inside, to the owner of the port.
                        assertThat(Ipv4Address.inPrefix(ip.destinationAddress(), ROUTER_INSIDE, 24)).isTrue();
                        assertThat(ip.sourceAddress()).isEqualTo(PUBLIC);
                        usedExternal.add(List.of(protocol, FrameFields.sourcePort(p)));
                        break;
                    }
                    assertThat(ip.sourceAddress()).isEqualTo(PUBLIC);
                    int external = FrameFields.sourcePort(p);
                    int rp = protocol == IpProtocol.ICMP ? 0 : remotePort;
                    sent.add(new Sent(protocol, host, port, remote, rp, external, p));
                    usedExternal.add(List.of(protocol, external));
                    contactedAddress.add(List.of(protocol, external, remote));
                    contactedEndpoint.add(List.of(protocol, external, remote, rp));
                    if (s.next(2) == 0) {
                        outAndBack(nat, sent.getLast(), now);
                    }
                }
                case 3 -> { // inbound TCP/UDP to some port
                    int protocol = s.next(2) == 0 ? IpProtocol.TCP : IpProtocol.UDP;
                    int remote = REMOTES[s.next(REMOTES.length - 1)];
                    int remotePort = REMOTE_PORTS[s.next(REMOTE_PORTS.length)];
                    int port = s.next(2) == 0 && !sent.isEmpty() ? sent.get(s.next(sent.size())).external()
                            : 995 + s.next(110);
                    int flags = new int[] {TcpSegment.SYN, TcpSegment.ACK, TcpSegment.SYN | TcpSegment.ACK,
                        TcpSegment.RST, TcpSegment.FIN | TcpSegment.ACK}[s.next(5)];
                    PacketBuffer p = protocol == IpProtocol.TCP
                            ? Frames.tcpPacket(remote, remotePort, PUBLIC, port, flags, s.next(20))
                            : Frames.udpPacket(remote, remotePort, PUBLIC, port, s.next(20));
                    int verdict = nat.inbound(p, Frames.IP, now);
                    if (verdict == NatVerdict.FORWARD) {
                        Ipv4Packet ip = FrameFields.ip(p);
                        assertThat(FrameFields.checksumsValid(p)).isTrue();
                        int inside = ip.destinationAddress();
                        int insidePort = FrameFields.destinationPort(p);
                        assertThat(nat.table().peekInside(of(protocol, inside, insidePort),
                                of(protocol, remote, remotePort), now))
                                .as("a live session takes every packet let in").isGreaterThanOrEqualTo(0);
                        boolean forward = protocol == IpProtocol.TCP && port == FORWARD_PORT;
                        boolean allowed = forward || dmzOn || switch (filtering) {
                            case ENDPOINT_INDEPENDENT -> usedExternal.contains(List.of(protocol, port));
                            case ADDRESS_DEPENDENT -> contactedAddress.contains(List.of(protocol, port, remote));
                            case ADDRESS_AND_PORT_DEPENDENT ->
                                    contactedEndpoint.contains(List.of(protocol, port, remote, remotePort));
                        };
                        assertThat(allowed).as("unsolicited inbound %s to port %d let in under %s filtering",
                                protocol, port, filtering).isTrue();
                        if (forward) {
                            assertThat(inside).isEqualTo(FORWARD_TARGET);
                            assertThat(ip.sourceAddress()).as("a forward keeps the client's address")
                                    .isEqualTo(remote);
                        }
                    } else {
                        assertThat(verdict).isIn(NatVerdict.DROP, NatVerdict.REJECT, NatVerdict.CONSUMED,
                                NatVerdict.PROHIBITED);
                    }
                }
                case 4 -> { // an ICMP error about something we sent, maybe truncated, maybe from anywhere
                    if (sent.isEmpty()) {
                        break;
                    }
                    Sent x = sent.get(s.next(sent.size()));
                    int from = s.next(2) == 0 ? x.remote() : Ipv4Address.parse("203.0.113.254");
                    PacketBuffer error = Frames.icmpErrorPacket(from, PUBLIC, IcmpPacket.DESTINATION_UNREACHABLE,
                            s.next(16), x.packet(), s.next(2) == 0 ? 8 : 1000);
                    // Errors change nothing, so the owner now is the one the error must reach.
                    int owner = nat.table().peekOutside(x.external(), of(x.protocol(), x.remote(), x.remotePort()),
                            now);
                    long expiry = owner >= 0 ? nat.table().sessions().expiry(owner) : 0;
                    int verdict = nat.inbound(error, Frames.IP, now);
                    if (owner < 0) {
                        assertThat(verdict).as("an error quoting no session").isEqualTo(NatVerdict.DROP);
                        break;
                    }
                    assertThat(verdict).isEqualTo(NatVerdict.FORWARD);
                    assertThat(nat.table().sessions().expiry(owner)).as("REQ-12: no refresh").isEqualTo(expiry);
                    assertThat(FrameFields.checksumsValid(error)).isTrue();
                    Ipv4Packet q = new Ipv4Packet().wrap(error.segment(), Frames.IP + 28);
                    int inside = nat.table().sessions().insideAddress(owner);
                    assertThat(FrameFields.ip(error).destinationAddress()).isEqualTo(inside);
                    assertThat(q.sourceAddress()).isEqualTo(inside);
                    int quotedPort = x.protocol() == IpProtocol.ICMP
                            ? FrameFields.u16(error, q.payloadOffset() + 4) : FrameFields.u16(error, q.payloadOffset());
                    assertThat(quotedPort).isEqualTo(nat.table().sessions().insidePort(owner));
                }
                case 5 -> { // the clock moves; idle sessions go
                    now += new long[] {1_000_000L, 1_000_000_000L, 30_000_000_000L, 130_000_000_000L,
                        301_000_000_000L, 7_500_000_000_000L}[s.next(6)];
                    nat.expire(now);
                }
                case 6 -> { // garbage either way
                    byte[] junk = new byte[20 + s.next(60)];
                    for (int i = 0; i < junk.length; i++) {
                        junk[i] = (byte) s.next(256);
                    }
                    junk[0] = (byte) (0x45 + s.next(2));
                    PacketBuffer p = Frames.buffer();
                    MemorySegment.copy(junk, 0, p.segment(), ValueLayout.JAVA_BYTE, Frames.IP, junk.length);
                    p.length(Frames.IP + junk.length);
                    int verdict = s.next(2) == 0 ? nat.outbound(p, Frames.IP, now) : nat.inbound(p, Frames.IP, now);
                    assertThat(verdict).isBetween(NatVerdict.FORWARD, NatVerdict.CONSUMED);
                }
                case 7, 8 -> { // a connection that went out closes: FINs both ways, or a RST from either side
                    if (sent.isEmpty()) {
                        break;
                    }
                    Sent x = sent.get(s.next(sent.size()));
                    if (x.protocol() != IpProtocol.TCP) {
                        break;
                    }
                    int how = s.next(3);
                    if (how != 1) {
                        PacketBuffer out = Frames.tcpPacket(x.insideAddress(), x.insidePort(), x.remote(), x.remotePort(),
                                how == 0 ? TcpSegment.FIN | TcpSegment.ACK : TcpSegment.RST, 0);
                        int verdict = nat.outbound(out, Frames.IP, now);
                        assertThat(verdict).isBetween(NatVerdict.FORWARD, NatVerdict.CONSUMED);
                        if (verdict == NatVerdict.FORWARD) { // (its session may be gone: a FIN makes a new one)
                            int external = FrameFields.sourcePort(out);
                            usedExternal.add(List.of(IpProtocol.TCP, external));
                            contactedAddress.add(List.of(IpProtocol.TCP, external, x.remote()));
                            contactedEndpoint.add(List.of(IpProtocol.TCP, external, x.remote(), x.remotePort()));
                        }
                    }
                    if (how != 2) {
                        PacketBuffer in = Frames.tcpPacket(x.remote(), x.remotePort(), PUBLIC, x.external(),
                                how == 0 ? TcpSegment.FIN | TcpSegment.ACK : TcpSegment.RST, 0);
                        assertThat(nat.inbound(in, Frames.IP, now)).isBetween(NatVerdict.FORWARD,
                                NatVerdict.CONSUMED);
                    }
                }
                default -> nat.table().deleteHost(HOSTS[s.next(HOSTS.length)], now);
            }
            checkTable(nat.table());
            while (nat.nextHeldReject(now) != null) {
                // held SYNs come due; nothing to check but that it does not throw
            }
        }
        assertThat(counters.get("nat.reclaimed.closed_tcp")).isEqualTo(nat.table().reclaimed());
        return nat.table().reclaimed();
    }

    /** The reply of the remote to {@code x} comes back to the endpoint that sent it. */
    private static void outAndBack(NatEngine nat, Sent x, long now) {
        PacketBuffer reply = switch (x.protocol()) {
            case IpProtocol.TCP -> Frames.tcpPacket(x.remote(), x.remotePort(), PUBLIC, x.external(), TcpSegment.ACK, 3);
            case IpProtocol.UDP -> Frames.udpPacket(x.remote(), x.remotePort(), PUBLIC, x.external(), 3);
            default -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, x.remote(), PUBLIC, x.external(), 1);
        };
        assertThat(nat.inbound(reply, Frames.IP, now)).as("the reply to a translated packet").isEqualTo(
                NatVerdict.FORWARD);
        assertThat(FrameFields.ip(reply).destinationAddress()).isEqualTo(x.insideAddress());
        assertThat(FrameFields.destinationPort(reply)).isEqualTo(x.insidePort());
        assertThat(FrameFields.ip(reply).sourceAddress()).isEqualTo(x.remote());
        if (x.protocol() != IpProtocol.ICMP) {
            assertThat(FrameFields.sourcePort(reply)).isEqualTo(x.remotePort());
        }
        assertThat(FrameFields.checksumsValid(reply)).isTrue();
    }

    /** Bounds, quotas, and no port overloading (RFC 4787 REQ-3), over the whole table. */
    static void checkTable(NatTable table) {
        SessionTable sessions = table.sessions();
        assertThat(table.size()).isLessThanOrEqualTo(MAX_SESSIONS);
        Map<List<Integer>, List<Integer>> owners = new HashMap<>();
        Map<Integer, Integer> perHost = new HashMap<>();
        int live = 0;
        for (int id = 0; id < sessions.capacity(); id++) {
            if (!sessions.isLive(id)) {
                continue;
            }
            live++;
            perHost.merge(sessions.insideAddress(id), 1, Integer::sum);
            List<Integer> external = List.of(sessions.protocol(id), sessions.externalPort(id));
            List<Integer> inside = List.of(sessions.insideAddress(id), sessions.insidePort(id));
            List<Integer> prior = owners.putIfAbsent(external, inside);
            assertThat(prior == null || prior.equals(inside)).as("external %s held by %s and %s", external, prior,
                    inside).isTrue();
        }
        assertThat(live).isEqualTo(table.size());
        for (var e : perHost.entrySet()) {
            assertThat(e.getValue()).isLessThanOrEqualTo(PER_HOST);
            assertThat(table.sessionsOf(e.getKey())).isEqualTo(e.getValue());
        }
        NatInvariants.check(table);
    }
}
