package org.jnat.app.admin;

import java.util.function.Supplier;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.config.RouterConfig;
import org.tomlj.Toml;

/**
 * {@code GET /api/v1/config}: the effective config, the same tables and keys as {@code jnat check}
 * prints (it is made from that TOML, so the two never drift apart), as JSON, an inline token left out;
 * on a running router, the config in force (after a reload, with the forwards added at run time).
 */
final class ConfigEndpoint implements Endpoint {
    private final Supplier<RouterConfig> config;

    ConfigEndpoint(Supplier<RouterConfig> config) {
        this.config = config;
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly();
        String json = Toml.parse(EffectiveConfig.toToml(config.get(), true)).toJson();
        return Response.text(Response.JSON, json);
    }
}
