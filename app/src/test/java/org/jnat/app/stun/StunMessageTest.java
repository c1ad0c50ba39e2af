package org.jnat.app.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link StunMessage} on the RFC 5769 test vectors, byte for byte, and on broken copies of them. */
class StunMessageTest {
    /** RFC 5769 section 2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. */
    static final byte[] SAMPLE_REQUEST = HexFormat.of().parseHex(
            "000100582112a442b7e7a701bc34d686fa87dfae"
                    + "80220010" + "5354554e207465737420636c69656e74"
                    + "00240004" + "6e0001ff"
                    + "80290008" + "932ff9b151263b36"
                    + "00060009" + "6576746a3a68367659202020"
                    + "00080014" + "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
                    + "80280004" + "e57a3bcf");
    /** RFC 5769 section 2.2: a Binding success response mapping 192.0.2.1:32853. */
    static final byte[] SAMPLE_IPV4_RESPONSE = HexFormat.of().parseHex(
            "0101003c2112a442b7e7a701bc34d686fa87dfae"
                    + "8022000b" + "7465737420766563746f7220"
                    + "00200008" + "0001a147e112a643"
                    + "00080014" + "2b91f599fd9e90c38c7489f92af9ba53f06be7d7"
                    + "80280004" + "c07d4c96");
    /** RFC 5769 section 2.3: the same for 2001:db8:1234:5678:11:2233:4455:6677 port 32853. */
    static final byte[] SAMPLE_IPV6_RESPONSE = HexFormat.of().parseHex(
            "010100482112a442b7e7a701bc34d686fa87dfae"
                    + "8022000b" + "7465737420766563746f7220"
                    + "00200014" + "0002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
                    + "00080014" + "a382954e4be67bf11784c97c8292c275bfe3ed41"
                    + "80280004" + "c8fb0b4c");

    private final StunMessage m = new StunMessage();

    @Test
    void sampleRequestParses() {
        m.wrap(SAMPLE_REQUEST, 0, SAMPLE_REQUEST.length);
        assertThat(m.wellFormed()).isTrue();
        assertThat(m.type()).isEqualTo(StunMessage.BINDING_REQUEST);
        assertThat(m.messageLength()).isEqualTo(0x58);
        assertThat(m.hasMagicCookie()).isTrue();
        int software = m.find(StunMessage.SOFTWARE);
        assertThat(software).isEqualTo(24);
        assertThat(new String(SAMPLE_REQUEST, software, m.valueLength(software))).isEqualTo("STUN test client");
        int username = m.find(0x0006);
        assertThat(m.valueLength(username)).isEqualTo(9); // padded to 12 on the wire, and found past it
        assertThat(m.find(StunMessage.XOR_MAPPED_ADDRESS)).isEqualTo(-1);
        assertThat(m.changeRequest()).isZero();
        assertThat(m.hasFingerprint()).isTrue();
        assertThat(m.fingerprintMatches()).isTrue();
    }

    @Test
    void sampleResponsesGiveTheirMappedAddresses() {
        m.wrap(SAMPLE_IPV4_RESPONSE, 0, SAMPLE_IPV4_RESPONSE.length);
        assertThat(m.wellFormed()).isTrue();
        assertThat(m.type()).isEqualTo(StunMessage.BINDING_RESPONSE);
        assertThat(m.address(m.find(StunMessage.XOR_MAPPED_ADDRESS), true))
                .isEqualTo(new InetSocketAddress("192.0.2.1", 32853));
        assertThat(m.fingerprintMatches()).isTrue();

        m.wrap(SAMPLE_IPV6_RESPONSE, 0, SAMPLE_IPV6_RESPONSE.length);
        assertThat(m.wellFormed()).isTrue();
        assertThat(m.address(m.find(StunMessage.XOR_MAPPED_ADDRESS), true))
                .isEqualTo(new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853));
        assertThat(m.fingerprintMatches()).isTrue();
    }

    @Test
    void anyFlippedBitBreaksTheFingerprint() {
        for (int i = 0; i < SAMPLE_REQUEST.length; i++) {
            byte[] copy = SAMPLE_REQUEST.clone();
            copy[i] ^= 0x10;
            assertThat(m.wrap(copy, 0, copy.length).wellFormed() && m.fingerprintMatches()).as("byte %d", i).isFalse();
        }
    }

    @Test
    void truncatedOrMislabelledMessagesAreNotWellFormed() {
        for (int cut = 0; cut < SAMPLE_REQUEST.length; cut++) {
            assertThat(m.wrap(SAMPLE_REQUEST, 0, cut).wellFormed()).as("cut at %d", cut).isFalse();
        }
        byte[] topBits = SAMPLE_REQUEST.clone();
        topBits[0] |= (byte) 0x80;
        assertThat(m.wrap(topBits, 0, topBits.length).wellFormed()).isFalse();
        byte[] overrun = SAMPLE_REQUEST.clone();
        overrun[22] = 0x7f; // SOFTWARE's length runs past the end
        assertThat(m.wrap(overrun, 0, overrun.length).wellFormed()).isFalse();
    }

    @Test
    void theWriterReproducesTheSampleResponseFingerprint() {
        // Rebuild 2.2 without MESSAGE-INTEGRITY: the writer's FINGERPRINT must match what the reader computes.
        byte[] out = new byte[128];
        StunResponseWriter w = new StunResponseWriter(out).start(StunMessage.BINDING_RESPONSE, SAMPLE_REQUEST, 0);
        w.software("test vector").address(StunMessage.XOR_MAPPED_ADDRESS, new InetSocketAddress("192.0.2.1", 32853), true);
        int n = w.finishWithFingerprint();
        m.wrap(out, 0, n);
        assertThat(m.wellFormed()).isTrue();
        assertThat(m.fingerprintMatches()).isTrue();
        // The XOR-MAPPED-ADDRESS bytes are the RFC's own.
        int v = m.find(StunMessage.XOR_MAPPED_ADDRESS);
        assertThat(HexFormat.of().formatHex(out, v - 4, v + 8)).isEqualTo("002000080001a147e112a643");
        assertThat(HexFormat.of().formatHex(out, 20, 20 + 16)).isEqualTo("8022000b7465737420766563746f7200");
    }
}
