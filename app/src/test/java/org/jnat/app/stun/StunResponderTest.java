package org.jnat.app.stun;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

/** {@link StunResponder}: which attributes each kind of request gets back, and from which socket. */
class StunResponderTest {
    private static final InetSocketAddress[] SOCKETS = {
            new InetSocketAddress("198.51.100.10", 3478), new InetSocketAddress("198.51.100.10", 3479),
            new InetSocketAddress("198.51.100.11", 3478), new InetSocketAddress("198.51.100.11", 3479)};
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.1", 40000);

    private final Counters counters = new Counters();
    private final StunResponder responder = new StunResponder(SOCKETS, counters);
    private final StunMessage answer = new StunMessage();

    private static byte[] request(String cookie, String attributes) {
        return HexFormat.of().parseHex("0001" + String.format("%04x", attributes.length() / 2) + cookie
                + "0102030405060708090a0b0c" + attributes);
    }

    private StunMessage respond(int on, byte[] req) {
        int n = responder.respond(on, req, req.length, CLIENT);
        assertThat(n).isPositive();
        answer.wrap(responder.answer(), 0, n);
        assertThat(answer.wellFormed()).isTrue();
        assertThat(answer.type()).isEqualTo(StunMessage.BINDING_RESPONSE);
        return answer;
    }

    @Test
    void rfc5389RequestGetsXorMappedOtherAddressAndResponseOrigin() {
        StunMessage a = respond(0, request("2112a442", ""));
        assertThat(a.address(a.find(StunMessage.XOR_MAPPED_ADDRESS), true)).isEqualTo(CLIENT);
        assertThat(a.address(a.find(StunMessage.MAPPED_ADDRESS), false)).isEqualTo(CLIENT);
        assertThat(a.address(a.find(StunMessage.RESPONSE_ORIGIN), false)).isEqualTo(SOCKETS[0]);
        assertThat(a.address(a.find(StunMessage.OTHER_ADDRESS), false)).isEqualTo(SOCKETS[3]);
        assertThat(a.find(StunMessage.CHANGED_ADDRESS)).isEqualTo(-1);
        assertThat(a.find(StunMessage.SOFTWARE)).isPositive();
        assertThat(a.hasFingerprint()).isFalse(); // the request had none
        assertThat(HexFormat.of().formatHex(responder.answer(), 4, 20)).isEqualTo("2112a4420102030405060708090a0b0c");
        assertThat(responder.answerFrom()).isZero();
        assertThat(counters.get("stun.answered.rfc5389")).isEqualTo(1);
    }

    @Test
    void fingerprintAnsweredWithFingerprint() {
        byte[] req = request("2112a442", "80280004" + "00000000");
        int crc = StunMessage.fingerprintOf(req, 0, req.length - 8);
        req[req.length - 4] = (byte) (crc >>> 24);
        req[req.length - 3] = (byte) (crc >>> 16);
        req[req.length - 2] = (byte) (crc >>> 8);
        req[req.length - 1] = (byte) crc;
        StunMessage a = respond(1, req);
        assertThat(a.fingerprintMatches()).isTrue();
        assertThat(a.address(a.find(StunMessage.OTHER_ADDRESS), false)).isEqualTo(SOCKETS[2]);
        // The same request with a wrong FINGERPRINT is dropped and counted.
        req[req.length - 1] ^= 1;
        assertThat(responder.respond(1, req, req.length, CLIENT)).isEqualTo(-1);
        assertThat(counters.get("stun.dropped.bad_fingerprint")).isEqualTo(1);
    }

    @Test
    void changeRequestPicksTheSocketToAnswerFrom() {
        int[][] cases = {{0, 0, 0}, {0, 2, 1}, {0, 4, 2}, {0, 6, 3}, {3, 6, 0}, {1, 4, 3}, {2, 2, 3}};
        for (int[] c : cases) {
            StunMessage a = respond(c[0], request("2112a442", "00030004" + String.format("%08x", c[1])));
            assertThat(responder.answerFrom()).as("received on %d, flags %d", c[0], c[1]).isEqualTo(c[2]);
            assertThat(a.address(a.find(StunMessage.RESPONSE_ORIGIN), false)).isEqualTo(SOCKETS[c[2]]);
            assertThat(a.address(a.find(StunMessage.OTHER_ADDRESS), false)).isEqualTo(SOCKETS[c[0] ^ 3]);
        }
        assertThat(counters.get("stun.answered.changed")).isEqualTo(cases.length - 1);
    }

    @Test
    void rfc3489RequestGetsMappedSourceAndChangedAddress() {
        StunMessage a = respond(0, request("a1b2c3d4", "00030004" + "00000006"));
        assertThat(a.address(a.find(StunMessage.MAPPED_ADDRESS), false)).isEqualTo(CLIENT);
        assertThat(a.address(a.find(StunMessage.SOURCE_ADDRESS), false)).isEqualTo(SOCKETS[3]);
        assertThat(a.address(a.find(StunMessage.CHANGED_ADDRESS), false)).isEqualTo(SOCKETS[3]);
        assertThat(a.find(StunMessage.XOR_MAPPED_ADDRESS)).isEqualTo(-1);
        assertThat(a.find(StunMessage.OTHER_ADDRESS)).isEqualTo(-1);
        assertThat(HexFormat.of().formatHex(responder.answer(), 4, 20)).isEqualTo("a1b2c3d40102030405060708090a0b0c");
        assertThat(responder.answerFrom()).isEqualTo(3);
        assertThat(counters.get("stun.answered.rfc3489")).isEqualTo(1);
    }

    @Test
    void unknownComprehensionRequiredAttributesGet420NamingThem() {
        // 0x0031 and 0x7fff (unassigned); 0x8000+ (comprehension-optional) and USERNAME (known,
        // ignored) are not named.
        byte[] req = request("2112a442", "00310004" + "12340000" + "7fff0000" + "80000000" + "00060004" + "61626364");
        int n = responder.respond(1, req, req.length, CLIENT);
        answer.wrap(responder.answer(), 0, n);
        assertThat(answer.wellFormed()).isTrue();
        assertThat(answer.type()).isEqualTo(StunMessage.BINDING_ERROR);
        assertThat(responder.answerFrom()).isEqualTo(1);
        int code = answer.find(StunMessage.ERROR_CODE);
        assertThat(HexFormat.of().formatHex(responder.answer(), code, code + 4)).isEqualTo("00000414"); // 4, 20
        int unknown = answer.find(StunMessage.UNKNOWN_ATTRIBUTES);
        assertThat(HexFormat.of().formatHex(responder.answer(), unknown - 4, unknown + 4)).isEqualTo("000a0004" + "00317fff");
        assertThat(answer.find(StunMessage.MAPPED_ADDRESS)).isEqualTo(-1);
        assertThat(counters.get("stun.answered.unknown_attribute")).isEqualTo(1);
        assertThat(counters.get("stun.answered.rfc5389")).isZero();
    }

    @Test
    void rfc3489ClientGetsAnEvenUnknownAttributesList() {
        byte[] req = request("a1b2c3d4", "00030004" + "00000000" + "00310000");
        int n = responder.respond(0, req, req.length, CLIENT);
        answer.wrap(responder.answer(), 0, n);
        assertThat(answer.wellFormed()).isTrue();
        assertThat(answer.type()).isEqualTo(StunMessage.BINDING_ERROR);
        int unknown = answer.find(StunMessage.UNKNOWN_ATTRIBUTES);
        // One unknown, repeated so that the value is a multiple of 4 without padding.
        assertThat(HexFormat.of().formatHex(responder.answer(), unknown - 4, unknown + 4)).isEqualTo("000a0004" + "00310031");
        assertThat(answer.find(StunMessage.SOFTWARE)).isEqualTo(-1);
    }

    /** RFC 5780 section 4.6's lifetime test asks for the answer on another port of the same address. */
    @Test
    void responsePortSendsTheAnswerToThatPort() {
        StunMessage a = respond(0, request("2112a442", "00270004" + "9c400000")); // port 0x9c40
        assertThat(responder.answerPort()).isEqualTo(0x9c40);
        assertThat(a.address(a.find(StunMessage.XOR_MAPPED_ADDRESS), true)).as("the request's source").isEqualTo(CLIENT);
        respond(0, request("2112a442", ""));
        assertThat(responder.answerPort()).as("without it, the source port").isEqualTo(CLIENT.getPort());
    }

    /** RFC 5780 section 7.6: PADDING asks for an answer large enough to be cut into IP fragments. */
    @Test
    void paddingGetsAnAnswerPaddedToTheMtu() {
        byte[] req = request("2112a442", "00260008" + "0000000000000000" + "80280004" + "00000000");
        int crc = StunMessage.fingerprintOf(req, 0, req.length - 8);
        for (int i = 0; i < 4; i++) {
            req[req.length - 4 + i] = (byte) (crc >>> (24 - 8 * i));
        }
        StunMessage a = respond(0, req);
        int padding = a.find(StunMessage.PADDING);
        assertThat(padding).isPositive();
        assertThat(a.valueLength(padding)).isEqualTo(StunResponder.PADDING_LENGTH);
        assertThat(a.fingerprintMatches()).as("FINGERPRINT stays last and covers the padding").isTrue();
        assertThat(a.address(a.find(StunMessage.XOR_MAPPED_ADDRESS), true)).isEqualTo(CLIENT);
    }

    @Test
    void responsePortWithPaddingOrZeroIsABadRequest() {
        for (String attributes : new String[] {"00270004" + "9c400000" + "00260004" + "00000000",
                "00270004" + "00000000"}) {
            byte[] req = request("2112a442", attributes);
            int n = responder.respond(2, req, req.length, CLIENT);
            answer.wrap(responder.answer(), 0, n);
            assertThat(answer.type()).isEqualTo(StunMessage.BINDING_ERROR);
            int code = answer.find(StunMessage.ERROR_CODE);
            assertThat(HexFormat.of().formatHex(responder.answer(), code, code + 4)).isEqualTo("00000400"); // 4, 00
            assertThat(responder.answerFrom()).isEqualTo(2);
            assertThat(responder.answerPort()).isEqualTo(CLIENT.getPort());
        }
        assertThat(counters.get("stun.answered.bad_request")).isEqualTo(2);
    }

    @Test
    void garbageAndOtherMessagesAreCountedAndDropped() {
        byte[] junk = HexFormat.of().parseHex("deadbeef");
        assertThat(responder.respond(0, junk, junk.length, CLIENT)).isEqualTo(-1);
        byte[] indication = request("2112a442", "");
        indication[1] = 0x11; // Binding indication
        assertThat(responder.respond(0, indication, indication.length, CLIENT)).isEqualTo(-1);
        byte[] shortLength = request("2112a442", "00030004" + "00000000");
        shortLength[3] = 4;
        assertThat(responder.respond(0, shortLength, shortLength.length, CLIENT)).isEqualTo(-1);
        assertThat(counters.get("stun.dropped.malformed")).isEqualTo(2);
        assertThat(counters.get("stun.dropped.not_binding_request")).isEqualTo(1);
    }

    @Test
    void ipv6ClientGetsItsAddressXoredWithCookieAndTransactionId() {
        InetSocketAddress[] v6 = {new InetSocketAddress("2001:db8::10", 3478), new InetSocketAddress("2001:db8::10", 3479),
                new InetSocketAddress("2001:db8::11", 3478), new InetSocketAddress("2001:db8::11", 3479)};
        StunResponder six = new StunResponder(v6, new Counters());
        InetSocketAddress client = new InetSocketAddress("2001:db8:1234:5678:11:2233:4455:6677", 32853);
        byte[] req = request("2112a442", "");
        int n = six.respond(2, req, req.length, client);
        StunMessage a = answer.wrap(six.answer(), 0, n);
        assertThat(a.wellFormed()).isTrue();
        assertThat(a.address(a.find(StunMessage.XOR_MAPPED_ADDRESS), true)).isEqualTo(client);
        assertThat(a.address(a.find(StunMessage.OTHER_ADDRESS), false)).isEqualTo(v6[1]);
        assertThat(a.address(a.find(StunMessage.RESPONSE_ORIGIN), false)).isEqualTo(v6[2]);
    }
}
