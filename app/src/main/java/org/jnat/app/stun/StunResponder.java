package org.jnat.app.stun;

import java.net.InetSocketAddress;
import org.jnat.runtime.Counters;

/**
 * Answers one STUN Binding request, given the socket it came in on: RFC 5389 (XOR-MAPPED-ADDRESS,
 * MAPPED-ADDRESS, SOFTWARE, FINGERPRINT when the request had one), RFC 5780 (OTHER-ADDRESS,
 * RESPONSE-ORIGIN, CHANGE-REQUEST honoured by naming another socket to answer from), and RFC 3489
 * for a request without the magic cookie (MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS).
 *
 * <p>The server's four sockets are numbered {@code 2 * ip + port}: ip 0 is the primary address,
 * 1 the other; port 0 is the primary port, 1 the other. Changing the IP flips bit 1, changing the
 * port flips bit 0, and the "other address" of a socket (RFC 5780 OTHER-ADDRESS, RFC 3489
 * CHANGED-ADDRESS) differs in both: {@code index ^ 3}.
 *
 * <p>RFC 5780's tests of a NAT: RESPONSE-PORT sends the answer to that port of the request's source
 * address (section 4.6, the mapping's lifetime); PADDING gets a PADDING of {@link #PADDING_LENGTH}
 * bytes back, so that the answer, too, is cut into IP fragments (section 7.6: the MTU of the
 * outgoing interface, here Ethernet's). A request with both, or with RESPONSE-PORT 0, gets 400.
 *
 * <p>Attributes the server knows but does not use (USERNAME, MESSAGE-INTEGRITY, RESPONSE-ADDRESS,
 * ...) are ignored: there is no authentication, and the answer goes back to the request's source
 * address. A comprehension-required attribute it does not know gets a 420 error response with
 * UNKNOWN-ATTRIBUTES.
 * A datagram that is not a well-formed Binding request, or whose FINGERPRINT does not match, is
 * counted and dropped.
 */
public final class StunResponder {
    public static final String SOFTWARE_NAME = "jnat stun-server";
    /** RFC 3489 wants a reason phrase a multiple of 4 bytes long: 17 letters and 3 spaces. */
    private static final String UNKNOWN_ATTRIBUTE = "Unknown Attribute   ";
    private static final String BAD_REQUEST = "Bad Request ";
    /** The PADDING an answer gets when its request had one: Ethernet's MTU, a multiple of 4. */
    static final int PADDING_LENGTH = 1500;

    private final InetSocketAddress[] sockets;
    private final Counters counters;
    private final Count count;
    private final StunMessage request = new StunMessage();
    private final byte[] out = new byte[548 + 4 + PADDING_LENGTH];
    private final StunResponseWriter writer = new StunResponseWriter(out);
    private final int[] unknown = new int[8];
    private int answerFrom;
    private int answerPort;

    /** What the STUN server counts: one slot per event, registered once. */
    record Count(int rfc5389, int rfc3489, int changed, int unknownAttribute, int badRequest, int malformed,
                 int badFingerprint, int notBinding) {
        static Count register(Counters c) {
            return new Count(
                    c.register("stun.answered.rfc5389", "Binding requests with the magic cookie answered"),
                    c.register("stun.answered.rfc3489", "RFC 3489 Binding requests (no magic cookie) answered"),
                    c.register("stun.answered.changed", "answers sent from another address or port, as CHANGE-REQUEST asked"),
                    c.register("stun.answered.unknown_attribute",
                            "requests with a comprehension-required attribute the server does not know, answered 420"),
                    c.register("stun.answered.bad_request",
                            "requests with both RESPONSE-PORT and PADDING, or RESPONSE-PORT 0, answered 400 (RFC 5780)"),
                    c.register("stun.dropped.malformed", "datagrams that are not STUN messages: too short, bad length, attributes overrunning"),
                    c.register("stun.dropped.bad_fingerprint", "STUN messages whose FINGERPRINT does not match"),
                    c.register("stun.dropped.not_binding_request", "well-formed STUN messages that are not Binding requests"));
        }
    }

    /** {@code sockets[2 * ip + port]}: the four local addresses, as numbered above. */
    public StunResponder(InetSocketAddress[] sockets, Counters counters) {
        if (sockets.length != 4) {
            throw new IllegalArgumentException("four sockets, got " + sockets.length);
        }
        this.sockets = sockets.clone();
        this.counters = counters;
        this.count = Count.register(counters);
    }

    /**
     * Answers the {@code length} bytes of {@code in} that came from {@code from} to socket
     * {@code receivedOn}. Returns the answer's length (its bytes in {@link #answer()}, to be sent
     * from socket {@link #answerFrom()}), or -1 if the datagram was dropped (and counted).
     */
    public int respond(int receivedOn, byte[] in, int length, InetSocketAddress from) {
        StunMessage m = request.wrap(in, 0, length);
        if (!m.wellFormed()) {
            counters.increment(count.malformed());
            return -1;
        }
        if (m.type() != StunMessage.BINDING_REQUEST) {
            counters.increment(count.notBinding());
            return -1;
        }
        boolean fingerprint = m.hasFingerprint();
        if (fingerprint && !m.fingerprintMatches()) {
            counters.increment(count.badFingerprint());
            return -1;
        }
        answerPort = from.getPort();
        int unknowns = m.unknownComprehensionRequired(unknown);
        if (unknowns > 0) {
            // RFC 5389 section 7.3.1 (and RFC 3489 section 8.2.2): 420 naming them, from where it came in.
            counters.increment(count.unknownAttribute());
            answerFrom = receivedOn;
            writer.start(StunMessage.BINDING_ERROR, in, 0).errorCode(420, UNKNOWN_ATTRIBUTE)
                    .unknownAttributes(unknown, unknowns, !m.hasMagicCookie());
            return finishError(m.hasMagicCookie(), fingerprint);
        }
        int responsePort = m.responsePort();
        boolean padding = m.find(StunMessage.PADDING) >= 0;
        if (responsePort == 0 || responsePort > 0 && padding) {
            // RFC 5780 section 7.5: a request with both MUST NOT be processed (an answer cut into
            // fragments, sent to another port, would be a reflector's gift).
            counters.increment(count.badRequest());
            answerFrom = receivedOn;
            writer.start(StunMessage.BINDING_ERROR, in, 0).errorCode(400, BAD_REQUEST);
            return finishError(m.hasMagicCookie(), fingerprint);
        }
        if (responsePort > 0) {
            answerPort = responsePort;
        }
        int change = m.changeRequest();
        answerFrom = receivedOn ^ ((change & StunMessage.CHANGE_IP) != 0 ? 2 : 0)
                ^ ((change & StunMessage.CHANGE_PORT) != 0 ? 1 : 0);
        if (answerFrom != receivedOn) {
            counters.increment(count.changed());
        }
        InetSocketAddress origin = sockets[answerFrom];
        InetSocketAddress other = sockets[receivedOn ^ 3];
        writer.start(StunMessage.BINDING_RESPONSE, in, 0);
        if (m.hasMagicCookie()) {
            counters.increment(count.rfc5389());
            writer.address(StunMessage.XOR_MAPPED_ADDRESS, from, true)
                    .address(StunMessage.MAPPED_ADDRESS, from, false)
                    .address(StunMessage.RESPONSE_ORIGIN, origin, false)
                    .address(StunMessage.OTHER_ADDRESS, other, false)
                    .software(SOFTWARE_NAME);
        } else {
            // RFC 3489: its clients know neither XOR-MAPPED-ADDRESS nor the RFC 5780 attributes.
            counters.increment(count.rfc3489());
            writer.address(StunMessage.MAPPED_ADDRESS, from, false)
                    .address(StunMessage.SOURCE_ADDRESS, origin, false)
                    .address(StunMessage.CHANGED_ADDRESS, other, false);
        }
        if (padding) {
            writer.padding(PADDING_LENGTH);
        }
        return m.hasMagicCookie() && fingerprint ? writer.finishWithFingerprint() : writer.finish();
    }

    /** The end of an error answer: an RFC 3489 one as it is, else with SOFTWARE and (if asked) FINGERPRINT. */
    private int finishError(boolean rfc5389, boolean fingerprint) {
        if (!rfc5389) {
            return writer.finish();
        }
        writer.software(SOFTWARE_NAME);
        return fingerprint ? writer.finishWithFingerprint() : writer.finish();
    }

    /** The buffer holding the last answer. */
    public byte[] answer() {
        return out;
    }

    /** The socket (numbered as above) the last answer must be sent from. */
    public int answerFrom() {
        return answerFrom;
    }

    /** The port of the request's source address the last answer goes to: its source port, or RESPONSE-PORT's. */
    public int answerPort() {
        return answerPort;
    }
}
