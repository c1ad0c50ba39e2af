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
        ProtocolBehavior udp,
        ProtocolBehavior tcp,
        ProtocolBehavior icmp) {

    /** Every protocol behaving as {@code [nat]} says (no {@code [nat.udp]}, {@code [nat.tcp]} or {@code [nat.icmp]}). */
    public NatConfig(Behavior mapping, Behavior filtering, int portLow, int portHigh, int maxSessions,
            int maxSessionsPerHost, boolean hairpinning, Unmatched unmatched, int dmz, Timeouts timeouts,
            boolean inboundRefresh) {
        this(mapping, filtering, portLow, portHigh, maxSessions, maxSessionsPerHost, hairpinning, unmatched, dmz,
                timeouts, inboundRefresh, new ProtocolBehavior(mapping, filtering, inboundRefresh),
                new ProtocolBehavior(mapping, filtering, inboundRefresh),
                new ProtocolBehavior(mapping, filtering, inboundRefresh));
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
        return new NatConfig(Behavior.ENDPOINT_INDEPENDENT, Behavior.ADDRESS_AND_PORT_DEPENDENT, 1, 65535,
                1 << 20, 8192, true, Unmatched.DROP, 0, Timeouts.defaults(), false);
    }
}
