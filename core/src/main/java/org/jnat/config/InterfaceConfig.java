package org.jnat.config;

/**
 * One side of the router ({@code [inside]} or {@code [outside]}).
 *
 * @param device       {@code tap:NAME} or {@code afpacket:IFNAME}, as written in the file
 * @param address      the router's own address on this side (network-order int)
 * @param prefixLength the connected prefix, e.g. 24
 * @param mac          the router's MAC on this side, or -1 to use a generated one
 * @param gateway      next hop for destinations off the connected prefixes, or 0 for none (inside)
 * @param mtu          the link MTU: the largest IP packet one frame carries (1500 by default)
 */
public record InterfaceConfig(String device, int address, int prefixLength, long mac, int gateway, int mtu) {
    public static final int DEFAULT_MTU = 1500;

    /** The network address of the connected prefix. */
    public int network() {
        return prefixLength == 0 ? 0 : address & (-1 << (32 - prefixLength));
    }
}
