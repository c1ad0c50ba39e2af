package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.testing.Frames.bytes;
import static org.jnat.testing.Frames.IP;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * The look-ahead over a batch ({@link NatEngine#prefetch}) is a pure hint: with it or without it,
 * the same frames come out, with the same verdicts, counters and sessions; it never throws on
 * what a device may deliver, and allocates nothing. The engines here hold more sessions than
 * {@link LookAhead#MIN_SESSIONS}, so the look-ahead really runs.
 */
class NatPrefetchTest {
    static final int PUBLIC = NatEngineTest.PUBLIC;
    static final int FLOWS = 2 * LookAhead.MIN_SESSIONS + 1000;
    static final int HOSTS = Ipv4Address.parse("10.1.0.0");
    static final int REMOTES = Ipv4Address.parse("198.51.0.0");

    static int host(int flow) {
        return HOSTS + (flow & 255);
    }

    static int port(int flow) {
        return 1024 + (flow >>> 8);
    }

    static int remote(int flow) {
        return REMOTES + flow % 61;
    }

    /** An engine with {@link #FLOWS} UDP, TCP and ICMP sessions set up at time 0. */
    static NatEngine filled(Counters counters, Behavior filtering) {
        NatConfig config = NatEngineTest.config(Behavior.ENDPOINT_INDEPENDENT, filtering, 1 << 16, 1 << 16,
                Unmatched.REJECT, 0);
        NatEngine nat = new NatEngine(config, PUBLIC, NatEngineTest.ROUTER_INSIDE, List.of(), counters, 9);
        for (int flow = 0; flow < FLOWS; flow++) {
            PacketBuffer p = switch (flow % 3) {
                case 0 -> Frames.udpPacket(host(flow), port(flow), remote(flow), 53, 8);
                case 1 -> Frames.tcpPacket(host(flow), port(flow), remote(flow), 443, TcpSegment.SYN, 0);
                default -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, host(flow), remote(flow), port(flow), 1);
            };
            assertThat(nat.outbound(p, IP, 0)).isEqualTo(NatVerdict.FORWARD);
        }
        assertThat(nat.table().size()).isGreaterThan(LookAhead.MIN_SESSIONS);
        return nat;
    }

    /**
     * A frame a device might deliver: mostly packets of the set-up flows or their replies (some to
     * unknown ports, some ICMP), some with a damaged header, a wrong EtherType or version, or cut
     * short at any length.
     */
    static PacketBuffer randomFrame(SplittableRandom r, boolean inside) {
        int flow = r.nextInt(FLOWS + 500);
        PacketBuffer p;
        if (inside) {
            p = switch (r.nextInt(4)) {
                case 0 -> Frames.udpPacket(host(flow), port(flow), remote(flow), 53, r.nextInt(32));
                case 1 -> Frames.tcpPacket(host(flow), port(flow), remote(flow), 443,
                        r.nextBoolean() ? TcpSegment.ACK : TcpSegment.SYN, 0);
                case 2 -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, host(flow), remote(flow), port(flow), 2);
                default -> Frames.udpPacket(host(flow), port(flow), PUBLIC, 1024 + r.nextInt(64), 4);
            };
        } else {
            p = switch (r.nextInt(4)) {
                case 0 -> Frames.udpPacket(remote(flow), 53, PUBLIC, port(flow), r.nextInt(32));
                case 1 -> Frames.tcpPacket(remote(flow), 443, PUBLIC, port(flow), TcpSegment.ACK, 0);
                case 2 -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, remote(flow), PUBLIC, port(flow), 2);
                default -> Frames.udpPacket(remote(flow), 53, PUBLIC + r.nextInt(2), port(flow), 4);
            };
        }
        MemorySegment s = p.segment();
        switch (r.nextInt(12)) {
            case 0 -> p.length(r.nextInt(p.length() + 1)); // cut short anywhere
            case 1 -> s.set(ValueLayout.JAVA_BYTE, IP, (byte) r.nextInt(256)); // version and header length
            case 2 -> s.set(ValueLayout.JAVA_BYTE, 12, (byte) r.nextInt(256)); // EtherType
            case 3 -> s.set(ValueLayout.JAVA_BYTE, IP + 9, (byte) r.nextInt(256)); // protocol
            case 4 -> s.set(ValueLayout.JAVA_BYTE, IP + 20 + r.nextInt(8), (byte) r.nextInt(256)); // ports, type
            default -> {
            }
        }
        return p;
    }

    @Test
    void withOrWithoutTheLookAheadTheSameComesOut() {
        for (Behavior filtering : new Behavior[] {Behavior.ADDRESS_AND_PORT_DEPENDENT, Behavior.ADDRESS_DEPENDENT}) {
            Counters withCounters = new Counters();
            Counters withoutCounters = new Counters();
            NatEngine with = filled(withCounters, filtering);
            NatEngine without = filled(withoutCounters, filtering);
            SplittableRandom r = new SplittableRandom(filtering.ordinal());
            FrameBatch batch = new FrameBatch(32);
            FrameBatch copy = new FrameBatch(32);
            long now = 0;
            for (int round = 0; round < 400; round++) {
                boolean inside = r.nextBoolean();
                int n = 1 + r.nextInt(32);
                for (int k = 0; k < n; k++) {
                    PacketBuffer p = randomFrame(r, inside);
                    batch.get(k).copyFrom(p);
                    copy.get(k).copyFrom(p);
                }
                with.prefetch(batch, n, inside);
                for (int k = 0; k < n; k++) {
                    now += r.nextInt(16) == 0 ? 500_000_000L : 1000; // ICMP sessions expire on the way
                    PacketBuffer a = batch.get(k);
                    PacketBuffer b = copy.get(k);
                    int verdictWith = inside ? with.outbound(a, IP, now) : with.inbound(a, IP, now);
                    int verdictWithout = inside ? without.outbound(b, IP, now) : without.inbound(b, IP, now);
                    assertThat(verdictWith).isEqualTo(verdictWithout);
                    assertThat(bytes(a)).isEqualTo(bytes(b));
                }
                if (round % 50 == 0) {
                    assertThat(with.expire(now)).isEqualTo(without.expire(now));
                }
            }
            assertThat(with.table().size()).isEqualTo(without.table().size());
            assertThat(with.table().size()).isGreaterThan(LookAhead.MIN_SESSIONS);
            assertThat(withCounters.snapshot()).isEqualTo(withoutCounters.snapshot());
        }
    }

    /** Random bytes of any length in every slot: the look-ahead reads only inside each frame. */
    @Test
    void arbitraryFramesNeverThrow() {
        NatEngine nat = filled(new Counters(), Behavior.ADDRESS_AND_PORT_DEPENDENT);
        SplittableRandom r = new SplittableRandom(5);
        FrameBatch batch = new FrameBatch(32);
        int size = nat.table().size();
        for (int round = 0; round < 2000; round++) {
            int n = r.nextInt(33);
            for (int k = 0; k < n; k++) {
                PacketBuffer p = batch.get(k);
                byte[] junk = new byte[r.nextInt(80)];
                r.nextBytes(junk);
                if (junk.length > 14 && r.nextBoolean()) {
                    junk[12] = 0x08; // IPv4, so the parse goes further
                    junk[13] = 0;
                }
                MemorySegment.copy(MemorySegment.ofArray(junk), 0, p.segment(), 0, junk.length);
                p.length(junk.length);
            }
            nat.prefetch(batch, n, r.nextBoolean());
        }
        assertThat(nat.table().size()).isEqualTo(size);
    }

    @Test
    void theLookAheadAllocatesNothing() {
        NatEngine nat = filled(new Counters(), Behavior.ADDRESS_AND_PORT_DEPENDENT);
        FrameBatch out = new FrameBatch(32);
        FrameBatch in = new FrameBatch(32);
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 32; k++) {
            int flow = r.nextInt(FLOWS);
            out.get(k).copyFrom(Frames.udpPacket(host(flow), port(flow), remote(flow), 53, 8));
            in.get(k).copyFrom(Frames.udpPacket(remote(flow), 53, PUBLIC, port(flow), 8));
        }
        org.jnat.testing.Allocations.assertSteadyStateAllocatesNothing("nat look-ahead", () -> {
            nat.prefetch(out, 32, true);
            nat.prefetch(in, 32, false);
        }, 10_000);
        assertThat(nat.table().size()).isEqualTo(FLOWS);
    }
}
