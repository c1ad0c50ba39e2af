package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Require;
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
    /**
     * Tables sized for the fuzzer: 8 sessions (12 rows), 3 a host, so that a script of a few dozen
     * steps (bench/fuzz caps the input at 128 bytes) reaches a full table, a host at its quota and
     * the reclaim of a closed session, where 24 and 9 needed hundreds of bytes; the per-step checks
     * walk a third of the rows. The port range stays (101 ports, both range classes).
     */
    static final int MAX_SESSIONS = 8;
    static final int PER_HOST = 3;

    /**
     * How often the let-in check ran on a damaged or random packet and on a closing FIN or RST,
     * across runs: {@link NatPropertyTest} asserts the scripts reach both.
     */
    static long garbageLetIn;
    static long closingLetIn;

    private NatProperties() {
    }

    /**
     * Packet slots, made once and reused by every run (a run takes them in order and none is
     * given twice in one run, since a sent packet may be quoted later): a fresh native slot per
     * packet cost more than the NAT's work and grew the fuzzer's resident size to gigabytes.
     */
    private static final java.lang.foreign.Arena SLOT_ARENA = java.lang.foreign.Arena.ofShared();
    private static PacketBuffer[] slots = new PacketBuffer[0];
    private static int slotsUsed;

    private static PacketBuffer slot() {
        if (slotsUsed == slots.length) {
            slots = java.util.Arrays.copyOf(slots, Math.max(64, 2 * slots.length));
            for (int i = slotsUsed; i < slots.length; i++) {
                slots[i] = PacketBuffer.allocate(SLOT_ARENA, 2048);
            }
        }
        PacketBuffer slot = slots[slotsUsed++];
        slot.clearOffload();
        slot.length(0);
        return slot;
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

    static final List<ForwardRule> FORWARDS =
            List.of(new ForwardRule(IpProtocol.TCP, FORWARD_PORT, FORWARD_PORT, FORWARD_TARGET, 80));

    /** An engine kept for its configuration, with its counters. */
    private record Reused(NatConfig config, NatEngine nat, Counters counters) {
    }

    /**
     * The engines, by the index of their configuration (the five configuration choices of the
     * script, 72 in all); the fuzzer runs one input at a time. An array, not a map keyed by the
     * config record: hashing the record and its timeouts per input showed in the profile.
     */
    private static final Reused[] ENGINES = new Reused[72];
    private static final int[] PROTOCOLS = {IpProtocol.TCP, IpProtocol.UDP, IpProtocol.ICMP};
    private static final int[] OUT_FLAGS = {TcpSegment.SYN, TcpSegment.ACK, TcpSegment.SYN | TcpSegment.ACK,
        TcpSegment.FIN | TcpSegment.ACK, TcpSegment.RST};
    private static final int[] IN_FLAGS = {TcpSegment.SYN, TcpSegment.ACK, TcpSegment.SYN | TcpSegment.ACK,
        TcpSegment.RST, TcpSegment.FIN | TcpSegment.ACK};
    private static final long[] CLOCK_STEPS = {1_000_000L, 1_000_000_000L, 30_000_000_000L, 130_000_000_000L,
        301_000_000_000L, 7_500_000_000_000L};
    /** An outside router that is not the remote: the source of some ICMP errors. */
    private static final int STRANGER = Ipv4Address.parse("203.0.113.254");

    /** Runs one script; returns how many closed sessions were reclaimed on the way. */
    static long run(byte[] input) {
        slotsUsed = 0;
        Script s = new Script(input);
        int mappingChoice = s.next(3);
        int filteringChoice = s.next(3);
        boolean reject = s.next(2) == 1;
        boolean dmzOn = s.next(3) == 0;
        boolean inboundRefresh = s.next(2) == 1;
        Behavior filtering = Behavior.values()[filteringChoice];
        // One engine per configuration (72 of them), reset to a new one's state for each input
        // instead of built: building cost a quarter of each input under the fuzzer. NatResetTest
        // shows that a reset engine and a new one answer alike.
        int index = (((mappingChoice * 3 + filteringChoice) * 2 + (reject ? 1 : 0)) * 2 + (dmzOn ? 1 : 0)) * 2
                + (inboundRefresh ? 1 : 0);
        Reused reused = ENGINES[index];
        if (reused == null) {
            NatConfig made = NatConfig.defaults().withBehavior(Behavior.values()[mappingChoice], filtering)
                    .withPorts(1000, 1100).withLimits(MAX_SESSIONS, PER_HOST)
                    .withUnmatched(reject ? NatConfig.Unmatched.REJECT : NatConfig.Unmatched.DROP)
                    .withDmz(dmzOn ? HOSTS[2] : 0).withInboundRefresh(inboundRefresh);
            Counters fresh = new Counters();
            reused = new Reused(made, new NatEngine(made, PUBLIC, ROUTER_INSIDE, FORWARDS, fresh, 0), fresh);
            ENGINES[index] = reused;
        }
        NatConfig config = reused.config();
        Counters counters = reused.counters();
        NatEngine nat = reused.nat();
        counters.zero();
        nat.reset(config, FORWARDS, input.length);
        long now = 1_000_000_000L;
        List<Sent> sent = new ArrayList<>();
        int steps = 0;
        while (s.more() && steps++ < 400) {
            switch (s.next(10)) {
                case 0, 1, 2 -> { // outbound TCP/UDP/ICMP query
                    int protocol = PROTOCOLS[s.next(3)];
                    int host = HOSTS[s.next(HOSTS.length)];
                    int port = PORTS[s.next(PORTS.length)];
                    int remote = REMOTES[s.next(REMOTES.length)];
                    int remotePort = REMOTE_PORTS[s.next(REMOTE_PORTS.length)];
                    int flags = OUT_FLAGS[s.next(5)];
                    PacketBuffer p = switch (protocol) {
                        case IpProtocol.TCP -> Frames.tcpPacket(slot(), host, port, remote, remotePort, flags, s.next(40));
                        case IpProtocol.UDP -> Frames.udpPacket(slot(), host, port, remote, remotePort, s.next(40));
                        default -> Frames.icmpQueryPacket(slot(), IcmpPacket.ECHO_REQUEST, host, remote, port, s.next(256));
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
                    if (verdict != NatVerdict.FORWARD) {
                        break;
                    }
                    assertThat(FrameFields.checksumsValid(p)).as("checksums of a translated packet").isTrue();
                    Ipv4Packet ip = FrameFields.ip(p);
                    if (remote == PUBLIC && protocol != IpProtocol.ICMP) {
                        // Hairpinned: it went back inside, to the owner of the port.
                        assertThat(Ipv4Address.inPrefix(ip.destinationAddress(), ROUTER_INSIDE, 24)).isTrue();
                        assertThat(ip.sourceAddress()).isEqualTo(PUBLIC);
                        break;
                    }
                    assertThat(ip.sourceAddress()).isEqualTo(PUBLIC);
                    int external = FrameFields.sourcePort(p);
                    int rp = protocol == IpProtocol.ICMP ? 0 : remotePort;
                    sent.add(new Sent(protocol, host, port, remote, rp, external, p));
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
                    int flags = IN_FLAGS[s.next(5)];
                    PacketBuffer p = protocol == IpProtocol.TCP
                            ? Frames.tcpPacket(slot(), remote, remotePort, PUBLIC, port, flags, s.next(20))
                            : Frames.udpPacket(slot(), remote, remotePort, PUBLIC, port, s.next(20));
                    boolean admits = filterAdmits(nat.table(), filtering, protocol, port, remote, remotePort);
                    int verdict = nat.inbound(p, Frames.IP, now);
                    if (verdict == NatVerdict.FORWARD) {
                        assertThat(FrameFields.checksumsValid(p)).as("checksums of a packet let in").isTrue();
                        assertLetIn(nat, "inbound", p, protocol, remote, remotePort, port, admits, dmzOn, now);
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
                    int from = s.next(2) == 0 ? x.remote() : STRANGER;
                    PacketBuffer error = Frames.icmpErrorPacket(slot(), from, PUBLIC, IcmpPacket.DESTINATION_UNREACHABLE,
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
                    now += CLOCK_STEPS[s.next(6)];
                    nat.expire(now);
                }
                case 6 -> { // garbage either way: random bytes, or a well-formed packet with a few bytes damaged
                    boolean outbound = s.next(2) == 0;
                    PacketBuffer p;
                    if (s.next(2) == 0) {
                        byte[] junk = new byte[20 + s.next(60)];
                        for (int i = 0; i < junk.length; i++) {
                            junk[i] = (byte) s.next(256);
                        }
                        junk[0] = (byte) (0x45 + s.next(2));
                        p = slot();
                        MemorySegment.copy(junk, 0, p.segment(), ValueLayout.JAVA_BYTE, Frames.IP, junk.length);
                        p.length(Frames.IP + junk.length);
                    } else {
                        int protocol = s.next(2) == 0 ? IpProtocol.TCP : IpProtocol.UDP;
                        int host = outbound ? HOSTS[s.next(HOSTS.length)] : REMOTES[s.next(REMOTES.length - 1)];
                        int hostPort = outbound ? PORTS[s.next(PORTS.length)] : REMOTE_PORTS[s.next(REMOTE_PORTS.length)];
                        int peer = outbound ? REMOTES[s.next(REMOTES.length)] : PUBLIC;
                        int peerPort = outbound ? REMOTE_PORTS[s.next(REMOTE_PORTS.length)]
                                : s.next(2) == 0 && !sent.isEmpty() ? sent.get(s.next(sent.size())).external()
                                : 995 + s.next(110);
                        p = protocol == IpProtocol.TCP
                                ? Frames.tcpPacket(slot(), host, hostPort, peer, peerPort, s.next(256), s.next(20))
                                : Frames.udpPacket(slot(), host, hostPort, peer, peerPort, s.next(20));
                        for (int k = 1 + s.next(3); k > 0; k--) {
                            p.segment().set(ValueLayout.JAVA_BYTE, Frames.IP + s.next(40), (byte) s.next(256));
                        }
                    }
                    Ipv4Packet before = FrameFields.ip(p);
                    int protocol = before.protocol();
                    int source = before.sourceAddress();
                    int destination = before.destinationAddress();
                    long l4 = before.payloadOffset();
                    int sourcePort = FrameFields.u16(p, l4);
                    int destinationPort = FrameFields.u16(p, l4 + 2);
                    boolean admits = filterAdmits(nat.table(), filtering, protocol, destinationPort, source, sourcePort);
                    int verdict = outbound ? nat.outbound(p, Frames.IP, now) : nat.inbound(p, Frames.IP, now);
                    assertThat(verdict).isIn(NatVerdict.FORWARD, NatVerdict.LOCAL, NatVerdict.REJECT,
                            NatVerdict.PROHIBITED, NatVerdict.DROP, NatVerdict.CONSUMED);
                    boolean transport = protocol == IpProtocol.TCP || protocol == IpProtocol.UDP;
                    if (verdict != NatVerdict.FORWARD) {
                        break;
                    }
                    if (outbound) { // translated to the public address, or hairpinned back inside
                        Ipv4Packet ip = FrameFields.ip(p);
                        assertThat(ip.sourceAddress() == PUBLIC
                                || Ipv4Address.inPrefix(ip.destinationAddress(), ROUTER_INSIDE, 24))
                                .as("garbage forwarded outbound leaves from the public address").isTrue();
                    } else if (transport) {
                        assertThat(destination).as("garbage let in was sent to the public address").isEqualTo(PUBLIC);
                        garbageLetIn++;
                        assertLetIn(nat, "garbage", p, protocol, source, sourcePort, destinationPort, admits, dmzOn,
                                now);
                    } else {
                        assertThat(Ipv4Address.inPrefix(FrameFields.ip(p).destinationAddress(), ROUTER_INSIDE, 24))
                                .as("garbage ICMP let in goes to an inside host").isTrue();
                    }
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
                        PacketBuffer out = Frames.tcpPacket(slot(), x.insideAddress(), x.insidePort(), x.remote(), x.remotePort(),
                                how == 0 ? TcpSegment.FIN | TcpSegment.ACK : TcpSegment.RST, 0);
                        int verdict = nat.outbound(out, Frames.IP, now);
                        assertThat(verdict).isIn(NatVerdict.FORWARD, NatVerdict.PROHIBITED, NatVerdict.DROP);
                        if (verdict == NatVerdict.FORWARD) { // (its session may be gone: a FIN makes a new one)
                            assertThat(FrameFields.checksumsValid(out)).as("checksums of a translated %s",
                                    how == 0 ? "FIN" : "RST").isTrue();
                            assertThat(FrameFields.ip(out).sourceAddress()).isEqualTo(PUBLIC);
                            int external = FrameFields.sourcePort(out);
                        }
                    }
                    if (how != 2) {
                        PacketBuffer in = Frames.tcpPacket(slot(), x.remote(), x.remotePort(), PUBLIC, x.external(),
                                how == 0 ? TcpSegment.FIN | TcpSegment.ACK : TcpSegment.RST, 0);
                        boolean admits = filterAdmits(nat.table(), filtering, IpProtocol.TCP, x.external(), x.remote(),
                                x.remotePort());
                        int verdict = nat.inbound(in, Frames.IP, now);
                        assertThat(verdict).isIn(NatVerdict.FORWARD, NatVerdict.REJECT, NatVerdict.PROHIBITED,
                                NatVerdict.DROP, NatVerdict.CONSUMED);
                        if (verdict == NatVerdict.FORWARD) {
                            assertThat(FrameFields.checksumsValid(in)).as("checksums of a FIN or RST let in").isTrue();
                            closingLetIn++;
                            assertLetIn(nat, how == 0 ? "FIN" : "RST", in, IpProtocol.TCP, x.remote(), x.remotePort(),
                                    x.external(), admits, dmzOn, now);
                        }
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

    /**
     * An inbound TCP/UDP packet from {@code remote:remotePort} to external {@code port} was
     * forwarded ({@code p} now rewritten): a live session takes it, and a forward, the DMZ or the
     * filtering behaviour allowed it. {@code step} names the script step, for the failure message.
     */
    private static void assertLetIn(NatEngine nat, String step, PacketBuffer p, int protocol, int remote,
            int remotePort, int port, boolean admits, boolean dmzOn, long now) {
        Ipv4Packet ip = FrameFields.ip(p);
        int inside = ip.destinationAddress();
        int insidePort = FrameFields.destinationPort(p);
        assertThat(nat.table().peekInside(of(protocol, inside, insidePort), of(protocol, remote, remotePort), now))
                .as("a live session takes every %s packet let in", step).isGreaterThanOrEqualTo(0);
        boolean forward = protocol == IpProtocol.TCP && port == FORWARD_PORT;
        assertThat(forward || dmzOn || admits).as("unsolicited %s %s from %s:%d to port %d let in", step,
                protocol == IpProtocol.TCP ? "TCP" : "UDP", Ipv4Address.toString(remote), remotePort, port).isTrue();
        if (forward) {
            assertThat(inside).isEqualTo(FORWARD_TARGET);
            assertThat(ip.sourceAddress()).as("a forward keeps the client's address").isEqualTo(remote);
        }
    }

    /**
     * Whether the filtering behaviour lets a packet from {@code remote:remotePort} in to external
     * {@code port}, judged from the sessions in the table before the packet (RFC 4787 section 5):
     * endpoint-independent, when any session holds the port; address-dependent, when one holds it
     * towards {@code remote}; address- and port-dependent, when one holds it towards
     * {@code remote:remotePort}. Sessions past their expiry still count until they are removed.
     */
    static boolean filterAdmits(NatTable table, Behavior filtering, int protocol, int port, int remote,
            int remotePort) {
        SessionTable sessions = table.sessions();
        for (int id = 0; id < sessions.capacity(); id++) {
            if (!sessions.isLive(id) || sessions.protocol(id) != protocol || sessions.externalPort(id) != port) {
                continue;
            }
            boolean admits = switch (filtering) {
                case ENDPOINT_INDEPENDENT -> true;
                case ADDRESS_DEPENDENT -> sessions.remoteAddress(id) == remote;
                case ADDRESS_AND_PORT_DEPENDENT ->
                        sessions.remoteAddress(id) == remote && sessions.remotePort(id) == remotePort;
            };
            if (admits) {
                return true;
            }
        }
        return false;
    }

    /** The reply of the remote to {@code x} comes back to the endpoint that sent it. */
    private static void outAndBack(NatEngine nat, Sent x, long now) {
        PacketBuffer reply = switch (x.protocol()) {
            case IpProtocol.TCP -> Frames.tcpPacket(slot(), x.remote(), x.remotePort(), PUBLIC, x.external(), TcpSegment.ACK, 3);
            case IpProtocol.UDP -> Frames.udpPacket(slot(), x.remote(), x.remotePort(), PUBLIC, x.external(), 3);
            default -> Frames.icmpQueryPacket(slot(), IcmpPacket.ECHO_REPLY, x.remote(), PUBLIC, x.external(), 1);
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

    /**
     * Bounds, quotas, and no port overloading (RFC 4787 REQ-3), over the whole table, with the
     * bookkeeping ({@link NatInvariants}), from the one walk that check makes: nothing allocated
     * unless a check fails (this runs after every step of every fuzz input).
     */
    static void checkTable(NatTable table) {
        Require.atMost(table.size(), MAX_SESSIONS, "table size (%d at most)", MAX_SESSIONS);
        // (The walk's check also holds the live count against the table's size, and each host's
        // count against the table's: this method made both checks again, to the same effect.)
        NatInvariants.Walk w = NatInvariants.check(table);
        for (int h = 0; h < w.hostCount; h++) {
            Require.atMost(w.hostCounts[h], PER_HOST, "sessions of host %08x against the quota",
                    w.hosts[h] & 0xffff_ffffL);
        }
        // (protocol, external port) -> (inside address, inside port): any two sessions with the same
        // external endpoint have the same inside one. At most MAX_SESSIONS live: pairwise.
        for (int i = 0; i < w.live; i++) {
            for (int j = i + 1; j < w.live; j++) {
                if (w.protocol[i] == w.protocol[j] && w.externalPort[i] == w.externalPort[j]
                        && (w.insideAddress[i] != w.insideAddress[j] || w.insidePort[i] != w.insidePort[j])) {
                    assertThat(false).as("external %s held by %s and %s", List.of(w.protocol[j], w.externalPort[j]),
                            List.of(w.insideAddress[i], w.insidePort[i]),
                            List.of(w.insideAddress[j], w.insidePort[j])).isTrue();
                }
            }
        }
    }
}
