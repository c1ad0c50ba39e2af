package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.jnat.wire.Checksum;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

class PartialChecksumTest {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int CL = Ipv4Address.parse("192.168.1.10"), SV = Ipv4Address.parse("198.51.100.10");
    private final PacketBuffer frame = PacketBuffer.allocate();

    private int field(int at) {
        return frame.segment().get(U16, at) & 0xffff;
    }

    @Test
    void tcpCompletionEqualsFullRecomputationForEveryLength() {
        Random random = new Random(7);
        for (int length = 0; length < 1500; length += 1 + random.nextInt(40)) {
            byte[] payload = new byte[length];
            random.nextBytes(payload);
            OffloadFrames.tcp(frame, 2, 1, CL, SV, 40000 + length, 443, random.nextInt(), TcpSegment.ACK | TcpSegment.PSH,
                    length, Frames.DF, payload, false, 0);
            int full = field(34 + TcpSegment.CHECKSUM);
            OffloadFrames.makePartial(frame, 34, TcpSegment.CHECKSUM, CL, SV, 6, frame.length() - 34);
            assertThat(field(34 + TcpSegment.CHECKSUM)).as("partial differs from full").isNotEqualTo(full);

            assertThat(PartialChecksum.complete(frame, 34, frame.length())).isTrue();

            assertThat(field(34 + TcpSegment.CHECKSUM)).as("payload %d", length).isEqualTo(full);
            assertThat(new TcpSegment().wrap(frame.segment(), 34).checksumValid(CL, SV, frame.length() - 34)).isTrue();
            assertThat(frame.flags & PacketBuffer.F_NEEDS_CSUM).isZero();
            assertThat(frame.hasOffload()).isFalse();
        }
    }

    @Test
    void udpCompletionEqualsFullRecomputation() {
        Random random = new Random(11);
        for (int length = 0; length < 1472; length += 1 + random.nextInt(50)) {
            byte[] payload = new byte[length];
            random.nextBytes(payload);
            OffloadFrames.udp(frame, 2, 1, CL, SV, 5000, 53, 1, 0, payload, true, PacketBuffer.GSO_NONE, 0);
            assertThat(PartialChecksum.complete(frame, 34, frame.length())).isTrue();
            int expected = Checksum.udp(frame.segment(), 34, frame.length() - 34, CL, SV);
            assertThat(field(34 + UdpDatagram.CHECKSUM)).as("payload %d", length).isEqualTo(expected);
            assertThat(new UdpDatagram().wrap(frame.segment(), 34).checksumValid(CL, SV)).isTrue();
        }
    }

    @Test
    void udpComputedZeroIsSentAsAllOnes() {
        // Choose the last two payload bytes so that the complemented sum is 0 (RFC 768).
        byte[] payload = Frames.pattern(100, 3);
        payload[98] = 0;
        payload[99] = 0;
        OffloadFrames.udp(frame, 2, 1, CL, SV, 5000, 53, 1, 0, payload, false, PacketBuffer.GSO_NONE, 0);
        long sum = Checksum.pseudoHeaderSum(CL, SV, 17, 108)
                + Checksum.sum(frame.segment(), 34, 6) + Checksum.sum(frame.segment(), 42, 100);
        int word = ~Checksum.fold(sum) & 0xffff;   // makes the total fold to 0xffff
        frame.segment().set(U16, 42 + 98, (short) word);
        OffloadFrames.makePartial(frame, 34, UdpDatagram.CHECKSUM, CL, SV, 17, 108);

        assertThat(PartialChecksum.complete(frame, 34, frame.length())).isTrue();

        assertThat(field(34 + UdpDatagram.CHECKSUM)).isEqualTo(0xffff);
        assertThat(new UdpDatagram().wrap(frame.segment(), 34).checksumValid(CL, SV)).isTrue();
    }

    @Test
    void aFrameWithoutTheFlagIsLeftAlone() {
        OffloadFrames.udp(frame, 2, 1, CL, SV, 5000, 53, 1, 0, new byte[10], false, PacketBuffer.GSO_NONE, 0);
        byte[] before = Frames.bytes(frame);
        assertThat(PartialChecksum.complete(frame, 34, frame.length())).isTrue();
        assertThat(Frames.bytes(frame)).isEqualTo(before);
    }

    @Test
    void aChecksumPositionOutsideTheDatagramIsRefusedAndNothingChanges() {
        OffloadFrames.udp(frame, 2, 1, CL, SV, 5000, 53, 1, 0, new byte[10], true, PacketBuffer.GSO_NONE, 0);
        byte[] before = Frames.bytes(frame);
        frame.checksumOffset = frame.length();          // past the end
        assertThat(PartialChecksum.complete(frame, 34, frame.length())).isFalse();
        frame.checksumOffset = 6;
        frame.checksumStart = 20;                        // inside the IP header
        assertThat(PartialChecksum.complete(frame, 34, frame.length())).isFalse();
        frame.checksumStart = 34;
        frame.checksumOffset = 5;                        // odd: not a 16-bit word of the sum
        assertThat(PartialChecksum.complete(frame, 34, frame.length())).isFalse();
        assertThat(PartialChecksum.complete(frame, 34, frame.length() + 1)).as("end past the frame").isFalse();
        assertThat(Frames.bytes(frame)).isEqualTo(before);
        assertThat(frame.flags & PacketBuffer.F_NEEDS_CSUM).isNotZero();
    }
}
