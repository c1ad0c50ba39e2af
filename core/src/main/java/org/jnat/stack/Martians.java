package org.jnat.stack;

/**
 * The address classes a router must not accept or forward (RFC 1122 section 3.2.1.3, RFC 1812
 * sections 4.2.2.11 and 5.3.7), for the two sides of this router.
 */
public final class Martians {
    private final int insideAddress;
    private final int outsideAddress;
    private final int insideBroadcast;
    private final int outsideBroadcast;
    /** The NAT's public addresses other than the outside address ({@code [outside] addresses}), or null for none. */
    private final AddressIndex pool;

    public Martians(Interface inside, Interface outside) {
        this(inside, outside, new int[0]);
    }

    /** {@code publicAddresses}: the NAT's public addresses, which are the router's too (the outside address may be one). */
    public Martians(Interface inside, Interface outside, int[] publicAddresses) {
        insideAddress = inside.address();
        outsideAddress = outside.address();
        insideBroadcast = inside.broadcast();
        outsideBroadcast = outside.broadcast();
        AddressIndex index = new AddressIndex(Math.max(1, publicAddresses.length));
        int n = 0;
        for (int a : publicAddresses) {
            if (a != outsideAddress && index.find(a) < 0) {
                index.put(a, n++);
            }
        }
        pool = n == 0 ? null : index;
    }

    /** One of the public addresses beyond the outside address: the router answers ARP for it and takes its traffic. */
    public boolean isPoolAddress(int address) {
        return pool != null && pool.find(address) >= 0;
    }

    /**
     * Sources no packet may come from: 0/8 ("this network"), 127/8 (loopback), multicast, 240/4
     * and the limited broadcast, a connected prefix's broadcast, and our own addresses.
     */
    public boolean isMartianSource(int source) {
        int top = source >>> 24;
        return top == 0 || top == 127 || (source >>> 28) >= 0xe
                || source == insideAddress || source == outsideAddress
                || source == insideBroadcast || source == outsideBroadcast || isPoolAddress(source);
    }

    /** Destinations never forwarded (RFC 1812 section 5.3.5, RFC 2644): multicast, limited and directed broadcast. */
    public boolean isBroadcastOrMulticast(int destination) {
        return (destination >>> 28) == 0xe || destination == -1
                || destination == insideBroadcast || destination == outsideBroadcast;
    }

    /** Destinations that name no host: 0/8, 127/8, 240/4. */
    public boolean isMartianDestination(int destination) {
        int top = destination >>> 24;
        return top == 0 || top == 127 || (destination >>> 28) == 0xf;
    }

    /** One of the router's own addresses (the pool's among them). */
    public boolean isOurs(int address) {
        return address == insideAddress || address == outsideAddress || isPoolAddress(address);
    }
}
