package org.jnat.app.admin;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.app.control.LiveForwards;
import org.jnat.config.ForwardRule;
import org.jnat.config.RouterConfig;
import org.jnat.pcp.PcpMappings;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;

/**
 * {@code /api/v1/forwards}: the port forwards in force, added and removed at run time.
 * {@code GET} gives {@code {"forwards": [{"id", "protocol", "port", "to", "address", "source"}]}}
 * ({@code address} only for a forward on one public address of the pool);
 * {@code POST} takes the {@code [[forward]]} keys, {@code {"protocol": "tcp", "port": "8081", "to":
 * "192.168.1.10:8000"}} and optionally {@code "address": "203.0.113.2"}, checked as the config file's (400 naming the key; 409 when a forward in
 * force has one of its ports) and answers 201 with the new forward; {@code DELETE ?id=ID} removes
 * one (404 if there is none) and cuts its connections.
 */
final class ForwardsEndpoint {
    /** One forward as the API gives it; {@code source} is "config" or "api"; {@code note} only on a 201, or null. */
    @SuppressWarnings("unused") // fields are read by Gson
    record Forward(long id, String protocol, String port, String to, String address, String source, String note) {
        static Forward of(LiveForwards.Entry e, String note) {
            ForwardRule r = e.rule();
            return new Forward(e.id(), EffectiveConfig.protocol(r), EffectiveConfig.port(r), EffectiveConfig.to(r),
                    r.address() == 0 ? null : Ipv4Address.toString(r.address()), e.fromFile() ? "config" : "api",
                    note);
        }
    }

    /**
     * A mapping an inside host made through PCP or NAT-PMP, listed with the forwards: no id (it is
     * not removed through the API: its lifetime or the host ends it), {@code source} "pcp", the
     * seconds it has left, which protocol made it ("pcp" or "natpmp"), and its remote peer filters.
     */
    @SuppressWarnings("unused") // fields are read by Gson
    record PcpMapping(String protocol, String port, String to, String source, long lifetime_seconds, String by,
                      int filters) {
        static PcpMapping of(PcpMappings.Mapping m) {
            return new PcpMapping(m.protocol() == IpProtocol.TCP ? "tcp" : "udp", Integer.toString(m.externalPort()),
                    Ipv4Address.toString(m.insideAddress()) + ":" + m.insidePort(), "pcp", m.lifetimeSeconds(),
                    m.natPmp() ? "natpmp" : "pcp", m.filters());
        }
    }

    record Listing(List<Object> forwards) {
    }

    private final LiveForwards forwards;
    /** The config in force: its inside prefix (a forward's target must be on it) and its public addresses. */
    private final Supplier<RouterConfig> config;

    /** The data plane whose PCP server's mappings are listed too, or null. */
    private final DataPlane pcp;

    ForwardsEndpoint(LiveForwards forwards, Supplier<RouterConfig> config) {
        this(forwards, config, null);
    }

    ForwardsEndpoint(LiveForwards forwards, Supplier<RouterConfig> config, DataPlane pcp) {
        this.forwards = forwards;
        this.config = config;
        this.pcp = pcp;
    }

    Response list(Request request) throws ApiException {
        request.acceptOnly();
        List<Object> out = new ArrayList<>();
        forwards.list().forEach(e -> out.add(Forward.of(e, null)));
        if (pcp != null) {
            // One command: at most NatTable.MAX_PINS rows, copied on the data-plane thread.
            LiveForwards.onDataPlane(pcp.control(), now -> pcp.pcp().mappings().list(now))
                    .forEach(m -> out.add(PcpMapping.of(m)));
        }
        return Response.json(new Listing(out));
    }

    Response add(Request request) throws ApiException {
        request.acceptOnly();
        JsonObject body = request.jsonBody();
        Request.acceptOnlyKeys(body, "protocol", "port", "to", "address");
        String protocol = Request.stringField(body, "protocol", "\"tcp\"");
        Object port = port(body.get("port"));
        String to = Request.stringField(body, "to", "\"192.168.1.20:80\"");
        String address = body.has("address") ? Request.stringField(body, "address", "\"203.0.113.2\"") : null;
        RouterConfig inForce = config.get();
        ForwardRule rule = ConfigLoader.forwardRule(ApiException::badRequest, protocol, port, to, address,
                inForce.inside(), inForce.pool().addresses());
        LiveForwards.Added added = forwards.add(rule);
        return Response.json(201, Forward.of(added.entry(), added.note()));
    }

    Response remove(Request request) throws ApiException {
        request.acceptOnly("id");
        if (request.query("id") == null) {
            throw ApiException.badRequest("id", "give the forward's id, e.g. DELETE /api/v1/forwards?id=1");
        }
        long id = request.intQuery("id", 1, Long.MAX_VALUE, 0);
        return Response.json(Forward.of(forwards.remove(id), null));
    }

    /** "port" as the file takes it: a string ("8080", "8000-8010") or a whole number. */
    private static Object port(JsonElement value) throws ApiException {
        if (value == null || value.isJsonNull()) {
            throw ApiException.badRequest("port", "\"port\" is missing; e.g. \"port\": \"8080\" or \"8000-8010\"");
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return value.getAsString();
        }
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
            try {
                return value.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException e) {
                // said below
            }
        }
        throw ApiException.badRequest("port", "\"port\" must be a port like \"8080\" or a range like \"8000-8010\","
                + " got " + value);
    }
}
