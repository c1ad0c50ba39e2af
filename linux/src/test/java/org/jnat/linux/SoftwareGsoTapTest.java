package org.jnat.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.stack.GsoPacket;
import org.jnat.stack.GsoSegmenter;
import org.jnat.stack.PartialChecksum;
import org.jnat.wire.Checksum;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The software offloads of {@code org.jnat.stack} on what a real kernel hands a TAP: the kernel
 * (10.78.0.1) opens a TCP connection to the test (10.78.0.2) and sends a flight of data; its
 * partial-checksum SYN completes to a valid checksum, and its TSO super-packets, completed whole
 * or cut into segments by {@link GsoSegmenter}, give valid checksums and contiguous sequence numbers.
 */
class SoftwareGsoTapTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_02L;
    private static final int OUR_IP = TestFrames.ip("10.78.0.2");

    @RegisterExtension
    static final LinkFixture fixture = new LinkFixture("socat");
    private static TapDevice tap;
    private static final Counters counters = new Counters();

    @BeforeAll
    static void openTap() {
        tap = fixture.tap("lxg", "10.78.0.1/24", counters);
    }

    @Test
    void kernelSuperPacketsSegmentToValidSegments() throws Exception {
        fixture.lab.start("sh", "-c", "head -c 400000 /dev/urandom | socat -u - TCP:10.78.0.2:5002,connect-timeout=5");
        FrameBatch batch = new FrameBatch(16);
        PacketBuffer out = PacketBuffer.allocate();
        PacketBuffer whole = PacketBuffer.allocate();
        GsoSegmenter segmenter = new GsoSegmenter(1518);
        Ipv4Packet ip = new Ipv4Packet();
        TcpSegment tcp = new TcpSegment();
        boolean synChecked = false;
        int superPackets = 0;
        int[] segments = {0};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (superPackets < 3 && System.nanoTime() < deadline) {
            int n = tap.receive(batch);
            for (int i = 0; i < n; i++) {
                PacketBuffer in = batch.get(i);
                MemorySegment f = in.segment();
                if (TestFrames.answerArp(tap, in, out, OUR_IP, OUR_MAC)) {
                    continue;
                }
                if (TestFrames.isTcpSyn(f, in.length(), OUR_IP) && TestFrames.u16(f, 36) == 5002) {
                    assertThat(in.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
                    assertThat(ip.wrap(f, 14).check(in.length() - 14)).isTrue();
                    assertThat(PartialChecksum.complete(in, (int) ip.payloadOffset(), 14 + ip.totalLength())).isTrue();
                    assertThat(tcp.wrap(f, ip.payloadOffset()).checksumValid(ip.sourceAddress(), ip.destinationAddress(),
                            ip.payloadLength())).as("the kernel's SYN, completed").isTrue();
                    synChecked = true;
                    out.clearOffload();
                    out.length(TestFrames.synAck(f, out.segment(), OUR_MAC, 1_000_000));
                    tap.transmit(out);
                } else if (TestFrames.isIpv4(f, in.length(), 6, OUR_IP) && in.gsoType != PacketBuffer.GSO_NONE) {
                    superPackets++;
                    assertThat(ip.wrap(f, 14).check(in.length() - 14)).isTrue();
                    assertThat(ip.headerChecksumValid()).isTrue();
                    assertThat(new GsoPacket().valid(in, 14)).isTrue();
                    int source = ip.sourceAddress(), destination = ip.destinationAddress();
                    int tcpLength = ip.payloadLength();
                    int firstSequence = tcp.wrap(f, ip.payloadOffset()).sequenceNumber();
                    int headerLength = tcp.headerLength();
                    // The kernel's partial field is the pseudo-header sum over the whole TCP length:
                    // completing it over the super-packet gives the checksum of one giant segment.
                    whole.copyFrom(in);
                    assertThat(PartialChecksum.complete(whole, 34, 14 + ip.totalLength())).isTrue();
                    long sum = Checksum.pseudoHeaderSum(source, destination, IpProtocol.TCP, tcpLength);
                    assertThat(Checksum.verifies(Checksum.add(whole.segment(), 34, tcpLength, sum))).isTrue();
                    int[] expected = {firstSequence};
                    int count = segmenter.segment(in, 14, false, 0, 0, (s, nextHop, now) -> {
                        Ipv4Packet sip = new Ipv4Packet().wrap(s.segment(), 14);
                        assertThat(sip.check(s.length() - 14)).isTrue();
                        assertThat(sip.totalLength()).isLessThanOrEqualTo(1500);
                        assertThat(sip.headerChecksumValid()).isTrue();
                        TcpSegment st = new TcpSegment().wrap(s.segment(), sip.payloadOffset());
                        assertThat(st.checksumValid(source, destination, sip.payloadLength())).isTrue();
                        assertThat(st.sequenceNumber()).isEqualTo(expected[0]);
                        expected[0] += sip.payloadLength() - st.headerLength();
                        segments[0]++;
                    });
                    assertThat(count).isEqualTo((tcpLength - headerLength + in.gsoSize - 1) / in.gsoSize);
                    assertThat(expected[0] - firstSequence).isEqualTo(tcpLength - headerLength);
                }
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        System.out.printf("kernel TSO through software GSO: %d super-packets, %d segments%n", superPackets, segments[0]);
        assertThat(synChecked).as("the kernel's SYN arrived").isTrue();
        assertThat(superPackets).as("super-packets arrived").isPositive();
    }
}
