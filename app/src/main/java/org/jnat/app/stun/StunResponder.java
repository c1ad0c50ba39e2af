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
 * <p>Attributes the server does not use (USERNAME, MESSAGE-INTEGRITY, RESPONSE-ADDRESS, ...) are
 * ignored: there is no authentication, and the answer always goes back to the request's source.
 * A datagram that is not a well-formed Binding request, or whose FINGERPRINT does not match, is
 * counted and dropped.
 */
public final class StunResponder {
    public static final String SOFTWARE_NAME = "jnat stun-server";

    private final InetSocketAddress[] sockets;
    private final Counters counters;
    private final Count count;
    private final StunMessage request = new StunMessage();
    private final byte[] out = new byte[548];
    private final StunResponseWriter writer = new StunResponseWriter(out);
    private int answerFrom;

    /** What the STUN server counts. */
    static final class Count {
        final int rfc5389, rfc3489, changed, malformed, badFingerprint, notBinding;

        Count(Counters counters) {
            rfc5389 = counters.register("stun.answered.rfc5389", "Binding requests with the magic cookie answered");
            rfc3489 = counters.register("stun.answered.rfc3489", "RFC 3489 Binding requests (no magic cookie) answered");
            changed = counters.register("stun.answered.changed", "answers sent from another address or port, as CHANGE-REQUEST asked");
            malformed = counters.register("stun.dropped.malformed", "datagrams that are not STUN messages: too short, bad length, attributes overrunning");
            badFingerprint = counters.register("stun.dropped.bad_fingerprint", "STUN messages whose FINGERPRINT does not match");
            notBinding = counters.register("stun.dropped.not_binding_request", "well-formed STUN messages that are not Binding requests");
        }
    }

    /** {@code sockets[2 * ip + port]}: the four local addresses, as numbered above. */
    public StunResponder(InetSocketAddress[] sockets, Counters counters) {
        if (sockets.length != 4) {
            throw new IllegalArgumentException("four sockets, got " + sockets.length);
        }
        this.sockets = sockets.clone();
        this.counters = counters;
        this.count = new Count(counters);
    }

    /**
     * Answers the {@code length} bytes of {@code in} that came from {@code from} to socket
     * {@code receivedOn}. Returns the answer's length (its bytes in {@link #answer()}, to be sent
     * from socket {@link #answerFrom()}), or -1 if the datagram was dropped (and counted).
     */
    public int respond(int receivedOn, byte[] in, int length, InetSocketAddress from) {
        StunMessage m = request.wrap(in, 0, length);
        if (!m.wellFormed()) {
            counters.increment(count.malformed);
            return -1;
        }
        if (m.type() != StunMessage.BINDING_REQUEST) {
            counters.increment(count.notBinding);
            return -1;
        }
        boolean fingerprint = m.hasFingerprint();
        if (fingerprint && !m.fingerprintMatches()) {
            counters.increment(count.badFingerprint);
            return -1;
        }
        int change = m.changeRequest();
        answerFrom = receivedOn ^ ((change & StunMessage.CHANGE_IP) != 0 ? 2 : 0)
                ^ ((change & StunMessage.CHANGE_PORT) != 0 ? 1 : 0);
        if (answerFrom != receivedOn) {
            counters.increment(count.changed);
        }
        InetSocketAddress origin = sockets[answerFrom];
        InetSocketAddress other = sockets[receivedOn ^ 3];
        writer.start(StunMessage.BINDING_RESPONSE, in, 0);
        if (m.hasMagicCookie()) {
            counters.increment(count.rfc5389);
            writer.address(StunMessage.XOR_MAPPED_ADDRESS, from, true)
                    .address(StunMessage.MAPPED_ADDRESS, from, false)
                    .address(StunMessage.RESPONSE_ORIGIN, origin, false)
                    .address(StunMessage.OTHER_ADDRESS, other, false)
                    .software(SOFTWARE_NAME);
            return fingerprint ? writer.finishWithFingerprint() : writer.finish();
        }
        // RFC 3489: its clients know neither XOR-MAPPED-ADDRESS nor the RFC 5780 attributes.
        counters.increment(count.rfc3489);
        return writer.address(StunMessage.MAPPED_ADDRESS, from, false)
                .address(StunMessage.SOURCE_ADDRESS, origin, false)
                .address(StunMessage.CHANGED_ADDRESS, other, false)
                .finish();
    }

    /** The buffer holding the last answer. */
    public byte[] answer() {
        return out;
    }

    /** The socket (numbered as above) the last answer must be sent from. */
    public int answerFrom() {
        return answerFrom;
    }
}
