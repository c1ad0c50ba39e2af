package org.jnat.app.admin;

import com.google.gson.JsonObject;
import java.util.function.Supplier;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.app.config.Origins;
import org.jnat.config.RouterConfig;
import org.tomlj.Toml;

/**
 * {@code GET /api/v1/config}: the effective config, the same tables and keys as {@code jnat check}
 * prints (it is made from that TOML, so the two never drift apart), as JSON, an inline token left out;
 * on a running router, the config in force (after a reload, with the forwards added at run time).
 * With {@code ?origins=true} one more member, {@code "origins"}, says where each key of the file's
 * load came from, as check does: {@code {"nat.mapping": "router.toml:7", "nat.ports": "default",
 * "nat.filtering": "profile cgn", ...}} (forwards added through the API are not in it).
 */
final class ConfigEndpoint implements Endpoint {
    private final Supplier<RouterConfig> config;
    private final Supplier<Origins> origins;

    ConfigEndpoint(Supplier<RouterConfig> config, Supplier<Origins> origins) {
        this.config = config;
        this.origins = origins;
    }

    @Override
    public Response handle(Request request) throws ApiException {
        request.acceptOnly("origins");
        String withOrigins = request.query("origins");
        if (withOrigins != null && !withOrigins.equals("true") && !withOrigins.equals("false")) {
            throw ApiException.badRequest("origins", "expected true or false, got \"" + withOrigins + "\"");
        }
        Origins o = origins.get();
        String json = Toml.parse(EffectiveConfig.toToml(config.get(), true, o)).toJson();
        if (!"true".equals(withOrigins)) {
            return Response.text(Response.JSON, json);
        }
        JsonObject body = Json.parse(json).getAsJsonObject();
        JsonObject from = new JsonObject();
        o.all().forEach(from::addProperty);
        body.add("origins", from);
        return Response.text(Response.JSON, Json.write(body));
    }
}
