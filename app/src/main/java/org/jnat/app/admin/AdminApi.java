package org.jnat.app.admin;

import java.util.function.Supplier;
import org.jnat.app.control.Reloader;
import org.jnat.config.RouterConfig;
import org.jnat.runtime.Counters;

/**
 * The admin API's endpoints for a running router (DESIGN section 4), and the web page at {@code /}.
 * Later endpoints (sessions, capture) are one more line each in {@link #routes}.
 */
public final class AdminApi {
    private AdminApi() {
    }

    /** The routes of a router with {@code counters}, started with {@code config}. */
    public static Routes routes(RouterConfig config, Counters counters, RouterStatus status) {
        return routes(config, () -> config, counters, status);
    }

    /**
     * The routes of a running router whose forwards and config change at run time: those of
     * {@link #routes(RouterConfig, Counters, RouterStatus)} with the config in force, and
     * {@code /api/v1/forwards} and {@code /api/v1/reload}.
     */
    public static Routes routes(Reloader reloader, Counters counters, RouterStatus status) {
        ForwardsEndpoint forwards = new ForwardsEndpoint(reloader.forwards(), () -> reloader.inForce().inside());
        return routes(reloader.inForce(), reloader::inForce, counters, status)
                .get("/api/v1/forwards", forwards::list)
                .post("/api/v1/forwards", forwards::add)
                .delete("/api/v1/forwards", forwards::remove)
                .post("/api/v1/reload", ReloadEndpoint.of(reloader));
    }

    /** {@code started}: the config the router started with ({@code [admin]} cannot change while it runs). */
    private static Routes routes(RouterConfig started, Supplier<RouterConfig> inForce, Counters counters,
                                 RouterStatus status) {
        Access access = new Access(started.admin() == null ? null : started.admin().token());
        return WebPage.addTo(new Routes(access))
                .get("/api/v1/counters", new CountersEndpoint(counters))
                .get("/api/v1/config", new ConfigEndpoint(inForce))
                .get("/api/v1/status", new StatusEndpoint(status, System.nanoTime()))
                .get("/metrics", new MetricsEndpoint(counters));
    }
}
