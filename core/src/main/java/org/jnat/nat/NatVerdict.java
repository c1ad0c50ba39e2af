package org.jnat.nat;

/** What the router does with a packet after the NAT has seen it. */
public final class NatVerdict {
    /** Translated: transmit on the outside. */
    public static final int TO_OUTSIDE = 0;
    /** Translated: transmit on the inside (an inbound packet, or a hairpinned one). */
    public static final int TO_INSIDE = 1;
    /** For the router itself (a ping to the public address): untouched. */
    public static final int LOCAL = 2;
    /** Drop it; the NAT has counted why. */
    public static final int DROP = 3;
    /**
     * Untouched; answer its sender with a TCP RST (TCP) or an ICMP port unreachable (otherwise):
     * {@code unmatched = "reject"}. Already rate-limited by the NAT.
     */
    public static final int REJECT = 4;
    /**
     * Untouched; answer its sender with ICMP destination unreachable, code 13 "communication
     * administratively prohibited": no session could be made (RFC 5508 REQ-8). Already rate-limited.
     */
    public static final int PROHIBITED = 5;
    /** The NAT kept the packet (an unsolicited SYN held for 6 s, RFC 5382 REQ-4); nothing to send now. */
    public static final int CONSUMED = 6;

    private NatVerdict() {
    }

    public static String name(int verdict) {
        return switch (verdict) {
            case TO_OUTSIDE -> "TO_OUTSIDE";
            case TO_INSIDE -> "TO_INSIDE";
            case LOCAL -> "LOCAL";
            case DROP -> "DROP";
            case REJECT -> "REJECT";
            case PROHIBITED -> "PROHIBITED";
            case CONSUMED -> "CONSUMED";
            default -> "?" + verdict;
        };
    }
}
