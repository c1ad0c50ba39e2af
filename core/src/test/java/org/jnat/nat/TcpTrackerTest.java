package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.TcpSegment.ACK;
import static org.jnat.wire.TcpSegment.FIN;
import static org.jnat.wire.TcpSegment.RST;
import static org.jnat.wire.TcpSegment.SYN;

import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;

class TcpTrackerTest {
    @Requirement({"RFC 5382 REQ-2", "RFC 7857 section 2"})
    @Test
    void threeWayHandshakeEstablishes() {
        int s = TcpTracker.initial(SYN, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, SYN | ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
        s = TcpTracker.next(s, ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }

    @Requirement({"RFC 5382 REQ-2a", "RFC 7857 section 2"})
    @Test
    void simultaneousOpenEstablishes() {
        int s = TcpTracker.initial(SYN, true);
        s = TcpTracker.next(s, SYN, false); // the SYNs cross (RFC 5382 REQ-2a)
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }

    @Requirement("RFC 7857 section 2")
    @Test
    void oneFinKeepsEstablishedBothFinsCloseForGood() {
        int s = TcpTracker.next(TcpTracker.initial(SYN, true), SYN | ACK, false);
        s = TcpTracker.next(s, FIN | ACK, true);
        assertThat(TcpTracker.isEstablished(s)).as("half closed").isTrue();
        s = TcpTracker.next(s, FIN | ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        assertThat(TcpTracker.isClosing(s)).isTrue();
        s = TcpTracker.next(s, ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
    }

    @Requirement("RFC 7857 section 2.2")
    @Test
    void rstIsTransitoryUntilAnotherSegment() {
        int s = TcpTracker.next(TcpTracker.initial(SYN, true), SYN | ACK, false);
        s = TcpTracker.next(s, RST, false);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, ACK, true);
        assertThat(TcpTracker.isEstablished(s)).as("RFC 6146 TRANS back to ESTABLISHED").isTrue();
    }

    @Requirement("RFC 5382 REQ-2")
    @Test
    void looseSessionsEstablishOnTheFirstReply() {
        int s = TcpTracker.initial(ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }
}
