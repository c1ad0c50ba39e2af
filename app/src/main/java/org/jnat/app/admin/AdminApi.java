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

    /** The routes of a router with {@code counters}, started with {@code config}. */
    public static Routes routes(RouterConfig config, Counters counters, RouterStatus status) {
        Access access = new Access(config.admin() == null ? null : config.admin().token());
        return WebPage.addTo(new Routes(access))
                .get("/api/v1/counters", new CountersEndpoint(counters))
                .get("/api/v1/config", new ConfigEndpoint(config))
                .get("/api/v1/status", new StatusEndpoint(status, System.nanoTime()))
                .get("/metrics", new MetricsEndpoint(counters));
    }
}
