package org.jnat.app.stun;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Random;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

/**
 * No datagram, however broken, makes {@link StunResponder} throw: each is answered with a
 * well-formed Binding response carrying its transaction ID, or dropped under exactly one counter.
 * The {@code @FuzzTest} runs its seeds in a normal build and explores with {@code JAZZER_FUZZ=1};
 * the seeded test damages the RFC 5769 sample request every build.
 */
class StunResponderFuzzTest {
    private static final InetSocketAddress[] SOCKETS = {
            new InetSocketAddress("198.51.100.10", 3478), new InetSocketAddress("198.51.100.10", 3479),
            new InetSocketAddress("198.51.100.11", 3478), new InetSocketAddress("198.51.100.11", 3479)};
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.1", 40000);
    private static final String[] OUTCOMES = {"stun.answered.rfc5389", "stun.answered.rfc3489", "stun.answered.unknown_attribute",
            "stun.dropped.malformed",
            "stun.dropped.bad_fingerprint", "stun.dropped.not_binding_request"};

    private final Counters counters = new Counters();
    private final StunResponder responder = new StunResponder(SOCKETS, counters);
    private final StunMessage answer = new StunMessage();

    /** True if answered. */
    private boolean answerOrDrop(byte[] datagram, int receivedOn) {
        long before = outcomes();
        int n = responder.respond(receivedOn, datagram, datagram.length, CLIENT);
        assertThat(outcomes()).as("one outcome counted").isEqualTo(before + 1);
        if (n < 0) {
            return false;
        }
        answer.wrap(responder.answer(), 0, n);
        assertThat(answer.wellFormed()).isTrue();
        assertThat(Arrays.copyOfRange(responder.answer(), 4, 20)).isEqualTo(Arrays.copyOfRange(datagram, 4, 20));
        if (answer.type() == StunMessage.BINDING_ERROR) {
            assertThat(answer.find(StunMessage.ERROR_CODE)).isPositive();
            assertThat(answer.valueLength(answer.find(StunMessage.UNKNOWN_ATTRIBUTES))).isPositive();
        } else {
            assertThat(answer.type()).isEqualTo(StunMessage.BINDING_RESPONSE);
            assertThat(answer.address(answer.find(StunMessage.MAPPED_ADDRESS), false)).isEqualTo(CLIENT);
        }
        assertThat(answer.hasFingerprint()).isEqualTo(answer.hasMagicCookie()
                && new StunMessage().wrap(datagram, 0, datagram.length).hasFingerprint());
        if (answer.hasFingerprint()) {
            assertThat(answer.fingerprintMatches()).isTrue();
        }
        return true;
    }

    private long outcomes() {
        long sum = 0;
        for (String name : OUTCOMES) {
            sum += counters.get(name);
        }
        return sum;
    }

    @FuzzTest(maxDuration = "60s")
    void anyDatagramIsAnsweredOrCountedAndDropped(@NotNull byte[] datagram) {
        answerOrDrop(datagram, datagram.length & 3);
    }

    @Test
    void damagedSampleRequestsAreAnsweredOrDropped() {
        Random random = new Random(5769);
        int answered = 0;
        int dropped = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] d = StunMessageTest.SAMPLE_REQUEST.clone();
            if (random.nextBoolean()) {
                d = Arrays.copyOf(d, random.nextInt(d.length + 8));
            }
            for (int flips = random.nextInt(4); flips > 0 && d.length > 0; flips--) {
                // Mostly the header and attribute headers, where the parser makes its decisions.
                int at = random.nextBoolean() ? random.nextInt(Math.min(d.length, 28)) : random.nextInt(d.length);
                d[at] = (byte) random.nextInt(256);
            }
            if (answerOrDrop(d, random.nextInt(4))) {
                answered++;
            } else {
                dropped++;
            }
        }
        System.out.println("damaged RFC 5769 requests: " + answered + " answered, " + dropped + " dropped; " + counters.snapshot());
        assertThat(answered).isPositive();
        assertThat(dropped).isPositive();
    }
}
