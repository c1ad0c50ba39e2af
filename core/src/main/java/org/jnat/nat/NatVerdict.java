package org.jnat.nat;

/**
 * What the router does with a packet after the NAT has seen it. The values are those of the
 * router's seam ({@code org.jnat.router.Translator}), so the engine's answers pass straight through.
 */
public final class NatVerdict {
    /**
     * Translated (or left alone): route it by its destination. An outbound packet now goes to the
     * remote host; an inbound or hairpinned one to the inside host it was rewritten for.
     */
    public static final int FORWARD = 0;
    /** For the router itself (a ping to the public address): untouched. */
    public static final int LOCAL = 1;
    /**
     * Untouched; the router answers its sender with a TCP RST (TCP) or an ICMP port unreachable
     * (otherwise), rate-limited: {@code unmatched = "reject"}.
     */
    public static final int REJECT = 2;
    /**
     * Untouched; the router answers its sender with ICMP destination unreachable, code 13
     * "communication administratively prohibited", rate-limited: no session could be made (RFC 5508
     * REQ-8).
     */
    public static final int PROHIBITED = 3;
    /** Drop it; the NAT has counted why. */
    public static final int DROP = 4;
    /** The NAT kept a copy (an unsolicited SYN held for 6 s, RFC 5382 REQ-4); nothing to send now. */
    public static final int CONSUMED = 5;

    private NatVerdict() {
    }

    public static String name(int verdict) {
        return switch (verdict) {
            case FORWARD -> "FORWARD";
            case LOCAL -> "LOCAL";
            case REJECT -> "REJECT";
            case PROHIBITED -> "PROHIBITED";
            case DROP -> "DROP";
            case CONSUMED -> "CONSUMED";
            default -> "?" + verdict;
        };
    }
}
