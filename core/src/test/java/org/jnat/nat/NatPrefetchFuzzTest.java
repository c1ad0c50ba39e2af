package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.TcpSegment;

/**
 * Jazzer fuzz test of the look-ahead ({@link NatEngine#prefetch}): the comparison
 * {@link NatPrefetchTest#withOrWithoutTheLookAheadTheSameComesOut} makes, driven by the input. Two
 * engines hold the same {@link NatPrefetchTest#FLOWS} sessions (made once, kept across inputs: the
 * same inputs reach both, so they stay alike); each input is a batch that one engine looks ahead
 * over and the other does not, then both translate it frame by frame. The same verdicts, the same
 * bytes, the same table size, the same expiries and the same counters must come out: a look-ahead
 * that changed the table (made, refreshed or dropped a session) shows here.
 *
 * <p>Input: byte 0 picks the side (bit 7) and the number of frames (bits 0-4, plus one). Each
 * frame: a selector byte; with bit 7 set, raw bytes follow (a length byte and that many, an IPv4
 * EtherType written in when the length allows, so the parse goes deep); otherwise a packet of a
 * set-up flow or its reply (two bytes of flow, then the kind of packet) with an optional damage
 * (a byte to pick the field, a byte of value). A plain {@code ./mvnw verify} replays the seeds in
 * {@code src/test/resources/org/jnat/nat/NatPrefetchFuzzTestInputs/}; run with {@code JAZZER_FUZZ=1} to fuzz.
 */
class NatPrefetchFuzzTest {
    private static Counters withCounters;
    private static Counters withoutCounters;
    private static NatEngine with;
    private static NatEngine without;
    private static final FrameBatch BATCH = new FrameBatch(32);
    private static final FrameBatch COPY = new FrameBatch(32);
    private static long now;

    @FuzzTest(maxDuration = "60s")
    void withOrWithoutTheLookAheadTheSameComesOut(byte[] input) {
        if (with == null) {
            withCounters = new Counters();
            withoutCounters = new Counters();
            with = NatPrefetchTest.filled(withCounters, Behavior.ADDRESS_DEPENDENT);
            without = NatPrefetchTest.filled(withoutCounters, Behavior.ADDRESS_DEPENDENT);
        }
        if (input.length == 0) {
            return;
        }
        boolean inside = (input[0] & 0x80) != 0;
        int count = 1 + (input[0] & 0x1f);
        int[] at = {1};
        int n = 0;
        while (n < count && at[0] < input.length) {
            frame(input, at, inside, BATCH.get(n));
            COPY.get(n).copyFrom(BATCH.get(n));
            n++;
        }
        with.prefetch(BATCH, n, inside);
        assertThat(with.table().size()).as("sessions after the look-ahead alone").isEqualTo(without.table().size());
        for (int k = 0; k < n; k++) {
            now += 1000;
            PacketBuffer a = BATCH.get(k);
            PacketBuffer b = COPY.get(k);
            int verdictWith = inside ? with.outbound(a, Frames.IP, now) : with.inbound(a, Frames.IP, now);
            int verdictWithout = inside ? without.outbound(b, Frames.IP, now) : without.inbound(b, Frames.IP, now);
            assertThat(verdictWith).as("verdict of frame %d", k).isEqualTo(verdictWithout);
            assertThat(a.length()).isEqualTo(b.length());
            assertThat(MemorySegment.mismatch(a.segment(), 0, a.length(), b.segment(), 0, b.length()))
                    .as("first byte that differs in frame %d", k).isEqualTo(-1L);
        }
        now += 50_000_000L; // ICMP sessions expire after 30 s of these
        assertThat(with.expire(now)).as("sessions expired").isEqualTo(without.expire(now));
        assertThat(with.table().size()).isEqualTo(without.table().size());
        assertThat(with.table().nextDeadline()).isEqualTo(without.table().nextDeadline());
        assertThat(withCounters.snapshot()).isEqualTo(withoutCounters.snapshot());
    }

    private static int next(byte[] input, int[] at) {
        return at[0] < input.length ? input[at[0]++] & 0xff : 0;
    }

    /** One frame of the input into {@code p}. */
    private static void frame(byte[] input, int[] at, boolean inside, PacketBuffer p) {
        int selector = next(input, at);
        if ((selector & 0x80) != 0) {
            int length = Math.min(next(input, at), input.length - at[0]);
            MemorySegment.copy(MemorySegment.ofArray(input), at[0], p.segment(), 0, length);
            if (length >= 14) {
                p.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) 0x0008);
            }
            p.length(length);
            at[0] += length;
            return;
        }
        int flow = (next(input, at) << 8 | next(input, at)) % (NatPrefetchTest.FLOWS + 500);
        int host = NatPrefetchTest.host(flow);
        int port = NatPrefetchTest.port(flow);
        int remote = NatPrefetchTest.remote(flow);
        int kind = selector & 3;
        PacketBuffer made;
        if (inside) {
            made = switch (kind) {
                case 0 -> Frames.udpPacket(host, port, remote, 53, selector >>> 2 & 31);
                case 1 -> Frames.tcpPacket(host, port, remote, 443, (selector & 4) != 0 ? TcpSegment.ACK : TcpSegment.SYN, 0);
                case 2 -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REQUEST, host, remote, port, 2);
                default -> Frames.udpPacket(host, port, NatPrefetchTest.PUBLIC, 1024 + (selector >>> 2 & 63), 4);
            };
        } else {
            made = switch (kind) {
                case 0 -> Frames.udpPacket(remote, 53, NatPrefetchTest.PUBLIC, port, selector >>> 2 & 31);
                case 1 -> Frames.tcpPacket(remote, 443, NatPrefetchTest.PUBLIC, port, TcpSegment.ACK, 0);
                case 2 -> Frames.icmpQueryPacket(IcmpPacket.ECHO_REPLY, remote, NatPrefetchTest.PUBLIC, port, 2);
                default -> Frames.udpPacket(remote, 53, NatPrefetchTest.PUBLIC + (selector >>> 2 & 1), port, 4);
            };
        }
        p.copyFrom(made);
        int damage = next(input, at);
        int value = next(input, at);
        MemorySegment s = p.segment();
        switch (damage & 7) {
            case 0 -> p.length(value % (p.length() + 1)); // cut short anywhere
            case 1 -> s.set(ValueLayout.JAVA_BYTE, Frames.IP, (byte) value); // version and header length
            case 2 -> s.set(ValueLayout.JAVA_BYTE, 12, (byte) value); // EtherType
            case 3 -> s.set(ValueLayout.JAVA_BYTE, Frames.IP + 9, (byte) value); // protocol
            case 4 -> s.set(ValueLayout.JAVA_BYTE, Frames.IP + 20 + (damage >>> 3 & 7), (byte) value); // ports, type
            default -> {
            }
        }
    }
}
