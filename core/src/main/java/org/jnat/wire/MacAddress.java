package org.jnat.wire;

/**
 * Ethernet MAC addresses as the low 48 bits of a {@code long}, first octet highest. For set-up and
 * display; the packet path reads and writes them through {@link EthernetFrame}.
 */
public final class MacAddress {
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private MacAddress() {
    }

    /** Parses {@code 02:6a:6e:00:00:01} (colons or dashes); throws IllegalArgumentException otherwise. */
    public static long parse(String text) {
        String[] parts = text.trim().split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        long value = 0;
        for (String part : parts) {
            if (part.length() != 2) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            try {
                value = (value << 8) | Integer.parseInt(part, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
        }
        return value;
    }

    public static String toString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xff;
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(Character.forDigit(octet >> 4, 16)).append(Character.forDigit(octet & 0xf, 16));
        }
        return sb.toString();
    }

    /** True for group (multicast and broadcast) addresses: the low bit of the first octet. */
    public static boolean isMulticast(long mac) {
        return ((mac >>> 40) & 1) != 0;
    }

    /** A locally administered unicast address derived from {@code seed}, for interfaces without one. */
    public static long locallyAdministered(long seed) {
        return ((0x02L << 40) | (seed & 0xff_ffff_ffffL)) & ~(1L << 40);
    }
}
