package org.jnat.wire;

/**
 * IPv4 addresses as {@code int}s in network order (the first octet in the top byte), so that the
 * packet path never boxes an address. These helpers are for set-up and display, not per packet.
 */
public final class Ipv4Address {
    private Ipv4Address() {
    }

    /** Parses dotted-quad text ({@code 192.168.1.1}); throws IllegalArgumentException otherwise. */
    public static int parse(String text) {
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    public static String toString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }

    /** The netmask of a prefix length: 24 gives 0xffffff00. */
    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** True if {@code address} is inside {@code network}/{@code prefixLength}. */
    public static boolean inPrefix(int address, int network, int prefixLength) {
        int mask = mask(prefixLength);
        return (address & mask) == (network & mask);
    }
}
