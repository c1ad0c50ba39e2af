package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** NatPmpMessage against the layouts of RFC 6886 sections 3.2 and 3.3, byte for byte. */
class NatPmpMessageTest {
    private static MemorySegment bytes(String hex) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(hex));
    }

    private static String hex(MemorySegment s, int length) {
        return HexFormat.of().formatHex(s.toArray(ValueLayout.JAVA_BYTE), 0, length);
    }

    @Test
    void parsesAddressRequest() {
        NatPmpMessage m = new NatPmpMessage().wrap(bytes("0000"), 0);
        assertThat(m.check(2)).isTrue();
        assertThat(m.version()).isZero();
        assertThat(m.op()).isEqualTo(NatPmpMessage.EXTERNAL_ADDRESS);
    }

    @Test
    void buildsAddressResponse() {
        MemorySegment s = MemorySegment.ofArray(new byte[12]);
        new NatPmpMessage().wrap(s, 0).op(128).resultCode(0).epoch(3600).externalAddress(Ipv4Address.parse("203.0.113.1"));
        assertThat(hex(s, 12)).isEqualTo("0080" + "0000" + "00000e10" + "cb007101");
        NatPmpMessage m = new NatPmpMessage().wrap(s, 0);
        assertThat(m.op()).isEqualTo(128);
        assertThat(m.epoch()).isEqualTo(3600);
        assertThat(m.externalAddress()).isEqualTo(Ipv4Address.parse("203.0.113.1"));
    }

    @Test
    void parsesMappingRequest() {
        // natpmpc -a 8080 9000 tcp 7200: OP 2, internal 8080, suggested 9000, 7200 s
        MemorySegment s = bytes("0002" + "0000" + "1f90" + "2328" + "00001c20");
        NatPmpMessage m = new NatPmpMessage().wrap(s, 0);
        assertThat(m.check(12)).isTrue();
        assertThat(m.op()).isEqualTo(NatPmpMessage.MAP_TCP);
        assertThat(m.reserved()).isZero();
        assertThat(m.requestInternalPort()).isEqualTo(8080);
        assertThat(m.requestExternalPort()).isEqualTo(9000);
        assertThat(m.requestLifetime()).isEqualTo(7200);
        MemorySegment built = MemorySegment.ofArray(new byte[12]);
        new NatPmpMessage().wrap(built, 0).request(NatPmpMessage.MAP_TCP, 8080, 9000, 7200);
        assertThat(hex(built, 12)).isEqualTo(hex(s, 12));
    }

    @Test
    void buildsMappingResponse() {
        MemorySegment s = MemorySegment.ofArray(new byte[16]);
        new NatPmpMessage().wrap(s, 0).op(130).resultCode(0).epoch(5).mapping(8080, 9000, 7200);
        assertThat(hex(s, 16)).isEqualTo("0082" + "0000" + "00000005" + "1f90" + "2328" + "00001c20");
        NatPmpMessage m = new NatPmpMessage().wrap(s, 0);
        assertThat(m.responseInternalPort()).isEqualTo(8080);
        assertThat(m.responseExternalPort()).isEqualTo(9000);
        assertThat(m.responseLifetime()).isEqualTo(7200);
    }

    @Test
    void rejectsTruncatedInput() {
        MemorySegment s = bytes("0001" + "0000" + "1f90" + "2328" + "00001c20");
        NatPmpMessage m = new NatPmpMessage().wrap(s, 0);
        assertThat(m.check(1)).isFalse();
        assertThat(m.check(11)).isFalse();
        assertThat(m.check(13)).isFalse();
        assertThat(m.check(12)).isTrue();
        assertThat(new NatPmpMessage().wrap(bytes("0000"), 0).check(2)).isTrue();
        assertThat(new NatPmpMessage().wrap(bytes("0005"), 0).check(2)).isTrue(); // an unknown OP: answered UNSUPPORTED_OPCODE
    }
}
