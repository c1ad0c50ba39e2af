package org.jnat.app.admin;

import java.util.List;

/**
 * {@code GET /api/v1/status}: {@code {"version", "uptime_seconds", "public_address", "interfaces":
 * [{"name", "device", "mac", "address", "mtu", "gateway"}]}}.
 */
final class StatusEndpoint implements Endpoint {
    @SuppressWarnings("unused") // fields are read by Gson, named as the API spells them
    private record Status(String version, long uptime_seconds, String public_address,
                          List<RouterStatus.Interface> interfaces) {
    }

    private final RouterStatus status;
    private final long startedNanos;

    StatusEndpoint(RouterStatus status, long startedNanos) {
        this.status = status;
        this.startedNanos = startedNanos;
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly();
        long uptime = (System.nanoTime() - startedNanos) / 1_000_000_000L;
        return Response.json(new Status(status.version(), uptime, status.publicAddress(), status.interfaces()));
    }
}
