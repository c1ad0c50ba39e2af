package org.jnat.app.admin;

import java.util.List;

/**
 * What {@code GET /api/v1/status} tells of a running router that does not change while it runs:
 * its version, its interfaces and its public address. The uptime is added at each request.
 */
public record RouterStatus(String version, String publicAddress, List<Interface> interfaces) {

    /** One side as it runs: {@code name} is "inside" or "outside"; {@code gateway} null on the inside. */
    public record Interface(String name, String device, String mac, String address, int mtu, String gateway) {
    }

    public RouterStatus {
        interfaces = List.copyOf(interfaces);
    }
}
