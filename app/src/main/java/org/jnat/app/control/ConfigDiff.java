package org.jnat.app.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jnat.app.config.Durations;
import org.jnat.config.AdminConfig;
import org.jnat.config.DataPlaneConfig;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.PcpConfig;
import org.jnat.config.PublicPool;
import org.jnat.config.RouterConfig;
import org.jnat.config.Timeouts;
import org.jnat.wire.Ipv4Address;

/**
 * What a reload would change: the keys that differ between the running config and a new one,
 * sorted into those a running router takes live (the DMZ, {@code unmatched}, the four timeouts,
 * {@code max-sessions-per-host}, {@code hairpinning}; the forwards are {@link LiveForwards}') and
 * those it cannot (everything else: devices, addresses, MACs, MTUs, the gateway, the mapping and
 * filtering behaviours, the port range, {@code max-sessions}, which sizes the tables,
 * {@code inbound-refresh}, the same three keys of {@code [nat.udp]}, {@code [nat.tcp]} and
 * {@code [nat.icmp]}, the port allocation, the public pool, the neighbors, {@code [admin]},
 * {@code [dataplane]}, {@code pcp.enabled}; the other {@code [pcp]} keys change live). Names are the
 * file's, e.g. {@code nat.timeouts.udp}.
 *
 * @param refused the keys that cannot change while jnat runs, in file order
 * @param changes one line per live change, e.g. {@code nat.timeouts.udp: 5m -> 30s}
 */
public record ConfigDiff(List<String> refused, List<String> changes) {

    public ConfigDiff {
        refused = List.copyOf(refused);
        changes = List.copyOf(changes);
    }

    public static ConfigDiff between(RouterConfig running, RouterConfig next) {
        List<String> refused = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        side(refused, "inside", running.inside(), next.inside());
        side(refused, "outside", running.outside(), next.outside());
        NatConfig a = running.nat(), b = next.nat();
        differs(refused, "nat.mapping", a.mapping(), b.mapping());
        differs(refused, "nat.filtering", a.filtering(), b.filtering());
        differs(refused, "nat.ports", a.portLow() + "-" + a.portHigh(), b.portLow() + "-" + b.portHigh());
        differs(refused, "nat.max-sessions", a.maxSessions(), b.maxSessions());
        differs(refused, "nat.inbound-refresh", a.inboundRefresh(), b.inboundRefresh());
        // The allocator is built once, with its per-port and block state.
        differs(refused, "nat.port-allocation", a.allocation(), b.allocation());
        // The pool sizes the port state and is in every session's row.
        differs(refused, "outside.addresses", explicitPool(running), explicitPool(next));
        protocol(refused, "udp", a, b, a.udp(), b.udp());
        protocol(refused, "tcp", a, b, a.tcp(), b.tcp());
        protocol(refused, "icmp", a, b, a.icmp(), b.icmp());
        change(changes, "nat.max-sessions-per-host", a.maxSessionsPerHost(), b.maxSessionsPerHost());
        change(changes, "nat.hairpinning", a.hairpinning(), b.hairpinning());
        change(changes, "nat.unmatched", a.unmatched().configName(), b.unmatched().configName());
        change(changes, "nat.dmz", host(a.dmz()), host(b.dmz()));
        Timeouts ta = a.timeouts(), tb = b.timeouts();
        change(changes, "nat.timeouts.udp", Durations.format(ta.udpNanos()), Durations.format(tb.udpNanos()));
        change(changes, "nat.timeouts.tcp-established", Durations.format(ta.tcpEstablishedNanos()),
                Durations.format(tb.tcpEstablishedNanos()));
        change(changes, "nat.timeouts.tcp-transitory", Durations.format(ta.tcpTransitoryNanos()),
                Durations.format(tb.tcpTransitoryNanos()));
        change(changes, "nat.timeouts.icmp", Durations.format(ta.icmpNanos()), Durations.format(tb.icmpNanos()));
        differs(refused, "neighbor", running.neighbors(), next.neighbors());
        admin(refused, running.admin(), next.admin());
        // The session log's file is opened once, at start (its writer never reopens it).
        differs(refused, "log.sessions", running.log().sessionsPath(), next.log().sessionsPath());
        DataPlaneConfig da = running.dataPlane(), db = next.dataPlane();
        differs(refused, "dataplane.busy-poll", da.busyPollNanos(), db.busyPollNanos());
        differs(refused, "dataplane.realtime-priority", da.realtimePriority(), db.realtimePriority());
        differs(refused, "dataplane.realtime", da.realtime(), db.realtime());
        differs(refused, "dataplane.cpu", da.cpu(), db.cpu());
        differs(refused, "dataplane.udp-coalesce", da.udpCoalesce(), db.udpCoalesce());
        // The warm-up runs once, before the first frame: like the other data-plane keys, a restart's.
        differs(refused, "dataplane.warm-up", da.warmUp(), db.warmUp());
        // The PCP server is made, and announces itself, at start; its limits apply to requests from then on.
        PcpConfig pa = running.pcp(), pb = next.pcp();
        differs(refused, "pcp.enabled", pa.enabled(), pb.enabled());
        change(changes, "pcp.max-lifetime", Durations.format(pa.maxLifetimeSeconds() * 1_000_000_000L),
                Durations.format(pb.maxLifetimeSeconds() * 1_000_000_000L));
        change(changes, "pcp.max-mappings-per-host", pa.maxMappingsPerHost(), pb.maxMappingsPerHost());
        change(changes, "pcp.allow-third-party", pa.allowThirdParty(), pb.allowThirdParty());
        return new ConfigDiff(refused, changes);
    }

    /** The sentence refusing the reload, naming every key that cannot change; null when none is refused. */
    public String refusal() {
        if (refused.isEmpty()) {
            return null;
        }
        String keys = refused.size() == 1 ? refused.getFirst()
                : String.join(", ", refused.subList(0, refused.size() - 1)) + " and " + refused.getLast();
        return keys + " cannot change while jnat runs; restart jnat to"
                + " apply " + (refused.size() == 1 ? "it" : "them") + " (nothing was changed)";
    }

    /**
     * {@code [nat.udp]} and its kin, which no more change live than [nat]'s keys do. A protocol's
     * key is named only when it changes otherwise than [nat]'s (already named): from or to a value
     * of its own.
     */
    private static void protocol(List<String> refused, String name, NatConfig a, NatConfig b,
            NatConfig.ProtocolBehavior pa, NatConfig.ProtocolBehavior pb) {
        if (!(a.mapping() != b.mapping() && pa.mapping() == a.mapping() && pb.mapping() == b.mapping())) {
            differs(refused, "nat." + name + ".mapping", pa.mapping(), pb.mapping());
        }
        if (!(a.filtering() != b.filtering() && pa.filtering() == a.filtering() && pb.filtering() == b.filtering())) {
            differs(refused, "nat." + name + ".filtering", pa.filtering(), pb.filtering());
        }
        if (!(a.inboundRefresh() != b.inboundRefresh() && pa.inboundRefresh() == a.inboundRefresh()
                && pb.inboundRefresh() == b.inboundRefresh())) {
            differs(refused, "nat." + name + ".inbound-refresh", pa.inboundRefresh(), pb.inboundRefresh());
        }
    }

    private static void side(List<String> refused, String name, InterfaceConfig a, InterfaceConfig b) {
        differs(refused, name + ".device", a.device(), b.device());
        differs(refused, name + ".address", a.address() + "/" + a.prefixLength(), b.address() + "/" + b.prefixLength());
        differs(refused, name + ".mac", a.mac(), b.mac());
        differs(refused, name + ".gateway", a.gateway(), b.gateway());
        differs(refused, name + ".mtu", a.mtu(), b.mtu());
    }

    private static void admin(List<String> refused, AdminConfig a, AdminConfig b) {
        if (a == null || b == null) {
            differs(refused, "admin", a, b);
            return;
        }
        differs(refused, "admin.listen", a.listen(), b.listen());
        differs(refused, "admin.token-file", a.tokenFile(), b.tokenFile());
        differs(refused, "admin.token", a.token(), b.token());
    }

    /** The pool, or null when it is the outside address alone (whose change outside.address names). */
    private static PublicPool explicitPool(RouterConfig config) {
        return config.pool().equals(PublicPool.single(config.outside().address())) ? null : config.pool();
    }

    private static void differs(List<String> refused, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            refused.add(key);
        }
    }

    private static void change(List<String> changes, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            changes.add(key + ": " + a + " -> " + b);
        }
    }

    private static String host(int address) {
        return address == 0 ? "none" : Ipv4Address.toString(address);
    }
}
