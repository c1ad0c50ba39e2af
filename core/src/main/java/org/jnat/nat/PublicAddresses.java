package org.jnat.nat;

import java.util.List;

/**
 * The NAT's public addresses (the pool, {@code [outside] addresses}): each has an index, 0 to
 * {@link #count()} - 1, which sessions, mappings and the port state keep instead of the address. A
 * session's external endpoint is {@code index << 16 | port} ({@link #external}): with one address
 * that is the port itself.
 *
 * <p>{@link #indexOf} is on the inbound path: the first address is one comparison, the others a
 * probe of a small open-addressed table. Nothing allocates after construction.
 */
public final class PublicAddresses {
    private final int[] addresses;
    private final int first;
    /** One address: {@link #indexOf} is one comparison and no more. */
    private final boolean single;
    /** Open addressing, 64 slots (twice the largest pool): address, and index + 1 (0 empty). */
    private final int[] keys = new int[64];
    private final int[] indexes = new int[64];

    public PublicAddresses(List<Integer> pool) {
        this.addresses = pool.stream().mapToInt(Integer::intValue).toArray();
        if (addresses.length == 0 || addresses.length > 32) {
            throw new IllegalArgumentException("a pool holds 1 to 32 addresses, not " + addresses.length);
        }
        this.first = addresses[0];
        this.single = addresses.length == 1;
        for (int i = 0; i < addresses.length; i++) {
            int s = slot(addresses[i]);
            while (indexes[s] != 0) {
                s = (s + 1) & 63;
            }
            keys[s] = addresses[i];
            indexes[s] = i + 1;
        }
    }

    /** A pool of one address. */
    public static PublicAddresses of(int address) {
        return new PublicAddresses(List.of(address));
    }

    private static int slot(int address) {
        int h = address * 0x9E3779B9;
        return (h ^ h >>> 16) & 63;
    }

    /** The index of public address {@code address}, or -1 if it is none of the pool's. */
    public int indexOf(int address) {
        if (address == first) {
            return 0;
        }
        if (single) {
            return -1;
        }
        for (int s = slot(address); indexes[s] != 0; s = (s + 1) & 63) {
            if (keys[s] == address) {
                return indexes[s] - 1;
            }
        }
        return -1;
    }

    /** The address of index {@code index}. */
    public int address(int index) {
        return addresses[index];
    }

    public int count() {
        return addresses.length;
    }

    /** The addresses, in the pool's order (a copy). */
    public int[] addresses() {
        return addresses.clone();
    }

    /** An external endpoint: public address {@code index}, {@code port}. */
    public static int external(int index, int port) {
        return index << 16 | port;
    }

    /** The address index of external endpoint {@code external}. */
    public static int indexOfExternal(int external) {
        return external >>> 16;
    }

    /** The port of external endpoint {@code external}. */
    public static int port(int external) {
        return external & 0xffff;
    }
}
