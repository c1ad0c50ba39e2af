package org.jnat.app;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.jnat.app.admin.AdminServer;

/**
 * The demo's admin API and web page: an {@code [admin]} table on loopback (port 8080, or any free
 * port when 8080 is taken) with a fresh token, and, with {@code --keep}, where to find them. The
 * demo's router runs in the demo's own process, so its loopback is this machine's loopback, unless
 * the demo runs in a user namespace of its own (not root), whose loopback only that namespace sees.
 */
final class DemoAdmin {
    static final int PREFERRED_PORT = 8080;

    private DemoAdmin() {
    }

    /** A random token, so that changes through the API need it even on this throwaway router. */
    static String token() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The {@code [admin]} table to append to the lab's config. */
    static String table(String token) {
        return "\n[admin]\nlisten = \"127.0.0.1:" + freePort() + "\"\ntoken = \"" + token + "\"\n";
    }

    private static int freePort() {
        for (int port : new int[] {PREFERRED_PORT, 0}) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            } catch (IOException taken) {
                // try the next
            }
        }
        throw new IllegalStateException("no free TCP port on 127.0.0.1 for the demo's admin API");
    }

    /** The {@code --keep} lines: the page's address, how to reach it, and the token. */
    static void describe(AdminServer admin, String token, PrintStream out) {
        String url = "http://127.0.0.1:" + admin.address().getPort() + "/";
        out.println("The web page: " + url + "   (the admin API: " + url + "api/v1/status, /metrics)");
        if (System.getenv("JNAT_IN_USER_NAMESPACE") != null) {
            out.println("  This demo runs in a user namespace of its own; reach the page from there: nsenter --target "
                    + ProcessHandle.current().pid() + " --user --net --preserve-credentials curl " + url);
        } else {
            out.println("  Open it in a browser on this machine, or: curl " + url + "api/v1/status"
                    + "   (from another machine: ssh -L " + admin.address().getPort() + ":127.0.0.1:"
                    + admin.address().getPort() + " THIS-HOST)");
        }
        out.println("  Changes through the API or the page need the token " + token
                + " (Authorization: Bearer " + token + ")");
    }
}
