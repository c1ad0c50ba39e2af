package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.Ipv4Address.parse;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.testing.Frames;
import org.jnat.wire.Checksum;
import org.jnat.wire.IcmpPacket;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.junit.jupiter.api.Test;

class IcmpTest {
    static final int CL = parse("192.168.1.10");
    static final int SV = parse("198.51.100.10");

    final InterfaceTest.StubDevice device = new InterfaceTest.StubDevice(-1, 1500);
    final Interface inside = new Interface(Side.INSIDE, device, 0x02_00_00_00_00_01L, parse("192.168.1.1"), 24, 1500);
    final Interface outside = new Interface(Side.OUTSIDE, device, 0x02_00_00_00_00_02L, parse("203.0.113.1"), 24, 1500);
    final Counters counters = new Counters();
    final Icmp icmp = new Icmp(new Martians(inside, outside), new RateLimiter(2, 1), counters);
    final PacketBuffer frame = PacketBuffer.allocate();
    final PacketBuffer out = PacketBuffer.allocate();

    private Ipv4Packet datagram(int src, int dst, int protocol, int flagsOffset, byte[] payload) {
        Frames.ipv4(frame, src, dst, protocol, 1, flagsOffset, new byte[0], payload);
        return icmp.offending(frame, 14);
    }

    private static byte[] icmpMessage(int type) {
        byte[] m = new byte[8];
        m[0] = (byte) type;
        return m;
    }

    @Test
    void rfc1122Rules() {
        assertThat(icmp.mayReport(frame, 14, datagram(CL, SV, 17, 0, new byte[8]), false)).isTrue();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, SV, 1, 0, icmpMessage(8)), false)).as("an echo").isTrue();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, SV, 1, 0, icmpMessage(3)), false)).as("an error").isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, SV, 1, 0, icmpMessage(11)), false)).isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, SV, 17, 0x2000 | 10, new byte[8]), false))
                .as("a non-initial fragment").isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, parse("192.168.1.255"), 17, 0, new byte[8]), false))
                .as("to a directed broadcast").isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(CL, parse("224.0.0.9"), 17, 0, new byte[8]), false)).isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(parse("127.0.0.1"), SV, 17, 0, new byte[8]), false))
                .as("from no host").isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(outside.address(), SV, 17, 0, new byte[8]), false))
                .as("our own").isFalse();
        assertThat(icmp.mayReport(frame, 14, datagram(outside.address(), SV, 17, 0, new byte[8]), true))
                .as("our own, translated by the NAT").isTrue();
        Ipv4Packet d = datagram(CL, SV, 17, 0, new byte[8]);
        frame.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 0xff); // a link-layer broadcast
        assertThat(icmp.mayReport(frame, 14, d, false)).isFalse();
        assertThat(counters.get("icmp.suppressed")).isEqualTo(8);
    }

    @Test
    void errorsAreRateLimited() {
        assertThat(icmp.allow(0)).isTrue();
        assertThat(icmp.allow(0)).isTrue();
        assertThat(icmp.allow(0)).isFalse();
        assertThat(icmp.allow(1_000_000_000L)).isTrue();
        assertThat(counters.get("icmp.rate_limited")).isEqualTo(1);
    }

    @Test
    void anErrorQuotesTheDatagram() {
        Ipv4Packet d = datagram(CL, SV, 17, 0, Frames.ramp(1000, 7, 3));
        int n = icmp.error(out, inside.mac(), inside.address(), IcmpPacket.TIME_EXCEEDED, 0, 0, d);
        assertThat(n).isEqualTo(14 + 576);
        MemorySegment s = out.segment();
        assertThat(s.get(NetworkOrder.U32, 26)).isEqualTo(inside.address());
        assertThat(s.get(NetworkOrder.U32, 30)).isEqualTo(CL);
        assertThat(Checksum.verifies(Checksum.sum(s, 34, 576 - 20))).isTrue();
        assertThat(MemorySegment.mismatch(s, 42, 42 + 548, frame.segment(), 14, 14 + 548)).isEqualTo(-1);
        assertThat(counters.get("icmp.sent.time_exceeded")).isEqualTo(1);
    }

    @Test
    void aResetAnswersTcpButNeverAReset() {
        byte[] syn = new byte[20];
        syn[12] = 0x50;
        syn[13] = 0x02;
        assertThat(icmp.reset(out, outside.mac(), datagram(SV, outside.address(), 6, 0, syn))).isEqualTo(54);
        byte[] rst = syn.clone();
        rst[13] = 0x04;
        assertThat(icmp.reset(out, outside.mac(), datagram(SV, outside.address(), 6, 0, rst))).isZero();
        assertThat(icmp.reset(out, outside.mac(), datagram(SV, outside.address(), 17, 0, new byte[8]))).isZero();
        assertThat(counters.get("tcp.sent.reset")).isEqualTo(1);
    }

    @Test
    void martianClasses() {
        Martians m = new Martians(inside, outside);
        assertThat(m.isMartianSource(parse("0.0.0.0"))).isTrue();
        assertThat(m.isMartianSource(parse("240.1.1.1"))).isTrue();
        assertThat(m.isMartianSource(parse("192.168.1.255"))).isTrue();
        assertThat(m.isMartianSource(CL)).isFalse();
        assertThat(m.isBroadcastOrMulticast(parse("203.0.113.255"))).isTrue();
        assertThat(m.isBroadcastOrMulticast(SV)).isFalse();
        assertThat(m.isMartianDestination(parse("127.0.0.2"))).isTrue();
        assertThat(m.isOurs(parse("192.168.1.1"))).isTrue();
    }
}
