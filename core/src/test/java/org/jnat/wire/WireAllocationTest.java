package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.Test;

/** The packet path allocates nothing (DESIGN section 5): parsing, NAT rewrites and the builders. */
class WireAllocationTest {
    private static final long OUR_MAC = MacAddress.parse("42:9f:da:77:32:42");
    private static final long PEER_MAC = MacAddress.parse("c6:de:e7:74:70:29");

    private final Arena arena = Arena.ofAuto();

    private MemorySegment nativeCopy(byte[] frame) {
        MemorySegment segment = arena.allocate(2048, 64);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, segment, 0, frame.length);
        return segment;
    }

    @Test
    void parsingAndTranslatingAllocateNothing() {
        byte[] bytes = Vectors.frame("udp-echo-inside", 1);
        MemorySegment frame = nativeCopy(bytes);
        EthernetFrame ethernet = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        UdpDatagram udp = new UdpDatagram();
        int[] round = {0};
        int[] translated = {0};
        int publicAddress = Ipv4Address.parse("203.0.113.1");
        int privateAddress = Ipv4Address.parse("192.168.1.10");
        Allocations.assertSteadyStateAllocatesNothing("wire parse and translate", () -> {
            int i = round[0]++ & 1;
            if (ethernet.wrap(frame, 0).check(bytes.length) && ip.wrap(frame, ethernet.payloadOffset())
                    .check(bytes.length - ethernet.headerLength())
                    && udp.wrap(frame, ip.payloadOffset()).check(ip.payloadLength())) {
                int address = i == 0 ? publicAddress : privateAddress;
                int old = ip.translateSource(address);
                ip.decrementTtl().ttl(64);
                udp.translateSource(old, address, i == 0 ? 61001 : 41001);
                translated[0]++;
            }
        }, 100_000);
        // The work runs only when the frame checks: a frame that stops checking would measure nothing.
        assertThat(translated[0]).as("runs that parsed and translated the frame").isEqualTo(round[0]);
        assertThat(round[0]).as("runs measured").isGreaterThanOrEqualTo(1_100_000);
    }

    @Test
    void buildersAllocateNothing() {
        MemorySegment out = arena.allocate(2048, 64);
        Ipv4Packet request = new Ipv4Packet().wrap(nativeCopy(Vectors.frame("unsolicited-inbound-outside", 5)), 14);
        Ipv4Packet syn = new Ipv4Packet().wrap(nativeCopy(Vectors.frame("unsolicited-inbound-outside", 3)), 14);
        TcpSegment tcp = new TcpSegment();
        if (!request.check(84) || !syn.check(60) || !tcp.wrap(syn.segment(), syn.payloadOffset()).check(40)) {
            throw new AssertionError("the capture frames should check");
        }
        Allocations.assertSteadyStateAllocatesNothing("wire builders", () -> {
            ArpFrames.request(out, OUR_MAC, 1, 2);
            IcmpFrames.echoReply(out, OUR_MAC, PEER_MAC, request, 7);
            IcmpFrames.destinationUnreachable(out, OUR_MAC, PEER_MAC, 1, IcmpPacket.PORT_UNREACHABLE, syn, 7);
            TcpFrames.reset(out, OUR_MAC, PEER_MAC, syn, tcp);
        }, 20_000);
    }
}
