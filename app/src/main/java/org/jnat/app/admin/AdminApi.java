package org.jnat.app.admin;

import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;

/**
 * The admin API's endpoints for a running router (DESIGN section 4), and the web page at {@code /}.
 * Later endpoints (sessions, forwards, reload, capture) are one more line each in {@link #routes}.
 */
public final class AdminApi {
    private AdminApi() {
    }

    /** The routes of a router with {@code counters}, started with {@code config}, without its data plane. */
    public static Routes routes(RouterConfig config, Counters counters, RouterStatus status) {
        return routes(config, counters, status, null);
    }

    /**
     * The routes of a router with {@code counters}, started with {@code config}; with its
     * {@code plane}, also the sessions and the NAT's gauges in {@code /metrics}.
     */
    public static Routes routes(RouterConfig config, Counters counters, RouterStatus status, DataPlane plane) {
        Access access = new Access(config.admin() == null ? null : config.admin().token());
        SessionQueries sessions = plane == null ? null : new SessionQueries(plane);
        Routes routes = WebPage.addTo(new Routes(access))
                .get("/api/v1/counters", new CountersEndpoint(counters))
                .get("/api/v1/config", new ConfigEndpoint(config))
                .get("/api/v1/status", new StatusEndpoint(status, System.nanoTime()))
                .get("/metrics", new MetricsEndpoint(counters, sessions));
        if (sessions != null) {
            SessionsEndpoint endpoint = new SessionsEndpoint(sessions, plane.nat().publicAddress());
            routes.get("/api/v1/sessions", endpoint::list).delete("/api/v1/sessions", endpoint::flush);
        }
        return routes;
    }
}
