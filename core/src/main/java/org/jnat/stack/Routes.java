package org.jnat.stack;

import org.jnat.wire.Ipv4Address;

/**
 * The routing table of a two-legged router: the connected prefix of each side, and the default
 * gateway on the outside for everything else. Longest prefix first, so a connected prefix on the
 * outside that contains the inside one (a misconfiguration the config loader should refuse) still
 * sends LAN destinations inside.
 */
public final class Routes {
    private final int insideNetwork;
    private final int insideMask;
    private final int outsideNetwork;
    private final int outsideMask;
    private final boolean insideFirst;
    private final int gateway;

    public Routes(int insideAddress, int insidePrefix, int outsideAddress, int outsidePrefix, int gateway) {
        this.insideMask = Ipv4Address.mask(insidePrefix);
        this.insideNetwork = insideAddress & insideMask;
        this.outsideMask = Ipv4Address.mask(outsidePrefix);
        this.outsideNetwork = outsideAddress & outsideMask;
        this.insideFirst = insidePrefix >= outsidePrefix;
        this.gateway = gateway;
    }

    public static Routes of(Interface inside, Interface outside, int gateway) {
        return new Routes(inside.address(), inside.prefixLength(), outside.address(), outside.prefixLength(), gateway);
    }

    /** The side a packet to {@code destination} leaves by, or {@link Side#NONE}. */
    public int side(int destination) {
        boolean in = (destination & insideMask) == insideNetwork;
        boolean out = (destination & outsideMask) == outsideNetwork;
        if (in && (insideFirst || !out)) {
            return Side.INSIDE;
        }
        if (out || gateway != 0) {
            return Side.OUTSIDE;
        }
        return Side.NONE;
    }

    /** Whether {@code destination} is on a connected prefix (reached directly, without the gateway). */
    public boolean connected(int destination) {
        return (destination & insideMask) == insideNetwork || (destination & outsideMask) == outsideNetwork;
    }

    /** The neighbor a packet to {@code destination} is handed to: itself when connected, else the gateway (0: none). */
    public int nextHop(int destination) {
        return connected(destination) ? destination : gateway;
    }

    public int gateway() {
        return gateway;
    }
}
