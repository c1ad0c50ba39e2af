package org.jnat.pcp;

import org.jnat.config.PcpConfig;
import org.jnat.nat.NatTable;
import org.jnat.nat.PinnedMappings;

/**
 * What both protocols' request handlers work on: the NAT's table and pins, the server's mapping
 * lifetimes, its counters, the public address and the {@code [pcp]} limits in force (a reload
 * changes them on the data-plane thread).
 */
abstract sealed class MappingRequests permits PcpRequests, NatPmpRequests {
    final NatTable table;
    final PinnedMappings pins;
    final PcpMappings mappings;
    final PcpCounters count;
    final int publicAddress;
    PcpConfig settings;

    MappingRequests(NatTable table, PcpMappings mappings, PcpCounters count, PcpConfig settings, int publicAddress) {
        this.table = table;
        this.pins = table.pins();
        this.mappings = mappings;
        this.count = count;
        this.settings = settings;
        this.publicAddress = publicAddress;
    }

    /** New limits, for requests from now on. */
    final void settings(PcpConfig settings) {
        this.settings = settings;
    }

    /** Seconds of a requested lifetime granted: no more than {@code max-lifetime}. */
    final long granted(long requested) {
        return Math.min(requested, settings.maxLifetimeSeconds());
    }
}
