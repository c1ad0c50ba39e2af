package org.jnat.nat;

import org.jnat.wire.IpProtocol;

/**
 * Live sessions by kind: TCP by {@link TcpTracker#phase}, UDP, ICMP. Kept by {@link SessionStore} as
 * sessions are added, deleted and change TCP state, never per packet, so that the control plane's
 * gauges cost one copy ({@link #copyTo}) instead of a walk over the table. Data-plane thread only.
 */
final class SessionGauges {
    /** Index of the UDP count; the TCP phases come first, ICMP after. */
    static final int UDP = TcpTracker.PHASES.size();
    static final int ICMP = UDP + 1;
    /** Longs {@link #copyTo} writes. */
    static final int SIZE = ICMP + 1;

    private final long[] counts = new long[SIZE];

    /** Every count zero, as new ({@link NatEngine#reset}). */
    void reset() {
        java.util.Arrays.fill(counts, 0L);
    }

    static int kind(int protocol, int flags) {
        return switch (protocol) {
            case IpProtocol.TCP -> TcpTracker.phase(flags & TcpTracker.STATE_MASK);
            case IpProtocol.UDP -> UDP;
            default -> ICMP;
        };
    }

    void added(int protocol, int flags) {
        counts[kind(protocol, flags)]++;
    }

    void removed(int protocol, int flags) {
        counts[kind(protocol, flags)]--;
    }

    /** A TCP session went from {@code flags} to {@code next}. */
    void changed(int flags, int next) {
        int from = kind(IpProtocol.TCP, flags);
        int to = kind(IpProtocol.TCP, next);
        if (from != to) {
            counts[from]--;
            counts[to]++;
        }
    }

    /** Copies the counts into {@code into[at..at + SIZE - 1]}. */
    void copyTo(long[] into, int at) {
        System.arraycopy(counts, 0, into, at, SIZE);
    }
}
