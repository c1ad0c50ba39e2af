package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** PcpMessage against the layouts of RFC 6887 sections 7, 11.1, 12.1 and 13, byte for byte. */
class PcpMessageTest {
    /** A MAP request as RFC 6887 lays it out: TCP 192.168.1.10:8080, suggested 203.0.113.1:9000, 7200 s, PREFER_FAILURE and a FILTER. */
    static final String MAP_REQUEST = ""
            + "02" + "01" + "0000"                                // version 2, R=0 opcode MAP, reserved
            + "00001c20"                                          // requested lifetime 7200
            + "00000000000000000000ffff" + "c0a8010a"             // client ::ffff:192.168.1.10
            + "0102030405060708090a0b0c"                          // mapping nonce
            + "06" + "000000"                                     // protocol TCP, reserved
            + "1f90" + "2328"                                     // internal 8080, suggested external 9000
            + "00000000000000000000ffff" + "cb007101"             // suggested external ::ffff:203.0.113.1
            + "02" + "00" + "0000"                                // PREFER_FAILURE, no data
            + "03" + "00" + "0014"                                // FILTER, 20 bytes
            + "00" + "78" + "01bb"                                // reserved, prefix 96+24, port 443
            + "00000000000000000000ffff" + "c6336400";            // ::ffff:198.51.100.0

    private static MemorySegment bytes(String hex) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(hex));
    }

    @Test
    void parsesMapRequest() {
        MemorySegment s = bytes(MAP_REQUEST);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        assertThat(m.check((int) s.byteSize())).isTrue();
        assertThat(m.length()).isEqualTo(88);
        assertThat(m.version()).isEqualTo(2);
        assertThat(m.isResponse()).isFalse();
        assertThat(m.opcode()).isEqualTo(PcpMessage.MAP);
        assertThat(m.checkBody()).isTrue();
        assertThat(m.lifetime()).isEqualTo(7200);
        assertThat(m.clientAddressIsIpv4()).isTrue();
        assertThat(m.clientAddress()).isEqualTo(Ipv4Address.parse("192.168.1.10"));
        assertThat(m.nonce(0)).isEqualTo(0x01020304);
        assertThat(m.nonce(2)).isEqualTo(0x090a0b0c);
        assertThat(m.protocol()).isEqualTo(IpProtocol.TCP);
        assertThat(m.internalPort()).isEqualTo(8080);
        assertThat(m.externalPort()).isEqualTo(9000);
        assertThat(m.externalAddressIsIpv4()).isTrue();
        assertThat(m.externalAddress()).isEqualTo(Ipv4Address.parse("203.0.113.1"));
        int at = m.nextOption(m.optionsStart(), true);
        assertThat(at).isEqualTo(60);
        assertThat(m.optionCode(at)).isEqualTo(PcpMessage.PREFER_FAILURE);
        assertThat(m.optionLength(at)).isZero();
        at = m.nextOption(at, false);
        assertThat(at).isEqualTo(64);
        assertThat(m.optionCode(at)).isEqualTo(PcpMessage.FILTER);
        assertThat(m.optionLength(at)).isEqualTo(PcpMessage.FILTER_LENGTH);
        assertThat(m.filterPrefixLength(at)).isEqualTo(120);
        assertThat(m.filterPeerPort(at)).isEqualTo(443);
        assertThat(m.filterPeerIsIpv4(at)).isTrue();
        assertThat(m.filterPeerAddress(at)).isEqualTo(Ipv4Address.parse("198.51.100.0"));
        assertThat(m.nextOption(at, false)).isEqualTo(88);
    }

    @Test
    void buildsTheSameBytes() {
        MemorySegment s = MemorySegment.ofArray(new byte[88]);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        m.version(2).opcode(PcpMessage.MAP, false).resultCode(0).lifetime(7200)
                .clientAddress(Ipv4Address.parse("192.168.1.10"));
        m.nonce(0, 0x01020304).nonce(1, 0x05060708).nonce(2, 0x090a0b0c).protocol(IpProtocol.TCP)
                .internalPort(8080).externalPort(9000).externalAddress(Ipv4Address.parse("203.0.113.1"));
        int at = m.option(60, PcpMessage.PREFER_FAILURE, 0);
        m.option(at, PcpMessage.FILTER, PcpMessage.FILTER_LENGTH);
        m.filter(at, 120, 443, Ipv4Address.parse("198.51.100.0"));
        assertThat(HexFormat.of().formatHex(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))).isEqualTo(MAP_REQUEST);
    }

    @Test
    void writesAResponseHeaderOverARequest() {
        MemorySegment s = bytes(MAP_REQUEST);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        m.opcode(PcpMessage.MAP, true).resultCode(PcpMessage.CANNOT_PROVIDE_EXTERNAL).lifetime(30).epochTime(77);
        assertThat(HexFormat.of().formatHex(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, 24))
                .isEqualTo("0281000b" + "0000001e" + "0000004d" + "000000000000000000000000");
        assertThat(m.isResponse()).isTrue();
        assertThat(m.opcode()).isEqualTo(PcpMessage.MAP);
        assertThat(m.resultCode()).isEqualTo(11);
        assertThat(m.epochTime()).isEqualTo(77);
    }

    @Test
    void parsesPeerBody() {
        String peer = "02020000" + "00000e10" + "00000000000000000000ffffc0a8010a"
                + "aabbccdd0011223344556677" + "11000000" + "13881388" + "00000000000000000000ffff00000000"
                + "0035" + "0000" + "00000000000000000000ffffc633640a";
        MemorySegment s = bytes(peer);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        assertThat(m.check(80)).isTrue();
        assertThat(m.opcode()).isEqualTo(PcpMessage.PEER);
        assertThat(m.checkBody()).isTrue();
        assertThat(m.protocol()).isEqualTo(IpProtocol.UDP);
        assertThat(m.internalPort()).isEqualTo(5000);
        assertThat(m.externalPort()).isEqualTo(5000);
        assertThat(m.addressIsZero(PcpMessage.externalAddressField())).isTrue();
        assertThat(m.remotePeerPort()).isEqualTo(53);
        assertThat(m.remotePeerAddressIsIpv4()).isTrue();
        assertThat(m.remotePeerAddress()).isEqualTo(Ipv4Address.parse("198.51.100.10"));
        assertThat(m.nextOption(m.optionsStart(), true)).isEqualTo(80);
    }

    @Test
    void thirdPartyOption() {
        MemorySegment s = MemorySegment.ofArray(new byte[20]);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        m.option(0, PcpMessage.THIRD_PARTY, PcpMessage.THIRD_PARTY_LENGTH);
        m.thirdPartyAddress(0, Ipv4Address.parse("192.168.1.20"));
        assertThat(HexFormat.of().formatHex(s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)))
                .isEqualTo("01000010" + "00000000000000000000ffffc0a80114");
        assertThat(m.thirdPartyIsIpv4(0)).isTrue();
        assertThat(m.thirdPartyAddress(0)).isEqualTo(Ipv4Address.parse("192.168.1.20"));
    }

    @Test
    void rejectsTruncatedInput() {
        MemorySegment s = bytes(MAP_REQUEST);
        PcpMessage m = new PcpMessage().wrap(s, 0);
        assertThat(m.check(23)).isFalse();
        assertThat(m.check(89)).isFalse();
        assertThat(m.check(24)).isTrue();
        assertThat(m.checkBody()).isFalse();
        assertThat(m.check(59)).isTrue();
        assertThat(m.checkBody()).isFalse();
        assertThat(m.check(60)).isTrue();
        assertThat(m.checkBody()).isTrue();
        assertThat(m.check(87)).isTrue();
        int at = m.nextOption(m.optionsStart(), true);
        assertThat(m.nextOption(at, false)).isEqualTo(-1); // the FILTER runs past 87 bytes
        assertThat(m.check(62)).isTrue();
        assertThat(m.nextOption(m.optionsStart(), true)).isEqualTo(-1); // half an option header
    }
}
