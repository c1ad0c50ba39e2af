package org.jnat.config;

import java.util.List;

/**
 * The whole, validated configuration of one router: the records the TOML file of DESIGN section 4
 * is loaded into. Everything here has been checked; code that takes a RouterConfig need not check
 * again.
 */
public record RouterConfig(
        InterfaceConfig inside,
        InterfaceConfig outside,
        NatConfig nat,
        List<ForwardRule> forwards,
        List<StaticNeighbor> neighbors,
        AdminConfig admin,
        DataPlaneConfig dataPlane,
        LogConfig log,
        PcpConfig pcp,
        PublicPool pool) {

    public RouterConfig {
        forwards = List.copyOf(forwards);
        neighbors = List.copyOf(neighbors);
        if (dataPlane == null) {
            dataPlane = DataPlaneConfig.DEFAULT;
        }
        if (log == null) {
            log = LogConfig.NONE;
        }
        if (pcp == null) {
            pcp = PcpConfig.DEFAULT;
        }
        if (pool == null) {
            pool = PublicPool.single(outside.address());
        }
    }

    /** A configuration without a PCP server, whose only public address is the outside interface's. */
    public RouterConfig(InterfaceConfig inside, InterfaceConfig outside, NatConfig nat, List<ForwardRule> forwards,
                        List<StaticNeighbor> neighbors, AdminConfig admin, DataPlaneConfig dataPlane, LogConfig log) {
        this(inside, outside, nat, forwards, neighbors, admin, dataPlane, log, PcpConfig.DEFAULT, null);
    }

    /** A configuration whose only public address is the outside interface's. */
    public RouterConfig(InterfaceConfig inside, InterfaceConfig outside, NatConfig nat, List<ForwardRule> forwards,
                        List<StaticNeighbor> neighbors, AdminConfig admin, DataPlaneConfig dataPlane, LogConfig log,
                        PcpConfig pcp) {
        this(inside, outside, nat, forwards, neighbors, admin, dataPlane, log, pcp, null);
    }

    /** A configuration without a session log. */
    public RouterConfig(InterfaceConfig inside, InterfaceConfig outside, NatConfig nat, List<ForwardRule> forwards,
                        List<StaticNeighbor> neighbors, AdminConfig admin, DataPlaneConfig dataPlane) {
        this(inside, outside, nat, forwards, neighbors, admin, dataPlane, LogConfig.NONE, PcpConfig.DEFAULT);
    }

    /** A configuration with the default {@code [dataplane]} settings. */
    public RouterConfig(InterfaceConfig inside, InterfaceConfig outside, NatConfig nat, List<ForwardRule> forwards,
                        List<StaticNeighbor> neighbors, AdminConfig admin) {
        this(inside, outside, nat, forwards, neighbors, admin, DataPlaneConfig.DEFAULT, LogConfig.NONE, PcpConfig.DEFAULT);
    }
}
