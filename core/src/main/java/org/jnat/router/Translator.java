package org.jnat.router;

import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Deadlines;

/**
 * The seam where the NAT engine plugs into the router's pipeline (DESIGN section 3).
 *
 * <p>The router calls {@link #outbound} for every valid packet that came in on the inside and
 * {@link #inbound} for every valid packet that came in on the outside, after validation, martian
 * filtering, reassembly and the TTL check, and before routing, the MTU check and the egress. The
 * translator may rewrite the packet in place (addresses, ports, checksums) and answers with a
 * verdict. A packet the translator kept ({@link #CONSUMED}) is copied by it before the call returns:
 * the frame slot belongs to the router.
 *
 * <p>Calls come from the data-plane thread only; they must not allocate, lock, log or throw.
 */
public interface Translator {
    /**
     * Route the packet by its (possibly rewritten) destination. A destination that is one of the
     * router's own addresses means the router itself answers it (as for {@link #LOCAL}); an outbound
     * packet whose new destination is inside is hairpinned (RFC 4787 REQ-9).
     */
    int FORWARD = 0;
    /** For the router itself (a ping to the public address): the stack answers what it can and drops the rest. */
    int LOCAL = 1;
    /** Refuse: the stack answers a TCP RST, or ICMP port unreachable for anything else, rate-limited. */
    int REJECT = 2;
    /** Refuse with ICMP destination unreachable, communication administratively prohibited (RFC 1812 5.2.7.1, code 13). */
    int PROHIBITED = 3;
    /** Drop silently; the translator counted why. */
    int DROP = 4;
    /** The translator kept the packet (a copy) and will act on it later, e.g. through the {@link Responder}. */
    int CONSUMED = 5;

    /**
     * A packet that came in on the inside; its IPv4 header is at {@code ipOffset} of {@code frame}
     * and has been validated, it is not a fragment (the router reassembled it), and its TTL is
     * above 1.
     */
    int outbound(PacketBuffer frame, int ipOffset, long nowNanos);

    /** A packet that came in on the outside, under the same guarantees as {@link #outbound}. */
    int inbound(PacketBuffer frame, int ipOffset, long nowNanos);

    /**
     * A hint, before the router processes the {@code count} frames of {@code batch} that came in on
     * the inside ({@code inside}) or the outside: the translator may look their sessions up ahead,
     * so that the cache misses of different packets overlap. It must change nothing (the frames are
     * not yet validated; each still comes to {@link #outbound} or {@link #inbound} in turn).
     */
    default void prefetch(FrameBatch batch, int count, boolean inside) {
    }

    /**
     * The timer step (session expiry, held packets), called by the router's timer step when
     * {@link #nextDeadline()} (or another part of the router's) has come.
     */
    default void poll(long nowNanos) {
    }

    /**
     * When {@link #poll} next has something to do, in clock nanoseconds, or
     * {@link Deadlines#NONE} when nothing is pending: the router sleeps until then
     * (or a frame). It may be earlier than needed, never later; a translator that does work in
     * {@code poll} must say when here, or it is polled only when something else is due. Called
     * once per round of the data-plane loop: O(1), no allocation.
     */
    default long nextDeadline() {
        return Deadlines.NONE;
    }

    /** Called once by the router it is plugged into, with the way to send replies later. */
    default void attach(Responder responder) {
    }

    /** No NAT: plain routing. Packets to the router's own addresses are answered by the router. */
    Translator ROUTING = new Translator() {
        @Override
        public int outbound(PacketBuffer frame, int ipOffset, long nowNanos) {
            return FORWARD;
        }

        @Override
        public int inbound(PacketBuffer frame, int ipOffset, long nowNanos) {
            return FORWARD;
        }
    };
}
