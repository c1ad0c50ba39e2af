package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A host at its quota (or a full table) gives up its oldest closed TCP session for a new one
 * ({@link NatTable}'s reclaim, {@link ClosedSessions}), and never an open one.
 */
class ReclaimTest {
    static final int X = Ipv4Address.parse("192.168.1.10");
    static final int OTHER = Ipv4Address.parse("192.168.1.11");
    static final int Y = Ipv4Address.parse("198.51.100.1");
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final int TCP = IpProtocol.TCP, UDP = IpProtocol.UDP;
    static final int SYN = TcpSegment.SYN, ACK = TcpSegment.ACK, FIN = TcpSegment.FIN,
            RST = TcpSegment.RST;
    static final long SECOND = 1_000_000_000L;

    static NatConfig config(int maxSessions, int perHost, Behavior filtering) {
        return NatConfig.defaults().withBehavior(Behavior.ENDPOINT_INDEPENDENT, filtering).withPorts(1024, 65535)
                .withLimits(maxSessions, perHost);
    }

    /** A table with address-and-port-dependent filtering. */
    static NatTable table(int maxSessions, int perHost) {
        return new NatTable(config(maxSessions, perHost, Behavior.ADDRESS_AND_PORT_DEPENDENT), 1);
    }

    /** The live session from {@code host:port} to Y:80, or {@link NatTable#NONE}; changes nothing. */
    static int peek(NatTable t, int host, int port, long now) {
        return t.peekInside(of(TCP, host, port), of(TCP, Y, 80), now);
    }

    /** A TCP segment from {@code host:port} to Y:80 through {@code t}: its session or the refusal. */
    static int out(NatTable t, int host, int port, int flags, long now) {
        return t.outbound(of(TCP, host, port), of(TCP, Y, 80), flags, now);
    }

    /** A TCP segment from Y:80 to external port {@code external} through {@code t}. */
    static int in(NatTable t, int external, int flags, long now) {
        return t.inbound(external, of(TCP, Y, 80), flags, now);
    }

    /** A whole connection from X:port to Y:80, and its close by FINs both ways (or a RST). */
    static int connectAndClose(NatTable t, int host, int port, boolean reset, long now) {
        int id = out(t, host, port, SYN, now);
        assertThat(id).as("SYN from port %d", port).isGreaterThanOrEqualTo(0);
        int external = t.sessions().externalPort(id);
        assertThat(in(t, external, SYN | ACK, now)).isEqualTo(id);
        assertThat(out(t, host, port, ACK, now)).isEqualTo(id);
        if (reset) {
            assertThat(in(t, external, RST, now)).isEqualTo(id);
        } else {
            assertThat(out(t, host, port, FIN | ACK, now)).isEqualTo(id);
            assertThat(in(t, external, FIN | ACK, now)).isEqualTo(id);
            assertThat(out(t, host, port, ACK, now)).isEqualTo(id);
        }
        return id;
    }

    @Requirement("RFC 7857 section 2.2")
    @Test
    void quotaFullOfClosedSessionsTakesANewOneAndCountsIt() {
        Counters counters = new Counters();
        NatEngine nat = new NatEngine(config(1024, 8, Behavior.ADDRESS_AND_PORT_DEPENDENT), PUBLIC,
                Ipv4Address.parse("192.168.1.1"), List.of(), counters, 1);
        NatTable t = nat.table();
        long now = SECOND;
        int[] ids = new int[8];
        int[] external = new int[8];
        for (int i = 0; i < 8; i++) {
            ids[i] = connectAndClose(t, X, 40000 + i, i % 2 == 1, now);
            external[i] = t.sessions().externalPort(ids[i]);
            now += SECOND;
        }
        assertThat(t.sessionsOf(X)).isEqualTo(8);
        assertThat(NatInvariants.closedList(t, X)).as("oldest first").containsExactly(ids[0], ids[1], ids[2],
                ids[3], ids[4], ids[5], ids[6], ids[7]);

        // The ninth connection's SYN goes out through the engine, as a browser's would.
        PacketBuffer syn = Frames.tcpPacket(X, 40100, Y, 80, TcpSegment.SYN, 0);
        assertThat(nat.outbound(syn, Frames.IP, now)).isEqualTo(NatVerdict.FORWARD);
        assertThat(counters.get("nat.reclaimed.closed_tcp")).isEqualTo(1);
        assertThat(counters.get("nat.refused.host_quota")).isZero();
        assertThat(t.reclaimed()).isEqualTo(1);
        assertThat(t.sessionsOf(X)).isEqualTo(8);
        assertThat(t.size()).isEqualTo(8);

        // The oldest closed connection (the first) went, wholly: both keys, its port, its mapping.
        assertThat(peek(t, X, 40000, now)).isEqualTo(NatTable.NONE);
        assertThat(t.peekOutside(external[0], of(TCP, Y, 80), now)).isEqualTo(NatTable.NONE);
        assertThat(t.ports().owner(TCP, external[0])).isEqualTo(PortAllocator.FREE);
        PacketBuffer late = Frames.tcpPacket(Y, 80, PUBLIC, external[0], TcpSegment.ACK, 0);
        assertThat(nat.inbound(late, Frames.IP, now)).as("a late segment of the reclaimed connection")
                .isEqualTo(NatVerdict.DROP);
        // The others are still there and still translated (a FIN-closed one: an ACK would bring a
        // RST-closed one back, RFC 7857 section 2.2).
        PacketBuffer third = Frames.tcpPacket(Y, 80, PUBLIC, external[2], TcpSegment.ACK, 0);
        assertThat(nat.inbound(third, Frames.IP, now)).isEqualTo(NatVerdict.FORWARD);
        assertThat(FrameFields.destinationPort(third)).isEqualTo(40002);

        // The new connection works both ways.
        int fresh = peek(t, X, 40100, now);
        assertThat(fresh).isGreaterThanOrEqualTo(0);
        PacketBuffer synAck = Frames.tcpPacket(Y, 80, PUBLIC, FrameFields.sourcePort(syn), TcpSegment.SYN | TcpSegment.ACK, 0);
        assertThat(nat.inbound(synAck, Frames.IP, now)).isEqualTo(NatVerdict.FORWARD);
        assertThat(FrameFields.ip(synAck).destinationAddress()).isEqualTo(X);
        assertThat(FrameFields.destinationPort(synAck)).isEqualTo(40100);
        assertThat(NatInvariants.closedList(t, X)).containsExactly(ids[1], ids[2], ids[3], ids[4], ids[5], ids[6],
                ids[7]);
        NatInvariants.check(t);

        // And so on, one closed connection for each new one, oldest first.
        for (int i = 1; i < 8; i++) {
            assertThat(out(t, X, 40100 + i, SYN, now)).isGreaterThanOrEqualTo(0);
            assertThat(peek(t, X, 40000 + i, now)).isEqualTo(NatTable.NONE);
            NatInvariants.check(t);
        }
        assertThat(counters.get("nat.reclaimed.closed_tcp")).isEqualTo(8);
        assertThat(NatInvariants.closedList(t, X)).isEmpty();
        // Now the host holds eight half-open handshakes: those are never reclaimed.
        assertThat(out(t, X, 40200, SYN, now)).isEqualTo(NatTable.HOST_QUOTA);
    }

    @Test
    void establishedAndHalfOpenSessionsAreNeverReclaimed() {
        NatTable t = table(1024, 6);
        long now = SECOND;
        // Two established, two half-open (SYN sent), one half-closed (one FIN), one UDP.
        for (int port = 40000; port < 40002; port++) {
            int id = out(t, X, port, SYN, now);
            in(t, t.sessions().externalPort(id), SYN | ACK, now);
        }
        out(t, X, 40002, SYN, now);
        out(t, X, 40003, SYN, now);
        int half = out(t, X, 40004, SYN, now);
        in(t, t.sessions().externalPort(half), SYN | ACK, now);
        out(t, X, 40004, FIN | ACK, now);
        t.outbound(of(UDP, X, 5353), of(UDP, Y, 53), 0, now);
        assertThat(t.sessionsOf(X)).isEqualTo(6);
        assertThat(t.oldestClosed(X)).isEqualTo(-1);

        assertThat(out(t, X, 41000, SYN, now)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(t.outbound(of(UDP, X, 41000), of(UDP, Y, 53), 0, now)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(t.reclaimed()).isZero();
        assertThat(t.sessionsOf(X)).isEqualTo(6);
        NatInvariants.check(t);
    }

    @Test
    void aSessionBackFromARstLeavesTheClosedListAndIsKept() {
        NatTable t = table(1024, 2);
        long now = SECOND;
        int reset = connectAndClose(t, X, 40000, true, now);
        assertThat(t.oldestClosed(X)).isEqualTo(reset);
        // RFC 7857 section 2.2: a segment other than a RST after it brings the connection back.
        out(t, X, 40000, ACK, now);
        assertThat(t.oldestClosed(X)).isEqualTo(-1);
        out(t, X, 40001, SYN, now);
        assertThat(out(t, X, 40002, SYN, now)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(peek(t, X, 40000, now)).isEqualTo(reset);
        NatInvariants.check(t);
    }

    @Test
    void onlyTheHostsOwnClosedSessionsMakeRoomForIt() {
        NatTable t = table(1024, 3);
        int theirs = connectAndClose(t, OTHER, 40000, false, SECOND);
        for (int port = 40000; port < 40003; port++) {
            out(t, X, port, SYN, SECOND);
        }
        assertThat(out(t, X, 41000, SYN, SECOND)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(peek(t, OTHER, 40000, SECOND)).isEqualTo(theirs);
        assertThat(t.reclaimed()).isZero();
    }

    @Test
    void aFullTableTakesTheHostsOldestClosedSession() {
        NatTable t = table(4, 64);
        long now = SECOND;
        int first = connectAndClose(t, X, 40000, false, now);
        int second = connectAndClose(t, X, 40001, false, now + 1);
        out(t, OTHER, 40000, SYN, now);
        t.outbound(of(UDP, OTHER, 5000), of(UDP, Y, 53), 0, now);
        assertThat(t.size()).isEqualTo(4);
        // The other host has no closed session: the table stays full for it.
        assertThat(out(t, OTHER, 40001, SYN, now)).isEqualTo(NatTable.TABLE_FULL);
        int fresh = t.outbound(of(UDP, X, 6000), of(UDP, Y, 53), 0, now);
        assertThat(fresh).isGreaterThanOrEqualTo(0);
        assertThat(t.reclaimed()).isEqualTo(1);
        assertThat(peek(t, X, 40000, now)).isEqualTo(NatTable.NONE);
        assertThat(t.oldestClosed(X)).isEqualTo(second);
        assertThat(first).isNotEqualTo(second);
        NatInvariants.check(t);
    }

    @Test
    void noFreePortTakesTheHostsOldestClosedPort() {
        // Four ports, 1024 to 1027: each closed connection holds one.
        NatTable t = new NatTable(NatConfig.defaults().withPorts(1024, 1027).withLimits(64, 64), 1);
        long now = SECOND;
        int[] external = new int[4];
        for (int i = 0; i < 4; i++) {
            external[i] = t.sessions().externalPort(connectAndClose(t, X, 40000 + i, false, now));
        }
        assertThat(t.outbound(of(UDP, X, 5000), of(UDP, Y, 53), 0, now))
                .as("a UDP port: none left, and none to reclaim")
                .isGreaterThanOrEqualTo(0); // UDP ports are another space
        int fresh = out(t, X, 41000, SYN, now);
        assertThat(fresh).isGreaterThanOrEqualTo(0);
        assertThat(t.sessions().externalPort(fresh)).isEqualTo(external[0]);
        assertThat(peek(t, X, 40000, now)).isEqualTo(NatTable.NONE);
        assertThat(t.reclaimed()).isEqualTo(1);
        // Another host may not have a port this one just gave up (RFC 6888 REQ-8's hold).
        assertThat(out(t, OTHER, 41000, SYN, now)).isEqualTo(NatTable.NO_PORT);
        NatInvariants.check(t);
    }

    @ParameterizedTest
    @EnumSource(Behavior.class)
    void aReclaimedSessionLeavesNoTrace(Behavior filtering) {
        NatTable t = new NatTable(config(1024, 4, filtering), 7);
        long now = SECOND;
        for (int i = 0; i < 4; i++) {
            connectAndClose(t, X, 40000 + i, i == 2, now + i);
        }
        NatInvariants.check(t);
        for (int i = 0; i < 20; i++) {
            int protocol = i % 3 == 0 ? UDP : TCP;
            int id = t.outbound(of(protocol, X, 42000 + i), of(protocol, Y, 80), SYN, now + 10 + i);
            assertThat(id).isGreaterThanOrEqualTo(0);
            NatInvariants.check(t);
            if (i % 3 != 0) {
                // close it again, so the next ones have something to reclaim
                int external = t.sessions().externalPort(id);
                in(t, external, SYN | ACK, now + 10 + i);
                out(t, X, 42000 + i, FIN | ACK, now + 10 + i);
                in(t, external, FIN | ACK, now + 10 + i);
                NatInvariants.check(t);
            }
            if (t.oldestClosed(X) < 0) {
                break;
            }
        }
        // Expiry takes the rest and leaves every table empty.
        t.expire(now + 3600 * SECOND);
        assertThat(t.size()).isZero();
        assertThat(t.sessionsOf(X)).isZero();
        assertThat(t.mappings().size()).isZero();
        assertThat(t.oldestClosed(X)).isEqualTo(-1);
        NatInvariants.check(t);
    }

    /**
     * Churn: random connections of three hosts open, close (FINs or a RST), come back from a RST, go
     * half-open and time out, in a table smaller than their quotas add up to. The bookkeeping stays
     * right after every step, and a host holding a closed session is never refused for its quota or
     * a full table.
     */
    @ParameterizedTest
    @EnumSource(Behavior.class)
    void randomChurnKeepsTheTableConsistent(Behavior filtering) {
        int[] hosts = {X, OTHER, Ipv4Address.parse("192.168.1.12")};
        long reclaimed = 0;
        for (int seed = 1; seed <= 20; seed++) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            NatTable t = new NatTable(config(12, 5, filtering), seed);
            long now = SECOND;
            for (int step = 0; step < 400; step++) {
                int host = hosts[r.nextInt(hosts.length)];
                int port = 40000 + r.nextInt(12);
                int remotePort = 80 + r.nextInt(2);
                boolean canReclaim = t.oldestClosed(host) >= 0;
                int id = t.peekInside(of(TCP, host, port), of(TCP, Y, remotePort), now);
                switch (r.nextInt(12)) {
                    case 0, 1, 2, 3 -> {
                        int protocol = r.nextInt(4) == 0 ? UDP : TCP;
                        int made = t.outbound(of(protocol, host, port), of(protocol, Y, remotePort), SYN, now);
                        if (canReclaim && id < 0) {
                            assertThat(made).as("a host with a closed session").isNotIn(NatTable.HOST_QUOTA,
                                    NatTable.TABLE_FULL);
                        }
                    }
                    case 4, 5 -> {
                        if (id >= 0) {
                            t.inbound(t.sessions().externalPort(id), of(TCP, Y, remotePort), SYN | ACK, now);
                        }
                    }
                    case 6, 7, 8 -> {
                        if (id >= 0) {
                            t.outbound(of(TCP, host, port), of(TCP, Y, remotePort), FIN | ACK, now);
                            t.inbound(t.sessions().externalPort(id), of(TCP, Y, remotePort), FIN | ACK, now);
                        }
                    }
                    case 9, 10 -> {
                        if (id >= 0) {
                            int external = t.sessions().externalPort(id);
                            t.inbound(external, of(TCP, Y, remotePort), r.nextBoolean() ? RST : ACK, now);
                        }
                    }
                    default -> {
                        now += new long[] {SECOND, 60 * SECOND, 250 * SECOND}[r.nextInt(5) / 2];
                        t.expire(now);
                    }
                }
                NatInvariants.check(t);
            }
            reclaimed += t.reclaimed();
        }
        System.out.printf("reclaim churn, %s filtering: %d closed sessions reclaimed over 20 seeds%n", filtering,
                reclaimed);
        assertThat(reclaimed).as("reclaims over 20 seeds").isGreaterThan(20);
    }
}
