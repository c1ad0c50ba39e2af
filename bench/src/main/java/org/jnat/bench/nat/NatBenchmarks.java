package org.jnat.bench.nat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jnat.config.NatConfig;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.nat.NatEngine;
import org.jnat.nat.Endpoint;
import org.jnat.nat.NatTable;
import org.jnat.nat.NatVerdict;
import org.jnat.runtime.Counters;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.UdpDatagram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The NAT engine's costs (issue 4's aims: 10 Mpps or more per core for established flows with a
 * million sessions, new-session set-up under 1 µs, 0 B/op; run with {@code -prof gc} to see the
 * allocation).
 *
 * <ul>
 *   <li>{@link Established}: one outbound UDP packet of an established flow, the flow drawn at random
 *       among {@code sessions} live ones ({@code burst} packets in a row per flow), so that with a
 *       million sessions and bursts of 1 every lookup misses the caches. Each operation writes the
 *       flow's addresses and port into the packet (three stores) and translates it.</li>
 *   <li>{@link Setup}: new sessions, each a new mapping from one of 1024 hosts with a random inside
 *       port (so some are preserved and some searched), into a fresh table. (Its B/op includes the
 *       fresh table made for each invocation, about 330 B per session of it; the set-up path itself
 *       allocates nothing, see NatEngineTest.)</li>
 *   <li>{@link Expiry}: the timer wheel removing a million idle sessions.</li>
 * </ul>
 */
public class NatBenchmarks {
    static final int PUBLIC = Ipv4Address.parse("203.0.113.1");
    static final int INSIDE = Ipv4Address.parse("192.168.1.1");
    static final int IP = EthernetFrame.HEADER_LENGTH;
    /** Where a frame of {@link #udpFrame} holds its UDP ports. */
    static final int SOURCE_PORT = IP + Ipv4Packet.MIN_HEADER_LENGTH + UdpDatagram.SOURCE_PORT;
    static final int DESTINATION_PORT = IP + Ipv4Packet.MIN_HEADER_LENGTH + UdpDatagram.DESTINATION_PORT;

    static NatConfig config(int maxSessions) {
        return NatConfig.defaults().withPorts(1024, 65535).withLimits(maxSessions, maxSessions);
    }

    /**
     * Flow {@code i} of a large set: 60 000 inside endpoints (16 hosts x 3750 ports, each needing its
     * own external port under endpoint-independent mapping, within the 64 512 ports of 1024-65535),
     * each talking to up to 18 servers, so a million flows fit one protocol's ports.
     */
    static final int HOST_BASE = Ipv4Address.parse("10.0.0.1");
    static final int REMOTE_BASE = Ipv4Address.parse("198.51.100.1");

    static int host(int i) {
        return HOST_BASE + (i % 60_000) / 3750;
    }

    static int port(int i) {
        return 1024 + (i % 60_000) % 3750;
    }

    static int remote(int i) {
        return REMOTE_BASE + i / 60_000;
    }

    /**
     * What every benchmark here shares: its state is per thread, it runs in one fork with these JVM
     * flags, and it reports nanoseconds unless it says otherwise.
     */
    @State(Scope.Thread)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-XX:+UseTransparentHugePages"})
    public abstract static class Forked {
    }

    /**
     * An engine with flows {@code 0..sessions-1} set up at time 0; each flow's external port goes
     * into {@code external}, when given.
     */
    static NatEngine established(int sessions, int[] external) {
        NatEngine nat = new NatEngine(config(1 << 20), PUBLIC, INSIDE, List.of(), new Counters(), 1);
        for (int i = 0; i < sessions; i++) {
            PacketBuffer p = udpFrame(host(i), port(i), remote(i), 443);
            if (nat.outbound(p, IP, 0) != NatVerdict.FORWARD) {
                throw new IllegalStateException("set-up flow " + i + " refused");
            }
            if (external != null) {
                external[i] = NetworkOrder.u16(p.segment(), SOURCE_PORT);
            }
        }
        return nat;
    }

    /** A UDP frame (14 + 20 + 8 + 18 bytes) in a device-like native slot. */
    static PacketBuffer udpFrame(int source, int sourcePort, int destination, int destinationPort) {
        PacketBuffer b = PacketBuffer.allocate();
        MemorySegment s = b.segment();
        EthernetFrame.writeHeader(s, 0, 0x020000000001L, 0x020000000002L, EtherType.IPV4);
        long l4 = Ipv4Packet.writeHeader(s, IP, 20 + 8 + 18, 1, true, 64, IpProtocol.UDP, source, destination);
        new UdpDatagram().wrap(s, l4).sourcePort(sourcePort).destinationPort(destinationPort).length(26)
                .fillChecksum(source, destination);
        b.length(IP + 20 + 26);
        return b;
    }

    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public static class Established extends Forked {
        @Param({"1000", "1000000"})
        int sessions;

        /** Packets per visit to a flow: 1 is the worst case, every packet a different random flow;
         *  16 is closer to real traffic, where a flow's packets come in bursts. */
        @Param({"1", "16"})
        int burst;

        NatEngine nat;
        PacketBuffer packet;
        MemorySegment frame;
        int[] order;
        int next;
        long now;

        @org.openjdk.jmh.annotations.Setup(Level.Trial)
        public void setUp() {
            nat = established(sessions, null);
            // The flows to visit, in order, with their fields laid out in visiting order: reading
            // them is sequential, so the harness adds no cache miss of its own.
            SplittableRandom random = new SplittableRandom(7);
            order = new int[3 << 16];
            for (int i = 0; i < 1 << 16; i++) {
                int flow = random.nextInt(sessions);
                order[3 * i] = host(flow);
                order[3 * i + 1] = port(flow);
                order[3 * i + 2] = remote(flow);
            }
            packet = udpFrame(host(0), port(0), remote(0), 443);
            frame = packet.segment();
        }

        @Benchmark
        public int outboundEstablished() {
            int k = 3 * ((next++ / burst) & 0xffff);
            frame.set(NetworkOrder.U32, IP + Ipv4Packet.SOURCE, order[k]);
            frame.set(NetworkOrder.U16, SOURCE_PORT, (short) order[k + 1]);
            frame.set(NetworkOrder.U32, IP + Ipv4Packet.DESTINATION, order[k + 2]);
            return nat.outbound(packet, IP, now += 1000);
        }
    }

    /**
     * Established flows as the router meets them: a batch of {@value #BATCH} frames from the device,
     * every frame a random flow of {@code sessions} live ones, translated one by one
     * ({@code path = frame}, what the router did before batches) or after the engine looked up the
     * whole batch first ({@code path = batch}: {@link NatEngine#prefetch}, so the cache misses of the
     * batch's packets overlap). Outbound frames go inside to outside; inbound ones are the replies, to
     * the flows' external ports. Times each batch; the median per packet is the figure (plain averages
     * on a shared machine mostly count preemption).
     */
    @BenchmarkMode(Mode.SampleTime)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    public static class EstablishedBatch extends Forked {
        static final int BATCH = 32;
        static final int ORDER = 1 << 16;

        @Param({"1000", "1000000"})
        int sessions;

        @Param({"frame", "batch"})
        String path;

        @Param({"outbound", "inbound"})
        String direction;

        NatEngine nat;
        FrameBatch frames;
        boolean batch;
        boolean outbound;
        /** Per visit, in visiting order: source address, source port, destination address, destination port. */
        int[] order;
        int next;
        long now;

        @org.openjdk.jmh.annotations.Setup(Level.Trial)
        public void setUp() {
            int[] external = new int[sessions];
            nat = established(sessions, external);
            batch = path.equals("batch");
            outbound = direction.equals("outbound");
            SplittableRandom random = new SplittableRandom(7);
            order = new int[4 * ORDER];
            for (int i = 0; i < ORDER; i++) {
                int flow = random.nextInt(sessions);
                if (outbound) {
                    order[4 * i] = host(flow);
                    order[4 * i + 1] = port(flow);
                    order[4 * i + 2] = remote(flow);
                    order[4 * i + 3] = 443;
                } else {
                    order[4 * i] = remote(flow);
                    order[4 * i + 1] = 443;
                    order[4 * i + 2] = PUBLIC;
                    order[4 * i + 3] = external[flow];
                }
            }
            frames = new FrameBatch(BATCH);
            for (int k = 0; k < BATCH; k++) {
                PacketBuffer p = udpFrame(host(0), port(0), remote(0), 443);
                frames.get(k).copyFrom(p);
            }
            frames.count(BATCH);
        }

        @Benchmark
        @OperationsPerInvocation(BATCH)
        public int translateBatch() {
            for (int k = 0; k < BATCH; k++) {
                MemorySegment frame = frames.get(k).segment();
                int o = 4 * (next++ & (ORDER - 1));
                frame.set(NetworkOrder.U32, IP + Ipv4Packet.SOURCE, order[o]);
                frame.set(NetworkOrder.U16, SOURCE_PORT, (short) order[o + 1]);
                frame.set(NetworkOrder.U32, IP + Ipv4Packet.DESTINATION, order[o + 2]);
                frame.set(NetworkOrder.U16, DESTINATION_PORT, (short) order[o + 3]);
            }
            if (batch) {
                nat.prefetch(frames, BATCH, outbound);
            }
            int forwarded = 0;
            for (int k = 0; k < BATCH; k++) {
                int verdict = outbound ? nat.outbound(frames.get(k), IP, now += 100)
                        : nat.inbound(frames.get(k), IP, now += 100);
                if (verdict == NatVerdict.FORWARD) {
                    forwarded++;
                }
            }
            return forwarded;
        }
    }

    /** Set-up: each invocation fills a fresh table, so every session in it is new. */
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 5, batchSize = 1)
    @Measurement(iterations = 10, batchSize = 1)
    public static class Setup extends Forked {
        static final int FLOWS = 32768;
        NatEngine nat;
        PacketBuffer packet;
        MemorySegment frame;
        int[] hosts = new int[FLOWS];
        int[] ports = new int[FLOWS];
        int[] remotes = new int[FLOWS];

        @org.openjdk.jmh.annotations.Setup(Level.Trial)
        public void flows() {
            SplittableRandom random = new SplittableRandom(11);
            for (int i = 0; i < FLOWS; i++) {
                hosts[i] = Ipv4Address.parse("10.0.0.1") + (i & 1023);
                ports[i] = 1024 + random.nextInt(64512);
                remotes[i] = Ipv4Address.parse("198.51.0.0") + random.nextInt(1 << 16);
            }
            packet = udpFrame(hosts[0], ports[0], remotes[0], 443);
            frame = packet.segment();
        }

        @org.openjdk.jmh.annotations.Setup(Level.Invocation)
        public void freshTable() {
            nat = new NatEngine(config(1 << 16), PUBLIC, INSIDE, List.of(), new Counters(), 1);
        }

        /** 32768 new sessions (some sharing a mapping, most new mappings) into a fresh table. */
        @Benchmark
        @OperationsPerInvocation(FLOWS)
        public int newSessions() {
            int forwarded = 0;
            for (int i = 0; i < FLOWS; i++) {
                frame.set(NetworkOrder.U32, IP + Ipv4Packet.SOURCE, hosts[i]);
                frame.set(NetworkOrder.U32, IP + Ipv4Packet.DESTINATION, remotes[i]);
                frame.set(NetworkOrder.U16, SOURCE_PORT, (short) ports[i]);
                if (nat.outbound(packet, IP, i) == NatVerdict.FORWARD) {
                    forwarded++;
                }
            }
            return forwarded;
        }
    }

    /** Expiry: one invocation times a whole table of idle sessions going (a single shot, not a loop). */
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 2, batchSize = 1)
    @Measurement(iterations = 5, batchSize = 1)
    public static class Expiry extends Forked {
        static final int SESSIONS = 1 << 20;
        NatTable table;

        @org.openjdk.jmh.annotations.Setup(Level.Invocation)
        public void fill() {
            table = new NatTable(config(SESSIONS), 1);
            for (int i = 0; i < SESSIONS; i++) {
                // Set up 100 µs apart, so the sessions are spread over many slots of the wheel.
                long inside = Endpoint.of(IpProtocol.UDP, host(i), port(i));
                if (table.outbound(inside, Endpoint.of(IpProtocol.UDP, remote(i), 443), 0, (long) i * 100_000L) < 0) {
                    throw new IllegalStateException("set-up session " + i + " refused");
                }
            }
        }

        /** Every session of a million-entry table times out: the per-session cost of expiry. */
        @Benchmark
        @OperationsPerInvocation(SESSIONS)
        public int expireAll() {
            return table.expire(3_600_000_000_000L, Integer.MAX_VALUE);
        }
    }
}
