package org.jnat.nat;

import org.jnat.testing.Requirement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;
import static org.jnat.testing.Frames.IP;
import static org.jnat.testing.FrameFields.sourcePort;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jnat.config.NatConfig;
import org.jnat.config.PortAllocation;
import org.jnat.config.PortAllocation.Mode;
import org.jnat.config.PublicPool.Pooling;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/** The port-allocation modes ({@code [nat] port-allocation}), on real tables and engines. */
class PortAllocationTest {
    static final int UDP = IpProtocol.UDP, TCP = IpProtocol.TCP;
    static final int INSIDE_NET = Ipv4Address.parse("192.168.1.0");
    static final int X = Ipv4Address.parse("192.168.1.10"), Z = Ipv4Address.parse("192.168.1.77");
    static final int Y = Ipv4Address.parse("198.51.100.1");
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final long SECOND = 1_000_000_000L;

    static NatConfig config(int low, int high, PortAllocation allocation) {
        return NatConfig.defaults().withPorts(low, high).withLimits(65536, 65536).withAllocation(allocation);
    }

    static NatTable table(int low, int high, PortAllocation allocation) {
        return new NatTable(config(low, high, allocation), 3);
    }

    /** A new UDP mapping of {@code host:port} to {@code Y:7}: its external port (or a negative reason). */
    static int map(NatTable t, int host, int port, long now) {
        int id = t.outbound(of(UDP, host, port), of(UDP, Y, 7), 0, now);
        return id < 0 ? id : t.sessions().externalPort(id);
    }

    @Test
    void preserveIsTheDefaultAndKeepsTheInsidePort() {
        assertThat(NatConfig.defaults().allocation()).isEqualTo(PortAllocation.defaults());
        NatTable t = table(1, 65535, PortAllocation.defaults());
        assertThat(map(t, X, 5000, 0)).isEqualTo(5000);
        int other = map(t, Z, 5000, 0);
        assertThat(other).isNotEqualTo(5000).isBetween(1024, 65535);
        assertThat(other % 2).as("parity kept (REQ-4)").isZero();
    }

    @Test
    void randomNeverPreservesButKeepsClassAndParity() {
        NatTable t = table(1, 65535, PortAllocation.of(Mode.RANDOM));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int inside = 20000 + 2 * i;
            int port = map(t, X, inside, 0);
            assertThat(port).as("mapping %d", i).isNotEqualTo(inside).isBetween(1024, 65535);
            assertThat(port % 2).as("parity kept (REQ-4)").isZero();
            assertThat(seen.add(port)).as("no port overloading").isTrue();
        }
        int low = map(t, X, 123, 0);
        assertThat(low).as("below 1024 stays below (REQ-3a)").isBetween(1, 1023).isNotEqualTo(123);
        // Even when the inside port is the only one of its parity left free, it is not given.
        NatTable tiny = table(3000, 3001, PortAllocation.of(Mode.RANDOM));
        assertThat(map(tiny, X, 3000, 0)).isEqualTo(3001);
        assertThat(map(tiny, Z, 3001, 0)).isEqualTo(3000);
    }

    @Test
    void sequentialGivesConsecutivePortsWhoeverAsks() {
        NatTable t = table(1024, 65535, PortAllocation.of(Mode.SEQUENTIAL));
        int first = map(t, X, 40000, 0);
        assertThat(first).isEqualTo(1024);
        for (int i = 1; i < 100; i++) {
            int host = (i & 1) == 0 ? X : Z;
            assertThat(map(t, host, 40000 + i, 0)).as("mapping %d", i).isEqualTo(first + i);
        }
        // Another protocol has a cursor of its own.
        int id = t.outbound(of(TCP, X, 40000), of(TCP, Y, 80), 0x02, 0);
        assertThat(t.sessions().externalPort(id)).isEqualTo(1024);
    }

    @Test
    void sequentialStepsByTheStrideSkipsTakenPortsAndWraps() {
        PortAllocation stride = new PortAllocation(Mode.SEQUENTIAL, 3, 512, false, 0);
        NatTable t = table(2000, 2010, stride);
        // A forward's reservation is stepped over.
        t.ports().reserve(UDP, 2006);
        assertThat(map(t, X, 1, 0)).isEqualTo(2000); // below 1024, but the range holds only ports above
        assertThat(map(t, X, 2, 0)).isEqualTo(2003);
        assertThat(map(t, X, 3, 0)).isEqualTo(2009); // 2006 is reserved
        // 2012 wraps to 2001 (11 ports: 2009 + 3 - 11), and the walk covers every port.
        assertThat(map(t, X, 4, 0)).isEqualTo(2001);
        Set<Integer> rest = new HashSet<>();
        for (int i = 5; i < 12; i++) {
            rest.add(map(t, X, i, 0));
        }
        assertThat(rest).containsExactlyInAnyOrder(2002, 2004, 2005, 2007, 2008, 2010, NatTable.NO_PORT);
    }

    @Requirement({"RFC 6888 REQ-14"})

    @Test
    void deterministicBlocksFollowRfc7422() {
        PortAllocation blocks = new PortAllocation(Mode.BLOCK, 1, 512, true, INSIDE_NET);
        NatTable t = table(1, 65535, blocks);
        int count = (65535 - 1024 + 1) / 512; // blocks over 1024-65535: 126
        assertThat(t.ports().blockCount()).isEqualTo(count);
        for (int host : List.of(X, Z, Ipv4Address.parse("192.168.1.200"), Ipv4Address.parse("192.168.2.9"))) {
            // What an operator computes from the inside address alone.
            int start = 1024 + Integer.remainderUnsigned(host - INSIDE_NET, count) * 512;
            assertThat(t.ports().deterministicBlockStart(host)).isEqualTo(start);
            for (int i = 0; i < 200; i++) {
                int port = map(t, host, 30000 + i, 0);
                assertThat(port).as("host %s mapping %d", Ipv4Address.toString(host), i)
                        .isBetween(start, start + 511);
            }
        }
        // 192.168.1.10 and 192.168.1.136 share a block (126 apart): 512 ports between them, never one twice.
        int w = Ipv4Address.parse("192.168.1.136");
        Set<Integer> shared = new HashSet<>();
        for (int i = 200; i < 512; i++) {
            int port = map(t, w, 30000 + i, 0);
            assertThat(port).isBetween(1024 + 10 * 512, 1024 + 10 * 512 + 511);
            assertThat(shared.add(port)).isTrue();
        }
        assertThat(map(t, w, 40000, 0)).as("the shared block is full").isEqualTo(NatTable.NO_PORT);
        assertThat(map(t, Z, 40000, 0)).as("another block is not").isPositive();
    }

    @Test
    void dynamicBlocksAreGivenOnFirstUseAndTakenBackWithTheLastPort() {
        // 4 blocks of 4 ports over 1024-1039.
        NatTable t = table(1024, 1039, new PortAllocation(Mode.BLOCK, 1, 4, false, 0));
        assertThat(t.ports().deterministicBlockStart(X)).isEqualTo(-1);
        int[] hosts = new int[5];
        for (int h = 0; h < 5; h++) {
            hosts[h] = X + h;
        }
        int[] start = new int[4];
        for (int h = 0; h < 4; h++) {
            int port = map(t, hosts[h], 5000, 0);
            start[h] = (port - 1024) / 4 * 4 + 1024;
            for (int i = 1; i < 4; i++) {
                assertThat(map(t, hosts[h], 5000 + i, 0)).isBetween(start[h], start[h] + 3);
            }
            assertThat(map(t, hosts[h], 6000, 0)).as("its block is full").isEqualTo(NatTable.NO_PORT);
        }
        assertThat(Set.of(start[0], start[1], start[2], start[3])).hasSize(4);
        assertThat(t.ports().hostsWithBlocks()).isEqualTo(4);
        assertThat(map(t, hosts[4], 5000, 0)).as("no block left").isEqualTo(NatTable.NO_PORT);
        // Host 0's sessions expire: its block goes back, and host 4 gets it, but not the ports
        // host 0 let go less than 120 s ago (RFC 6888 REQ-8); after the hold it does.
        long later = 400 * SECOND;
        t.expire(later);
        assertThat(t.size()).isZero();
        assertThat(t.ports().hostsWithBlocks()).isZero();
        assertThat(map(t, hosts[4], 5000, later)).as("every port of every block is held").isEqualTo(NatTable.NO_PORT);
        assertThat(t.ports().hostsWithBlocks()).as("a block given but not used goes back").isZero();
        long afterHold = later + 121 * SECOND;
        int port = map(t, hosts[4], 5000, afterHold);
        assertThat(port).isBetween(1024, 1039);
        int block = (port - 1024) / 4 * 4 + 1024;
        for (int i = 1; i < 4; i++) {
            assertThat(map(t, hosts[4], 5000 + i, afterHold)).isBetween(block, block + 3);
        }
        assertThat(t.ports().hostsWithBlocks()).isEqualTo(1);
    }

    @Test
    void holdsApplyInEveryMode() {
        for (Mode mode : Mode.values()) {
            NatTable t = table(3000, 3003, new PortAllocation(mode, 1, 4, false, 0));
            int[] ports = new int[4];
            for (int i = 0; i < 4; i++) {
                ports[i] = map(t, X, 3000 + i, 0);
                assertThat(ports[i]).as("%s mapping %d", mode, i).isBetween(3000, 3003);
            }
            assertThat(map(t, X, 3100, 0)).as(mode + ": exhausted").isEqualTo(NatTable.NO_PORT);
            t.expire(400 * SECOND);
            assertThat(t.size()).isZero();
            assertThat(map(t, Z, 3000, 400 * SECOND)).as(mode + ": held from another host").isEqualTo(NatTable.NO_PORT);
            assertThat(map(t, Z, 3000, 519 * SECOND)).as(mode + ": still held at 119 s").isEqualTo(NatTable.NO_PORT);
            assertThat(map(t, Z, 3000, 520 * SECOND)).as(mode + ": free after 120 s").isBetween(3000, 3003);
        }
    }

    @Test
    void exhaustionIsRefusedAndCountedByTheEngine() {
        for (Mode mode : Mode.values()) {
            Counters counters = new Counters();
            NatEngine nat = new NatEngine(config(4000, 4007, new PortAllocation(mode, 1, 8, true, INSIDE_NET)),
                    PUBLIC, Ipv4Address.parse("192.168.1.1"), List.of(), counters, 9);
            Set<Integer> given = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                PacketBuffer out = Frames.udpPacket(X, 5000 + i, Y, 7, 8);
                assertThat(nat.outbound(out, IP, 0)).as(mode + " mapping " + i).isEqualTo(NatVerdict.FORWARD);
                given.add(sourcePort(out));
            }
            assertThat(given).as(mode + ": every port once").hasSize(8);
            PacketBuffer refused = Frames.udpPacket(X, 6000, Y, 7, 8);
            assertThat(nat.outbound(refused, IP, 0)).as(mode.toString()).isNotEqualTo(NatVerdict.FORWARD);
            assertThat(counters.get("nat.refused.no_port")).as(mode + ": counted").isEqualTo(1);
        }
    }

    /**
     * {@link PortAllocator#firstTry} tells a set-up's read-ahead ({@link NatTable}) which port state
     * to read before the allocation: it must be the endpoint the allocation then gives when that is
     * free, on the host's own address of a pool, and -1 wherever the mode does not try the inside
     * port first (a wrong answer would cost only speed, so only this test can see it).
     */
    @Test
    void firstTryIsWhatAPreservingAllocationGivesWhenFree() {
        for (Pooling pooling : Pooling.values()) {
            for (int addresses : new int[] {1, 4}) {
                PortAllocator ports = new PortAllocator(1024, 65535, PortAllocation.defaults(), addresses, pooling,
                        PortAllocator.DEFAULT_HOLD_NANOS, 3);
                for (int i = 0; i < 64; i++) {
                    int host = X + i;
                    int port = 2000 + 2 * i;
                    int first = ports.firstTry(host, port);
                    int given = ports.allocate(UDP, host, port, i, 0);
                    if (addresses == 1 || pooling == Pooling.PAIRED) {
                        assertThat(first).as("%s, %d addresses, host %d", pooling, addresses, i).isEqualTo(given);
                        assertThat(PublicAddresses.port(given)).isEqualTo(port);
                    } else {
                        assertThat(first).as("arbitrary pooling picks the address as it goes").isEqualTo(-1);
                    }
                }
            }
        }
        for (Mode mode : List.of(Mode.RANDOM, Mode.SEQUENTIAL, Mode.BLOCK)) {
            PortAllocator ports = new PortAllocator(1024, 65535, PortAllocation.of(mode), 1, Pooling.PAIRED,
                    PortAllocator.DEFAULT_HOLD_NANOS, 3);
            assertThat(ports.firstTry(X, 5000)).as("%s", mode).isEqualTo(-1);
        }
        PortAllocator narrow = new PortAllocator(20000, 20999, PortAllocation.defaults(), 1, Pooling.PAIRED,
                PortAllocator.DEFAULT_HOLD_NANOS, 3);
        assertThat(narrow.firstTry(X, 5000)).as("an inside port outside the range is never kept").isEqualTo(-1);
        assertThat(narrow.firstTry(X, 20500)).isEqualTo(20500);
    }
}
