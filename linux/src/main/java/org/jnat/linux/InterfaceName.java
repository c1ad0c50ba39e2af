package org.jnat.linux;

import java.nio.charset.StandardCharsets;

/** Checks a Linux interface name before it reaches the kernel, so the error can say why. */
public final class InterfaceName {
    private InterfaceName() {
    }

    /** IFNAMSIZ is 16 bytes including the terminating NUL. */
    public static final int MAX_BYTES = 15;

    /**
     * Returns {@code name} if the kernel would take it, else throws {@link IllegalArgumentException}
     * with a one-line message that says what is wrong.
     */
    public static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty: give a name such as jnat0");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException("interface name " + name + " is longer than " + MAX_BYTES
                    + " bytes (" + bytes + "): choose a shorter name");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name " + name + " is not allowed: choose another name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // dev_valid_name() in the kernel refuses '/', ':' and whitespace.
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
                throw new IllegalArgumentException("interface name " + name
                        + " contains '" + (c == 0 ? "\\0" : String.valueOf(c)) + "': use letters, digits, '-', '_' or '.'");
            }
        }
        return name;
    }
}
