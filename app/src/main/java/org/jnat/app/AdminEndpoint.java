package org.jnat.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jnat.app.admin.AdminApi;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.admin.CaptureEndpoint;
import org.jnat.app.admin.DataPlane;
import org.jnat.app.admin.HostPort;
import org.jnat.app.admin.RouterStatus;
import org.jnat.app.admin.Routes;
import org.jnat.app.config.Origins;
import org.jnat.app.control.Reloader;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatEngine;
import org.jnat.stack.Side;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;

/** {@code jnat run}'s admin API: started from {@code [admin] listen} over a running router, or off. */
final class AdminEndpoint {
    private AdminEndpoint() {
    }

    /**
     * What changes {@code runtime}'s config while it runs (forwards, reload), started from
     * {@code config}, loaded from {@code file} (null: none, nothing to reload).
     */
    static Reloader reloader(Path file, RouterConfig config, RouterRuntime runtime) {
        return reloader(file, config, new Origins(), runtime);
    }

    /** As above, knowing where each value of {@code config} came from (for {@code GET /api/v1/config?origins=true}). */
    static Reloader reloader(Path file, RouterConfig config, Origins origins, RouterRuntime runtime) {
        return new Reloader(file, config, origins, runtime.control(), (NatEngine) runtime.translator());
    }

    /** The server for {@code runtime}, or null when the config has no {@code [admin]} table. */
    static AdminServer start(RouterConfig config, RouterRuntime runtime, Reloader reloader)
            throws RouterRuntime.StartupException {
        if (config.admin() == null) {
            return null;
        }
        HostPort listen = HostPort.parse(config.admin().listen());
        RouterStatus status = new RouterStatus(Main.Version.number(), Ipv4Address.toString(config.outside().address()),
                List.of(side("inside", config.inside(), runtime, Side.INSIDE),
                        side("outside", config.outside(), runtime, Side.OUTSIDE)));
        Routes routes = AdminApi.routes(reloader, runtime.counters(), status,
                new DataPlane(runtime.control(), runtime.nat()));
        if (runtime.liveCapture() != null) {
            routes.get("/api/v1/capture", new CaptureEndpoint(runtime.liveCapture(), "jnat " + Main.Version.number(),
                    config.inside().device(), config.outside().device()));
        }
        try {
            return AdminServer.start(listen.socketAddress(), routes);
        } catch (IOException e) {
            throw new RouterRuntime.StartupException("jnat: cannot serve the admin API on " + listen + " (" + e.getMessage()
                    + "); free the port or change [admin] listen");
        }
    }

    private static RouterStatus.Interface side(String name, InterfaceConfig ic, RouterRuntime runtime, int side) {
        var iface = runtime.router().iface(side);
        return new RouterStatus.Interface(name, ic.device(), MacAddress.toString(iface.mac()),
                Ipv4Address.toString(ic.address()) + "/" + ic.prefixLength(), iface.mtu(),
                ic.gateway() == 0 ? null : Ipv4Address.toString(ic.gateway()));
    }
}
