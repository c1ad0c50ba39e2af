package org.jnat.app.admin;

import org.jnat.nat.NatEngine;
import org.jnat.pcp.PcpServer;
import org.jnat.runtime.ControlQueue;

/**
 * What the admin API needs of a running data plane: the queue its commands go through and the NAT
 * (and PCP server, or null) whose state those commands read or change (on the data-plane thread,
 * never from an admin thread).
 */
public record DataPlane(ControlQueue control, NatEngine nat, PcpServer pcp) {
    /** A data plane without a PCP server. */
    public DataPlane(ControlQueue control, NatEngine nat) {
        this(control, nat, null);
    }
}
