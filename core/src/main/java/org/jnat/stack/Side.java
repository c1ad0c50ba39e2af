package org.jnat.stack;

/** The two sides of the router, used as array indexes. */
public final class Side {
    /** The LAN: private addresses (RFC 4787 "internal"). */
    public static final int INSIDE = 0;
    /** The WAN: the public address (RFC 4787 "external"). */
    public static final int OUTSIDE = 1;
    /** No side: no route. */
    public static final int NONE = -1;

    private Side() {
    }

    public static String name(int side) {
        return switch (side) {
            case INSIDE -> "inside";
            case OUTSIDE -> "outside";
            default -> "none";
        };
    }
}
