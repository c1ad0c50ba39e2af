package org.jnat.config;

import java.util.List;

/**
 * The whole, validated configuration of one router: the records the TOML file of DESIGN section 4
 * is loaded into. Everything here has been checked; code that takes a RouterConfig need not check
 * again. {@code dataPlane}, {@code log}, {@code pcp} and {@code pool} may be given as null: their
 * defaults (the default {@code [dataplane]}, no session log, no PCP server, the outside address as the
 * one public address).
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

    /** This configuration with {@code forwards} instead of its own (a reload's, or the API's, in force). */
    public RouterConfig withForwards(List<ForwardRule> forwards) {
        return new RouterConfig(inside, outside, nat, forwards, neighbors, admin, dataPlane, log, pcp, pool);
    }
}
