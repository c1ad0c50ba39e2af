package org.jnat.nat;

import java.util.List;
import org.jnat.wire.TcpSegment;

/**
 * TCP connection tracking for the session timeouts, after RFC 6146 section 3.5.2.2 (the
 * CLOSED / V4 INIT / V6 INIT / ESTABLISHED / FIN RCV / TRANS machine) as RFC 7857 section 2.2
 * recommends for every NAT. The state is a few bits of the session's flags:
 *
 * <pre>
 *   SYN_OUT  a SYN went out (inside to outside)       SYN_IN  a SYN came in
 *   FIN_OUT  a FIN went out                           FIN_IN  a FIN came in
 *   RST      the last segment was a RST
 * </pre>
 *
 * Established means both SYNs seen, no RST pending and not both FINs; it gets the established
 * timeout (RFC 5382 REQ-5: at least 2 h 4 min). Everything else is transitory (4 min): after one
 * SYN (the three-way handshake, or a simultaneous open, RFC 5382 REQ-2a, where the SYNs cross), after
 * both FINs, and after a RST (RFC 7857 section 2.2: a RST moves the session to transitory rather
 * than deleting it, so that a forged RST cannot kill a connection at once; a later segment other
 * than a RST brings it back, like RFC 6146's TRANS to ESTABLISHED). One FIN alone keeps the
 * established timeout: a half-closed connection may carry data for a long time.
 *
 * <p>A session set up by an outbound segment other than a SYN (the NAT restarted under a live
 * connection) is marked {@link #LOOSE}: its first inbound segment counts as the missing SYN, as
 * Linux conntrack does with {@code nf_conntrack_tcp_loose}.
 */
public final class TcpTracker {
    public static final int SYN_OUT = 1, SYN_IN = 2, FIN_OUT = 4, FIN_IN = 8, RST = 16, LOOSE = 32;
    public static final int STATE_MASK = 63;

    /**
     * The state in words, for people and metrics, named as Linux conntrack names its TCP states
     * (what {@code conntrack -L} shows), as far as these bits tell them apart: no ACKs are tracked,
     * so SYN_RECV and LAST_ACK cannot be told from their neighbours.
     */
    public static final int SYN_SENT = 0, ESTABLISHED = 1, FIN_WAIT = 2, TIME_WAIT = 3, CLOSE = 4;
    /** The names of {@link #phase}'s values, by value. */
    public static final List<String> PHASES =
            List.of("SYN_SENT", "ESTABLISHED", "FIN_WAIT", "TIME_WAIT", "CLOSE");

    private TcpTracker() {
    }

    /** The state after a segment with {@code tcpFlags} (the {@link TcpSegment#flags()} byte) in the given direction. */
    public static int next(int state, int tcpFlags, boolean outbound) {
        if ((tcpFlags & TcpSegment.RST) != 0) {
            return state | RST;
        }
        state &= ~RST;
        if ((tcpFlags & TcpSegment.SYN) != 0) {
            state |= outbound ? SYN_OUT : SYN_IN;
        } else if (!outbound && (state & LOOSE) != 0) {
            state |= SYN_IN;
        }
        if ((tcpFlags & TcpSegment.FIN) != 0) {
            state |= outbound ? FIN_OUT : FIN_IN;
        }
        return state;
    }

    /** The state of a session made by a first segment with {@code tcpFlags}. */
    public static int initial(int tcpFlags, boolean outbound) {
        int state = next(0, tcpFlags, outbound);
        if ((tcpFlags & (TcpSegment.SYN | TcpSegment.RST)) == 0) {
            state |= LOOSE | (outbound ? SYN_OUT : SYN_IN);
        }
        return state;
    }

    public static boolean isEstablished(int state) {
        return (state & (SYN_OUT | SYN_IN)) == (SYN_OUT | SYN_IN) && (state & RST) == 0
                && (state & (FIN_OUT | FIN_IN)) != (FIN_OUT | FIN_IN);
    }

    /**
     * True once the connection is over as far as the NAT can tell: both FINs seen, or a RST (the
     * closing half of the transitory state; a handshake still under way is not closed). Such a
     * session may be reclaimed for a new one of its host ({@link ClosedSessions}).
     */
    public static boolean isClosed(int state) {
        return (state & RST) != 0 || isClosing(state);
    }

    /** True once both FINs have been seen: the connection is closing, whatever comes later. */
    public static boolean isClosing(int state) {
        return (state & (FIN_OUT | FIN_IN)) == (FIN_OUT | FIN_IN);
    }

    /**
     * Which of {@link #PHASES} {@code state} is: CLOSE after a RST, TIME_WAIT after both FINs,
     * FIN_WAIT after one, ESTABLISHED after both SYNs, else SYN_SENT (one side's SYN only).
     */
    public static int phase(int state) {
        if ((state & RST) != 0) {
            return CLOSE;
        }
        if (isClosing(state)) {
            return TIME_WAIT;
        }
        if ((state & (FIN_OUT | FIN_IN)) != 0) {
            return FIN_WAIT;
        }
        return (state & (SYN_OUT | SYN_IN)) == (SYN_OUT | SYN_IN) ? ESTABLISHED : SYN_SENT;
    }
}
