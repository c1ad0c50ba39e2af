package org.jnat.wire;

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by jnat. */
public final class IpProtocol {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;

    private IpProtocol() {
    }
}
