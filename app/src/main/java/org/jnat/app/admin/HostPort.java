package org.jnat.app.admin;

import java.net.InetSocketAddress;
import org.jnat.wire.Ipv4Address;

/**
 * A HOST:PORT as {@code [admin] listen} and {@code --admin} take it: a dotted quad, a host name, or
 * an IPv6 address in brackets ({@code [::1]:8080}), then a port from 1 to 65535.
 */
public record HostPort(String host, int port) {

    /** Parses {@code text}; throws {@link IllegalArgumentException} with the sentence for the user. */
    public static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        String port = colon < 0 ? "" : text.substring(colon + 1);
        int portNumber = port.matches("\\d{1,5}") ? Integer.parseInt(port) : 0;
        boolean hostOk = !host.isEmpty() && (host.startsWith("[") ? host.endsWith("]") && host.length() > 2
                : host.matches("[A-Za-z0-9.-]+"));
        if (hostOk && host.matches("[0-9.]+")) {
            try {
                Ipv4Address.parse(host);
            } catch (IllegalArgumentException e) {
                hostOk = false;
            }
        }
        if (!hostOk || portNumber < 1 || portNumber > 65535) {
            throw new IllegalArgumentException("expected HOST:PORT like \"127.0.0.1:8080\", got \"" + text + "\"");
        }
        return new HostPort(host, portNumber);
    }

    /**
     * Whether only this machine can reach the address: 127.0.0.0/8, [::1] or "localhost". Any other
     * name counts as reachable from elsewhere, since what it resolves to may change.
     */
    public boolean isLoopback() {
        if (host.equals("localhost") || host.equals("[::1]")) {
            return true;
        }
        return host.matches("[0-9.]+") && (Ipv4Address.parse(host) >>> 24) == 127;
    }

    /** The address to bind or connect to (IPv6 without its brackets). */
    public InetSocketAddress socketAddress() {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return new InetSocketAddress(bare, port);
    }

    /** The base URL of the admin API at this address, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        return "http://" + host + ":" + port;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
