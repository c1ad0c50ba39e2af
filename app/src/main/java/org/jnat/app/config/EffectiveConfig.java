package org.jnat.app.config;

import org.jnat.config.DataPlaneConfig;
import org.jnat.config.PcpConfig;
import org.jnat.config.ForwardRule;
import org.jnat.config.InterfaceConfig;
import org.jnat.config.NatConfig;
import org.jnat.config.PublicPool;
import org.jnat.config.RouterConfig;
import org.jnat.config.StaticNeighbor;
import org.jnat.config.Timeouts;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;

/**
 * Writes a {@link RouterConfig} back as TOML in the shape of DESIGN section 4, every default
 * filled in, so that {@code jnat check} shows what the router will really do. Optional settings
 * that are off appear as comments. {@link ConfigLoader} reads the output back to the same config.
 */
public final class EffectiveConfig {
    private EffectiveConfig() {
    }

    public static String toToml(RouterConfig config) {
        return toToml(config, false);
    }

    /**
     * As {@link #toToml(RouterConfig)}; with {@code hideSecrets} an inline admin token is left out
     * (for the admin API, whose reads need no token on loopback). A token file is named, never read out.
     */
    public static String toToml(RouterConfig config, boolean hideSecrets) {
        return toToml(config, hideSecrets, null);
    }

    /**
     * As {@link #toToml(RouterConfig, boolean)}, naming in {@code [nat]} the profile that
     * {@code origins} (of the file the config was loaded from; null: none) says the file chose.
     */
    public static String toToml(RouterConfig config, boolean hideSecrets, Origins origins) {
        StringBuilder out = new StringBuilder();
        out.append("# The effective configuration: the file as jnat reads it, defaults filled in.\n\n");
        side(out, "inside", config.inside());
        side(out, "outside", config.outside(), config.pool());
        nat(out, config.nat(), origins == null ? null : origins.profile());
        if (config.pool().dmzAddress() != 0) {
            // (a key of [nat], printed after it: the pool is [outside]'s)
            out.insert(out.lastIndexOf("\n[nat.timeouts]"), "dmz-address = "
                    + quoted(Ipv4Address.toString(config.pool().dmzAddress())) + "\n");
        }
        for (ForwardRule rule : config.forwards()) {
            out.append("[[forward]]\n");
            entry(out, "protocol", quoted(protocol(rule)));
            entry(out, "port", quoted(port(rule)));
            entry(out, "to", quoted(to(rule)));
            if (rule.address() != 0) {
                entry(out, "address", quoted(Ipv4Address.toString(rule.address())));
            }
            out.append('\n');
        }
        for (StaticNeighbor neighbor : config.neighbors()) {
            out.append("[[neighbor]]\n");
            entry(out, "address", quoted(Ipv4Address.toString(neighbor.address())));
            entry(out, "mac", quoted(MacAddress.toString(neighbor.mac())));
            out.append('\n');
        }
        if (config.admin() == null) {
            out.append("# [admin] is not set: the admin API is off.\n");
        } else {
            out.append("[admin]\n");
            entry(out, "listen", quoted(config.admin().listen()));
            if (config.admin().tokenFile() != null) {
                entry(out, "token-file", quoted(config.admin().tokenFile()));
            } else if (config.admin().hasToken() && !hideSecrets) {
                entry(out, "token", quoted(config.admin().token()));
            } else if (config.admin().hasToken()) {
                out.append("# token is set (not shown).\n");
            } else {
                out.append("# no token: reads only, from this machine; every change is refused.\n");
            }
        }
        DataPlaneConfig d = config.dataPlane();
        out.append("\n[dataplane]\n");
        entry(out, "busy-poll", quoted(Durations.format(d.busyPollNanos())));
        entry(out, "realtime-priority", Integer.toString(d.realtimePriority()));
        if (d.realtimePriority() > 0) {
            entry(out, "realtime", quoted(d.realtime().configName()));
        }
        if (d.cpu() < 0) {
            out.append("# cpu is not set: the data-plane thread runs on any CPU.\n");
        } else {
            entry(out, "cpu", Integer.toString(d.cpu()));
        }
        entry(out, "udp-coalesce", Boolean.toString(d.udpCoalesce()));
        entry(out, "warm-up", Boolean.toString(d.warmUp()));
        if (config.log().logsSessions()) {
            out.append("\n[log]\n");
            entry(out, "sessions", quoted(config.log().sessions()));
            if (!config.log().sessions().equals(config.log().sessionsPath())) {
                out.append("# that is ").append(config.log().sessionsPath()).append('\n');
            }
        } else {
            out.append("\n# [log] sessions is not set: no session log.\n");
        }
        PcpConfig pcp = config.pcp();
        out.append("\n[pcp]\n");
        entry(out, "enabled", Boolean.toString(pcp.enabled()));
        entry(out, "max-lifetime", quoted(Durations.format(pcp.maxLifetimeSeconds() * 1_000_000_000L)));
        entry(out, "max-mappings-per-host", Integer.toString(pcp.maxMappingsPerHost()));
        entry(out, "allow-third-party", Boolean.toString(pcp.allowThirdParty()));
        return out.toString();
    }

    /** A forward's {@code protocol} as the file spells it: "tcp" or "udp". */
    public static String protocol(ForwardRule rule) {
        return rule.protocol() == IpProtocol.TCP ? "tcp" : "udp";
    }

    /** A forward's {@code port} as the file spells it: "8080" or "8000-8010". */
    public static String port(ForwardRule rule) {
        return rule.portLow() == rule.portHigh() ? Integer.toString(rule.portLow())
                : rule.portLow() + "-" + rule.portHigh();
    }

    /** A forward's {@code to} as the file spells it: "HOST" or "HOST:PORT". */
    public static String to(ForwardRule rule) {
        return Ipv4Address.toString(rule.toAddress()) + (rule.toPort() == 0 ? "" : ":" + rule.toPort());
    }

    private static void side(StringBuilder out, String name, InterfaceConfig c, PublicPool pool) {
        side(out, name, c);
        out.setLength(out.length() - 1); // before the blank line
        if (pool.addresses().equals(java.util.List.of(c.address())) && pool.pooling() == PublicPool.Pooling.PAIRED) {
            out.append("# addresses is not set: the outside address is the one public address.\n");
        } else {
            entry(out, "addresses", "[" + String.join(", ", pool.addresses().stream()
                    .map(a -> quoted(Ipv4Address.toString(a))).toList()) + "]");
            entry(out, "pooling", quoted(pool.pooling().configName()));
        }
        out.append('\n');
    }

    private static void side(StringBuilder out, String name, InterfaceConfig c) {
        out.append('[').append(name).append("]\n");
        entry(out, "device", quoted(c.device()));
        entry(out, "address", quoted(Ipv4Address.toString(c.address()) + "/" + c.prefixLength()));
        if (c.gateway() != 0) {
            entry(out, "gateway", quoted(Ipv4Address.toString(c.gateway())));
        }
        if (c.mac() == -1) {
            out.append("# mac is not set: the device's own address, or a generated one, is used.\n");
        } else {
            entry(out, "mac", quoted(MacAddress.toString(c.mac())));
        }
        entry(out, "mtu", Integer.toString(c.mtu()));
        out.append('\n');
    }

    private static void nat(StringBuilder out, NatConfig n, String profile) {
        out.append("[nat]\n");
        if (profile != null) {
            entry(out, "profile", quoted(profile));
        }
        entry(out, "mapping", quoted(n.mapping().configName()));
        entry(out, "filtering", quoted(n.filtering().configName()));
        entry(out, "ports", quoted(n.portLow() + "-" + n.portHigh()));
        entry(out, "max-sessions", Integer.toString(n.maxSessions()));
        entry(out, "max-sessions-per-host", Integer.toString(n.maxSessionsPerHost()));
        entry(out, "hairpinning", Boolean.toString(n.hairpinning()));
        entry(out, "unmatched", quoted(n.unmatched().configName()));
        if (n.dmz() == 0) {
            out.append("# dmz is not set: no DMZ host.\n");
        } else {
            entry(out, "dmz", quoted(Ipv4Address.toString(n.dmz())));
        }
        entry(out, "inbound-refresh", Boolean.toString(n.inboundRefresh()));
        org.jnat.config.PortAllocation a = n.allocation();
        entry(out, "port-allocation", quoted(a.mode().configName()));
        entry(out, "port-stride", Integer.toString(a.stride()));
        entry(out, "port-block-size", Integer.toString(a.blockSize()));
        entry(out, "deterministic", Boolean.toString(a.deterministic()));
        out.append('\n');
        Timeouts t = n.timeouts();
        out.append("[nat.timeouts]\n");
        entry(out, "udp", quoted(Durations.format(t.udpNanos())));
        entry(out, "tcp-established", quoted(Durations.format(t.tcpEstablishedNanos())));
        entry(out, "tcp-transitory", quoted(Durations.format(t.tcpTransitoryNanos())));
        entry(out, "icmp", quoted(Durations.format(t.icmpNanos())));
        out.append('\n');
        protocol(out, "udp", n.udp(), true);
        protocol(out, "tcp", n.tcp(), true);
        protocol(out, "icmp", n.icmp(), false);
    }

    /** {@code [nat.udp]} and its kin: the protocol's behaviour, whether its own or [nat]'s (its timeouts are above). */
    private static void protocol(StringBuilder out, String name, NatConfig.ProtocolBehavior b, boolean filtering) {
        out.append("[nat.").append(name).append("]\n");
        entry(out, "mapping", quoted(b.mapping().configName()));
        if (filtering) {
            entry(out, "filtering", quoted(b.filtering().configName()));
        }
        entry(out, "inbound-refresh", Boolean.toString(b.inboundRefresh()));
        out.append('\n');
    }

    private static void entry(StringBuilder out, String key, String value) {
        out.append(key).append(" = ").append(value).append('\n');
    }

    private static String quoted(String text) {
        return "\"" + org.tomlj.Toml.tomlEscape(text) + "\"";
    }
}
