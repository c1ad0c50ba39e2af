package org.jnat.app.config;

import java.util.ArrayList;
import java.util.List;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.PublicPool;
import org.jnat.wire.Ipv4Address;
import org.tomlj.TomlArray;

/**
 * Reads the pool of public addresses: {@code [outside] addresses} (a list of addresses or prefixes,
 * or one prefix: every host address of it) and {@code pooling}, and {@code [nat] dmz-address};
 * checks a forward's {@code address} against the pool.
 */
public final class PoolKeys {
    private static final String EXAMPLE = "[\"203.0.113.1\", \"203.0.113.2\"] or \"203.0.113.0/29\"";

    private PoolKeys() {
    }

    /** The pool {@code outside} and {@code nat} set; without {@code addresses}, the outside address alone. */
    static PublicPool read(Section outside, Section nat, InterfaceConfig insideSide, InterfaceConfig outsideSide)
            throws ConfigException {
        List<Integer> addresses = new ArrayList<>();
        Object value = outside.value("addresses");
        if (value == null) {
            addresses.add(outsideSide.address());
        } else if (value instanceof String text) {
            add(outside, text, addresses, insideSide);
        } else if (value instanceof TomlArray array && array.size() > 0) {
            for (int i = 0; i < array.size(); i++) {
                if (!(array.get(i) instanceof String text)) {
                    throw outside.error("addresses", "expected addresses or prefixes as quoted strings, like "
                            + EXAMPLE + ", got " + Section.describe(array.get(i)));
                }
                add(outside, text, addresses, insideSide);
            }
        } else {
            throw outside.error("addresses", "expected a list of addresses or one prefix, like " + EXAMPLE + ", got "
                    + Section.describe(value));
        }
        PublicPool.Pooling pooling = Choices.read(outside, "pooling", PublicPool.Pooling.values(),
                PublicPool.Pooling.PAIRED);
        int dmzAddress = 0;
        String dmzText = nat.optionalString("dmz-address", "\"203.0.113.2\"");
        if (dmzText != null) {
            dmzAddress = publicAddress(nat, "dmz-address", dmzText, addresses);
        }
        return new PublicPool(addresses, pooling, dmzAddress);
    }

    /** Adds the address, or every host address of the prefix, that {@code text} gives. */
    private static void add(Section s, String text, List<Integer> addresses, InterfaceConfig inside)
            throws ConfigException {
        int slash = text.indexOf('/');
        int address;
        int length = 32;
        try {
            address = Ipv4Address.parse(slash < 0 ? text : text.substring(0, slash));
            if (slash >= 0) {
                String l = text.substring(slash + 1);
                length = l.matches("\\d{1,2}") ? Integer.parseInt(l) : -1;
            }
        } catch (IllegalArgumentException e) {
            throw s.error("addresses", "expected an address or prefix like \"203.0.113.2\" or \"203.0.113.0/29\","
                    + " got \"" + text + "\"");
        }
        if (length < 0 || length > 32) {
            throw s.error("addresses", "the prefix length must be 0 to 32, got \"" + text + "\"");
        }
        int mask = Ipv4Address.mask(length);
        if ((address & ~mask) != 0) {
            throw s.error("addresses", "\"" + text + "\" has host bits set; write the prefix as "
                    + Ipv4Address.toString(address & mask) + "/" + length);
        }
        // Every host address: a /31 or /32 has no network or broadcast address to leave out (RFC 3021).
        long first = (address & 0xffffffffL) + (length <= 30 ? 1 : 0);
        long last = (address & 0xffffffffL) + (1L << (32 - length)) - 1 - (length <= 30 ? 1 : 0);
        if (addresses.size() + last - first + 1 > PublicPool.MAX_ADDRESSES) {
            throw s.error("addresses", "expected at most " + PublicPool.MAX_ADDRESSES + " public addresses, got "
                    + (addresses.size() + last - first + 1) + " (a session keeps its address's index in 5 bits, and"
                    + " each address costs 48 bytes a port of [nat] ports: 3 MiB for 1-65535)");
        }
        for (long a = first; a <= last; a++) {
            int host = (int) a;
            int top = host >>> 24;
            if (top == 0 || top == 127 || top >= 224) {
                throw s.error("addresses", Ipv4Address.toString(host) + " is not a unicast address; give public"
                        + " unicast addresses");
            }
            if (Ipv4Address.inPrefix(host, inside.address(), inside.prefixLength())) {
                throw s.error("addresses", Ipv4Address.toString(host) + " is inside the inside prefix; the pool's"
                        + " addresses are public ones");
            }
            if (addresses.contains(host)) {
                throw s.error("addresses", Ipv4Address.toString(host) + " is given twice; give each address once");
            }
            addresses.add(host);
        }
    }

    /**
     * One of the pool's addresses, for {@code key} (a forward's {@code address}, the DMZ's): the
     * loader's check, which the admin API's forwards share.
     */
    public static <E extends Exception> int publicAddress(Problem<E> s, String key, String text, List<Integer> pool)
            throws E {
        int address;
        try {
            address = Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw s.error(key, "expected one of the public addresses, like \"" + Ipv4Address.toString(pool.get(0))
                    + "\", got \"" + text + "\"");
        }
        if (!pool.contains(address)) {
            throw s.error(key, text + " is not one of the public addresses ("
                    + String.join(", ", pool.stream().map(Ipv4Address::toString).toList()) + ")");
        }
        return address;
    }
}
