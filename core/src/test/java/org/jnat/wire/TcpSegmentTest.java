package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class TcpSegmentTest {
    private static final int CLIENT = Ipv4Address.parse("192.168.1.10");
    private static final int SERVER = Ipv4Address.parse("198.51.100.10");

    @Test
    void parsesRealSynWithMss() {
        // tcp-http-inside.pcap frame 1: SYN 41000 -> 8000, seq 0x48088a08, MSS 1460, SACK, TS, WS.
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        TcpSegment tcp = new TcpSegment().wrap(Vectors.segment(bytes), 34);
        assertThat(tcp.check(40)).isTrue();
        assertThat(tcp.sourcePort()).isEqualTo(41000);
        assertThat(tcp.destinationPort()).isEqualTo(8000);
        assertThat(tcp.sequenceNumber()).isEqualTo(0x48088a08);
        assertThat(tcp.acknowledgmentNumber()).isZero();
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.flags()).isEqualTo(TcpSegment.SYN);
        assertThat(tcp.syn()).isTrue();
        assertThat(tcp.ack() || tcp.fin() || tcp.rst()).isFalse();
        assertThat(tcp.window()).isEqualTo(64240);
        assertThat(tcp.checksum()).isEqualTo(0x509e);
        assertThat(tcp.urgentPointer()).isZero();
        assertThat(tcp.optionsOffset()).isEqualTo(54);
        assertThat(tcp.optionsLength()).isEqualTo(20);
        assertThat(tcp.payloadOffset()).isEqualTo(74);
        assertThat(tcp.mss()).isEqualTo(1460);
        assertThat(tcp.checksumValid(CLIENT, SERVER, 40)).isTrue();
        assertThat(Checksum.tcp(tcp.segment(), 34, 40, CLIENT, SERVER)).isEqualTo(0x509e);
    }

    @Test
    void parsesRealDataSegment() {
        // tcp-http-inside.pcap frame 4: the GET, PSH|ACK, 82 bytes of data, no MSS option.
        byte[] bytes = Vectors.frame("tcp-http-inside", 4);
        Ipv4Packet ip = new Ipv4Packet().wrap(Vectors.segment(bytes), 14);
        assertThat(ip.check(bytes.length - 14)).isTrue();
        TcpSegment tcp = new TcpSegment().wrap(ip.segment(), ip.payloadOffset());
        assertThat(tcp.check(ip.payloadLength())).isTrue();
        assertThat(tcp.flags()).isEqualTo(TcpSegment.PSH | TcpSegment.ACK);
        assertThat(ip.payloadLength() - tcp.headerLength()).isEqualTo(82);
        assertThat(tcp.mss()).isEqualTo(-1);
        assertThat(tcp.checksumValid(CLIENT, SERVER, ip.payloadLength())).isTrue();
    }

    @Test
    void clampsMssKeepingTheChecksumRight() {
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        TcpSegment tcp = new TcpSegment().wrap(Vectors.segment(bytes), 34);
        assertThat(tcp.check(40)).isTrue();
        assertThat(tcp.clampMss(1500)).isFalse();
        assertThat(tcp.clampMss(1360)).isTrue();
        assertThat(tcp.mss()).isEqualTo(1360);
        assertThat(tcp.checksumValid(CLIENT, SERVER, 40)).isTrue();
        assertThat(tcp.checksum()).isEqualTo(Checksum.tcp(tcp.segment(), 34, 40, CLIENT, SERVER));
    }

    @Test
    void clampsAnMssOptionAtAnOddOffset() {
        // NOP, MSS 1460, NOP, NOP, NOP: the MSS value starts at an odd byte of the header.
        MemorySegment segment = MemorySegment.ofArray(new byte[28]);
        TcpSegment tcp = new TcpSegment().wrap(segment, 0);
        tcp.sourcePort(1).destinationPort(2).sequenceNumber(7).headerLength(28).flags(TcpSegment.SYN).window(1000);
        MemorySegment.copy(MemorySegment.ofArray(Vectors.hex("01 020405b4 010101")), 0, segment, 20, 8);
        tcp.fillChecksum(CLIENT, SERVER, 28);
        assertThat(tcp.mssValueOffset()).isEqualTo(23);
        assertThat(tcp.clampMss(1200)).isTrue();
        assertThat(tcp.mss()).isEqualTo(1200);
        assertThat(tcp.checksum()).isEqualTo(Checksum.tcp(segment, 0, 28, CLIENT, SERVER));
    }

    @Test
    void walksMalformedOptionsWithoutThrowing() {
        String[] options = {"02", "0201", "0200", "02ff", "0203ffff", "08", "0800", "00020405b4", "0102"};
        for (String option : options) {
            byte[] raw = Vectors.hex(option);
            MemorySegment segment = MemorySegment.ofArray(new byte[24]);
            TcpSegment tcp = new TcpSegment().wrap(segment, 0).headerLength(24);
            MemorySegment.copy(MemorySegment.ofArray(raw), 0, segment, 20, Math.min(raw.length, 4));
            assertThat(tcp.check(24)).isTrue();
            assertThat(tcp.mss()).as("options %s", option).isEqualTo(-1);
        }
    }

    @Test
    void roundTripsEveryField() {
        MemorySegment segment = MemorySegment.ofArray(new byte[20]);
        TcpSegment tcp = new TcpSegment().wrap(segment, 0);
        tcp.sourcePort(65535).destinationPort(1).sequenceNumber(0xfffffffe).acknowledgmentNumber(0x80000000)
                .headerLength(20).flags(TcpSegment.CWR | TcpSegment.ECE | TcpSegment.URG).window(0xabcd)
                .checksum(0x1234).urgentPointer(0x8888);
        assertThat(tcp.check(20)).isTrue();
        assertThat(tcp.sourcePort()).isEqualTo(65535);
        assertThat(tcp.destinationPort()).isEqualTo(1);
        assertThat(Integer.toUnsignedLong(tcp.sequenceNumber())).isEqualTo(0xfffffffeL);
        assertThat(tcp.acknowledgmentNumber()).isEqualTo(0x80000000);
        assertThat(tcp.headerLength()).isEqualTo(20);
        assertThat(tcp.flags()).isEqualTo(0xe0);
        assertThat(tcp.window()).isEqualTo(0xabcd);
        assertThat(tcp.checksum()).isEqualTo(0x1234);
        assertThat(tcp.urgentPointer()).isEqualTo(0x8888);
        assertThat(tcp.mss()).isEqualTo(-1);
    }

    @Test
    void rejectsTruncatedInput() {
        byte[] bytes = Vectors.frame("tcp-http-inside", 1);
        MemorySegment segment = Vectors.segment(bytes);
        TcpSegment tcp = new TcpSegment().wrap(segment, 34);
        for (int length = 0; length < 40; length++) {
            assertThat(tcp.check(length)).as("length %d", length).isFalse();
        }
        assertThat(tcp.check(40)).isTrue();
        assertThat(tcp.checkQuoted(8)).isTrue();
        assertThat(tcp.checkQuoted(7)).isFalse();
        segment.set(ValueLayout.JAVA_BYTE, 34 + TcpSegment.DATA_OFFSET, (byte) 0x40); // data offset 4
        assertThat(tcp.check(40)).isFalse();
    }
}
