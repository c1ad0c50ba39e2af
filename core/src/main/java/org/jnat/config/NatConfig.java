package org.jnat.config;

import org.jnat.wire.IpProtocol;

/**
 * The {@code [nat]} and {@code [nat.timeouts]} tables.
 *
 * @param mapping            RFC 4787 mapping behaviour
 * @param filtering          RFC 4787 filtering behaviour
 * @param portLow            first public port jnat may allocate
 * @param portHigh           last public port jnat may allocate
 * @param maxSessions        the most sessions the table holds
 * @param maxSessionsPerHost the most sessions one inside host may hold
 * @param hairpinning        inside hosts reach each other through the public address (REQ-9)
 * @param unmatched          what happens to inbound traffic no session, forward or DMZ takes
 * @param dmz                the DMZ host, or 0 for none
 * @param timeouts           session idle timeouts
 * @param inboundRefresh     whether inbound packets refresh a session (RFC 4787 REQ-6 leaves it open)
 * @param allocation         how a new mapping's external port is chosen ({@code port-allocation})
 * @param udp                the behaviour of UDP: {@code [nat.udp]}, else the three keys above
 * @param tcp                the behaviour of TCP: {@code [nat.tcp]}, else the three keys above
 * @param icmp               the behaviour of ICMP queries: {@code [nat.icmp]}, else the keys above
 */
public record NatConfig(
        Behavior mapping,
        Behavior filtering,
        int portLow,
        int portHigh,
        int maxSessions,
        int maxSessionsPerHost,
        boolean hairpinning,
        Unmatched unmatched,
        int dmz,
        Timeouts timeouts,
        boolean inboundRefresh,
        PortAllocation allocation,
        ProtocolBehavior udp,
        ProtocolBehavior tcp,
        ProtocolBehavior icmp) {

    // The withers below let a caller (mostly a test) say which keys differ from defaults()
    // by name, instead of in a long positional list of ints and booleans.

    /** This configuration with another port allocation ({@code port-allocation}). */
    public NatConfig withAllocation(PortAllocation allocation) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /**
     * With {@code mapping} and {@code filtering}, for every protocol too, as in a file without
     * {@code [nat.udp]}, {@code [nat.tcp]} or {@code [nat.icmp]} (so call {@link #withProtocols} after it).
     */
    public NatConfig withBehavior(Behavior mapping, Behavior filtering) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation,
                new ProtocolBehavior(mapping, filtering, udp.inboundRefresh()),
                new ProtocolBehavior(mapping, filtering, tcp.inboundRefresh()),
                new ProtocolBehavior(mapping, filtering, icmp.inboundRefresh()));
    }

    /** With {@code ports = "low-high"}. */
    public NatConfig withPorts(int low, int high) {
        return new NatConfig(mapping, filtering, low, high, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /** With {@code max-sessions} and {@code max-sessions-per-host}. */
    public NatConfig withLimits(int maxSessions, int maxSessionsPerHost) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /** With {@code hairpinning}. */
    public NatConfig withHairpinning(boolean hairpinning) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /** With {@code unmatched}. */
    public NatConfig withUnmatched(Unmatched unmatched) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /** With {@code dmz} (0: none). */
    public NatConfig withDmz(int dmz) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /** With {@code [nat.timeouts]}. */
    public NatConfig withTimeouts(Timeouts timeouts) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /**
     * With {@code inbound-refresh}, for every protocol too, as in a file without {@code [nat.udp]},
     * {@code [nat.tcp]} or {@code [nat.icmp]} (so call {@link #withProtocols} after it).
     */
    public NatConfig withInboundRefresh(boolean inboundRefresh) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation,
                new ProtocolBehavior(udp.mapping(), udp.filtering(), inboundRefresh),
                new ProtocolBehavior(tcp.mapping(), tcp.filtering(), inboundRefresh),
                new ProtocolBehavior(icmp.mapping(), icmp.filtering(), inboundRefresh));
    }

    /** With {@code [nat.udp]}, {@code [nat.tcp]} and {@code [nat.icmp]}. */
    public NatConfig withProtocols(ProtocolBehavior udp, ProtocolBehavior tcp, ProtocolBehavior icmp) {
        return new NatConfig(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning,
                unmatched, dmz, timeouts, inboundRefresh, allocation, udp, tcp, icmp);
    }

    /**
     * The keys of {@code [nat]} that {@code [nat.udp]}, {@code [nat.tcp]} and {@code [nat.icmp]} may
     * set for their protocol alone (their timeouts are {@link Timeouts}' already).
     */
    public record ProtocolBehavior(Behavior mapping, Behavior filtering, boolean inboundRefresh) {
    }

    /** The behaviour of IP protocol {@code protocol} (TCP, UDP, else ICMP). */
    public ProtocolBehavior behavior(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> tcp;
            case IpProtocol.UDP -> udp;
            default -> icmp;
        };
    }

    /** RFC 4787 section 4.1 (mapping) and 5 (filtering). */
    public enum Behavior {
        ENDPOINT_INDEPENDENT("endpoint-independent"),
        ADDRESS_DEPENDENT("address-dependent"),
        ADDRESS_AND_PORT_DEPENDENT("address-and-port-dependent");

        private final String configName;

        Behavior(String configName) {
            this.configName = configName;
        }

        /** The spelling used in the config file. */
        public String configName() {
            return configName;
        }
    }

    public enum Unmatched {
        /** Silently drop. */
        DROP("drop"),
        /** Answer with a TCP RST or an ICMP port unreachable, rate-limited. */
        REJECT("reject");

        private final String configName;

        Unmatched(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** The defaults of DESIGN section 4. */
    public static NatConfig defaults() {
        ProtocolBehavior all = new ProtocolBehavior(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT,
                false);
        return new NatConfig(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 1, 65535,
                1 << 20, 8192, true, Unmatched.DROP, 0, Timeouts.defaults(), false, PortAllocation.defaults(),
                all, all, all);
    }
}
