package org.jnat.wire;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by jnat. */
public final class IpProtocol {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;

    private IpProtocol() {
    }

    /** The protocol's name as jnat writes it (API, metrics, session log): tcp, udp, icmp, else the number. */
    public static String name(int protocol) {
        return switch (protocol) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ICMP -> "icmp";
            default -> Integer.toString(protocol);
        };
    }
}
