package org.jnat.app.admin;

import java.util.function.Supplier;
import org.jnat.app.config.Origins;
import org.jnat.app.control.Reloader;
import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;

/**
 * The admin API's endpoints for a running router (DESIGN section 4), and the web page at {@code /}.
 * What a router can answer depends on what it is given: counters, config and status always; the
 * sessions and the NAT's gauges with its {@link DataPlane}; forwards and reload with a
 * {@link Reloader}. The capture endpoint is added by the app when the devices are tapped.
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
        return routes(config, () -> config, Origins::new, counters, status, plane);
    }

    /** As {@link #routes(Reloader, Counters, RouterStatus, DataPlane)} without the sessions. */
    public static Routes routes(Reloader reloader, Counters counters, RouterStatus status) {
        return routes(reloader, counters, status, null);
    }

    /**
     * The routes of a running router whose forwards and config change at run time: those of
     * {@link #routes(RouterConfig, Counters, RouterStatus, DataPlane)} with the config in force, and
     * {@code /api/v1/forwards} and {@code /api/v1/reload}.
     */
    public static Routes routes(Reloader reloader, Counters counters, RouterStatus status, DataPlane plane) {
        ForwardsEndpoint forwards = new ForwardsEndpoint(reloader.forwards(), () -> reloader.inForce().inside());
        return routes(reloader.inForce(), reloader::inForce, reloader::origins, counters, status, plane)
                .get("/api/v1/forwards", forwards::list)
                .post("/api/v1/forwards", forwards::add)
                .delete("/api/v1/forwards", forwards::remove)
                .post("/api/v1/reload", ReloadEndpoint.of(reloader));
    }

    /** {@code started}: the config the router started with ({@code [admin]} cannot change while it runs). */
    private static Routes routes(RouterConfig started, Supplier<RouterConfig> inForce, Supplier<Origins> origins,
                                 Counters counters, RouterStatus status, DataPlane plane) {
        Access access = new Access(started.admin() == null ? null : started.admin().token());
        SessionQueries sessions = plane == null ? null : new SessionQueries(plane);
        Routes routes = WebPage.addTo(new Routes(access))
                .get("/api/v1/counters", new CountersEndpoint(counters))
                .get("/api/v1/config", new ConfigEndpoint(inForce, origins))
                .get("/api/v1/status", new StatusEndpoint(status, System.nanoTime()))
                .get("/metrics", new MetricsEndpoint(counters, sessions));
        if (sessions != null) {
            SessionsEndpoint endpoint = new SessionsEndpoint(sessions, plane.nat().publicAddress());
            routes.get("/api/v1/sessions", endpoint::list).delete("/api/v1/sessions", endpoint::flush);
        }
        return routes;
    }
}
