package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.TcpTracker.TCP_ACK;
import static org.jnat.nat.TcpTracker.TCP_FIN;
import static org.jnat.nat.TcpTracker.TCP_RST;
import static org.jnat.nat.TcpTracker.TCP_SYN;

import org.junit.jupiter.api.Test;

class TcpTrackerTest {
    @Test
    void threeWayHandshakeEstablishes() {
        int s = TcpTracker.initial(TCP_SYN, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, TCP_SYN | TCP_ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
        s = TcpTracker.next(s, TCP_ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }

    @Test
    void simultaneousOpenEstablishes() {
        int s = TcpTracker.initial(TCP_SYN, true);
        s = TcpTracker.next(s, TCP_SYN, false); // the SYNs cross (RFC 5382 REQ-2a)
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }

    @Test
    void oneFinKeepsEstablishedBothFinsCloseForGood() {
        int s = TcpTracker.next(TcpTracker.initial(TCP_SYN, true), TCP_SYN | TCP_ACK, false);
        s = TcpTracker.next(s, TCP_FIN | TCP_ACK, true);
        assertThat(TcpTracker.isEstablished(s)).as("half closed").isTrue();
        s = TcpTracker.next(s, TCP_FIN | TCP_ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        assertThat(TcpTracker.isClosing(s)).isTrue();
        s = TcpTracker.next(s, TCP_ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
    }

    @Test
    void rstIsTransitoryUntilAnotherSegment() {
        int s = TcpTracker.next(TcpTracker.initial(TCP_SYN, true), TCP_SYN | TCP_ACK, false);
        s = TcpTracker.next(s, TCP_RST, false);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, TCP_ACK, true);
        assertThat(TcpTracker.isEstablished(s)).as("RFC 6146 TRANS back to ESTABLISHED").isTrue();
    }

    @Test
    void looseSessionsEstablishOnTheFirstReply() {
        int s = TcpTracker.initial(TCP_ACK, true);
        assertThat(TcpTracker.isEstablished(s)).isFalse();
        s = TcpTracker.next(s, TCP_ACK, false);
        assertThat(TcpTracker.isEstablished(s)).isTrue();
    }
}
