package org.jnat.app;

import java.io.IOException;
import java.util.List;
import org.jnat.app.admin.AdminApi;
import org.jnat.app.admin.AdminServer;
import org.jnat.app.admin.DataPlane;
import org.jnat.app.admin.HostPort;
import org.jnat.app.admin.RouterStatus;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.RouterConfig;
import org.jnat.stack.Side;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;

/** {@code jnat run}'s admin API: started from {@code [admin] listen} over a running router, or off. */
final class AdminEndpoint {
    private AdminEndpoint() {
    }

    /** The server for {@code runtime}, or null when the config has no {@code [admin]} table. */
    static AdminServer start(RouterConfig config, RouterRuntime runtime) throws RouterRuntime.StartupException {
        if (config.admin() == null) {
            return null;
        }
        HostPort listen = HostPort.parse(config.admin().listen());
        RouterStatus status = new RouterStatus(Main.Version.number(), Ipv4Address.toString(config.outside().address()),
                List.of(side("inside", config.inside(), runtime, Side.INSIDE),
                        side("outside", config.outside(), runtime, Side.OUTSIDE)));
        try {
            return AdminServer.start(listen.socketAddress(), AdminApi.routes(config, runtime.counters(), status,
                    new DataPlane(runtime.control(), runtime.nat())));
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
