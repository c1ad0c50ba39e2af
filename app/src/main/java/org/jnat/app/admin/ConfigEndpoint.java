package org.jnat.app.admin;

import org.jnat.app.config.EffectiveConfig;
import org.jnat.config.RouterConfig;
import org.tomlj.Toml;

/**
 * {@code GET /api/v1/config}: the effective config, the same tables and keys as {@code jnat check}
 * prints (it is made from that TOML, so the two never drift apart), as JSON, an inline token left out.
 */
final class ConfigEndpoint implements Endpoint {
    private final RouterConfig config;

    ConfigEndpoint(RouterConfig config) {
        this.config = config;
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly();
        String json = Toml.parse(EffectiveConfig.toToml(config, true)).toJson();
        return Response.text(Response.JSON, json);
    }
}
