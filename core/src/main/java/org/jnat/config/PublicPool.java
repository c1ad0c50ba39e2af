package org.jnat.config;

import java.util.List;

/**
 * The public addresses the NAT translates to: {@code [outside] addresses} and {@code pooling}, and
 * {@code [nat] dmz-address}. Without {@code addresses} the pool is the outside interface's own
 * address alone, as before pools.
 *
 * @param addresses  the pool, in the order given (network-order ints), at most {@link #MAX_ADDRESSES}
 * @param pooling    which pool address a new mapping gets (RFC 4787 REQ-2)
 * @param dmzAddress the pool address the DMZ host takes unmatched traffic on, or 0 for every one
 */
public record PublicPool(List<Integer> addresses, Pooling pooling, int dmzAddress) {
    /**
     * The most addresses a pool may have: a session keeps its address's index in 5 spare bits of
     * its row ({@code org.jnat.nat.SessionTable}), and the per-port state costs 16 bytes a port,
     * protocol and address (3 MiB an address over ports 1-65535, 96 MiB for 32).
     */
    public static final int MAX_ADDRESSES = 32;

    /** RFC 4787 section 4.1 on IP address pooling. */
    public enum Pooling {
        /** An inside host always appears from the same public address (REQ-2, the default). */
        PAIRED,
        /** Each new mapping may take any public address with a port free. */
        ARBITRARY;

        /** The spelling used in the config file: the name in lower case. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public PublicPool {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty() || addresses.size() > MAX_ADDRESSES) {
            throw new IllegalArgumentException("a pool holds 1 to " + MAX_ADDRESSES + " addresses, not "
                    + addresses.size());
        }
        if (addresses.stream().distinct().count() != addresses.size()) {
            throw new IllegalArgumentException("a pool address is given twice: " + addresses);
        }
    }

    /** The pool of one address: {@code address}, paired, the DMZ on it. */
    public static PublicPool single(int address) {
        return new PublicPool(List.of(address), Pooling.PAIRED, 0);
    }
}
