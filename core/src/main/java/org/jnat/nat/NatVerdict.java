package org.jnat.nat;

import org.jnat.router.Translator;

/**
 * What the router does with a packet after the NAT has seen it: the verdicts of the router's seam,
 * {@link Translator}, with what each one means for the NAT.
 */
public final class NatVerdict {
    /**
     * Translated (or left alone): route it by its destination. An outbound packet now goes to the
     * remote host; an inbound or hairpinned one to the inside host it was rewritten for.
     */
    public static final int FORWARD = Translator.FORWARD;
    /** For the router itself (a ping to the public address): untouched. */
    public static final int LOCAL = Translator.LOCAL;
    /**
     * Untouched; the router answers its sender with a TCP RST (TCP) or an ICMP port unreachable
     * (otherwise), rate-limited: {@code unmatched = "reject"}.
     */
    public static final int REJECT = Translator.REJECT;
    /**
     * Untouched; the router answers its sender with ICMP destination unreachable, code 13
     * "communication administratively prohibited", rate-limited: no session could be made (RFC 5508
     * REQ-8).
     */
    public static final int PROHIBITED = Translator.PROHIBITED;
    /** Drop it; the NAT has counted why. */
    public static final int DROP = Translator.DROP;
    /** The NAT kept a copy (an unsolicited SYN held for 6 s, RFC 5382 REQ-4); nothing to send now. */
    public static final int CONSUMED = Translator.CONSUMED;

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
