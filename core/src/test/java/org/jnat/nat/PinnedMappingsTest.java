package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import org.jnat.config.NatConfig;
import org.jnat.config.NatConfig.Behavior;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/** Pinned (PCP) mappings as the NAT keeps them: ports, filters, quotas, and their end. */
class PinnedMappingsTest {
    static final int X = 0xc0a8010a, X2 = 0xc0a8010b;
    static final int Y1 = 0xc6336401, Y2 = 0xc6336402, Z = 0x08080808;
    static final int TCP = IpProtocol.TCP, UDP = IpProtocol.UDP;

    private static NatTable table(Behavior mapping, int perHost) {
        return new NatTable(NatConfig.defaults().withBehavior(mapping, Behavior.ADDRESS_AND_PORT_DEPENDENT)
                .withPorts(1024, 65535).withLimits(1024, perHost), 1);
    }

    @Test
    void suggestedPortWhenFreeAndEveryPeerComesIn() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        int slot = t.pin(of(TCP, X, 8080), 9000, false, 0);
        assertThat(slot).isNotNegative();
        assertThat(t.pins().externalPort(slot)).isEqualTo(9000);
        // unsolicited inbound from any peer reaches the host, whatever the configured filtering
        int id = t.inbound(9000, of(TCP, Y1, 40000), TcpSegment.SYN, 1);
        assertThat(id).isNotNegative();
        assertThat(t.sessions().insidePort(id)).isEqualTo(8080);
        assertThat(t.inbound(9000, of(TCP, Y2, 40001), TcpSegment.SYN, 1)).isNotNegative();
        // outbound from the pinned endpoint uses the pinned port
        int out = t.outbound(of(TCP, X, 8080), of(TCP, Z, 443), TcpSegment.SYN, 2);
        assertThat(t.sessions().externalPort(out)).isEqualTo(9000);
        NatInvariants.check(t);
    }

    @Test
    void aPinAgainIsTheSameSlot() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        int slot = t.pin(of(UDP, X, 5000), 0, false, 0);
        assertThat(t.pin(of(UDP, X, 5000), 7000, true, 0)).isEqualTo(slot);
        assertThat(t.pins().externalPort(slot)).isEqualTo(5000); // port preservation without a suggestion
    }

    @Test
    void takenSuggestionGoesElsewhereOrFailsWithPreferFailure() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        assertThat(t.pin(of(TCP, X, 8080), 9000, false, 0)).isNotNegative();
        assertThat(t.pin(of(TCP, X2, 8080), 9000, true, 0)).isEqualTo(NatTable.NO_PORT);
        int other = t.pin(of(TCP, X2, 8080), 9000, false, 0);
        assertThat(other).isNotNegative();
        assertThat(t.pins().externalPort(other)).isNotEqualTo(9000);
        NatInvariants.check(t);
    }

    @Test
    void neverAForwardsPort() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        t.ports().reserve(TCP, 9000);
        assertThat(t.pin(of(TCP, X, 8080), 9000, true, 0)).isEqualTo(NatTable.NO_PORT);
        int slot = t.pin(of(TCP, X, 8080), 9000, false, 0);
        assertThat(t.pins().externalPort(slot)).isNotEqualTo(9000);
    }

    @Test
    void filtersLetOnlyTheirPeersIn() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        int slot = t.pin(of(UDP, X, 5000), 0, false, 0);
        assertThat(t.pins().addFilter(slot, Y1 & 0xffffff00, 24, 0)).isTrue();
        assertThat(t.pins().addFilter(slot, Z, 32, 53)).isTrue();
        assertThat(t.inbound(5000, of(UDP, Y2, 1), 0, 1)).isNotNegative(); // 198.51.100.0/24
        assertThat(t.inbound(5000, of(UDP, Z, 54), 0, 1)).isEqualTo(NatTable.FILTERED);
        assertThat(t.inbound(5000, of(UDP, Z, 53), 0, 1)).isNotNegative();
        assertThat(t.inbound(5000, of(UDP, 0x01010101, 53), 0, 1)).isEqualTo(NatTable.FILTERED);
        for (int i = 2; i < PinnedMappings.MAX_FILTERS; i++) {
            assertThat(t.pins().addFilter(slot, 0x0a000000 + i, 32, 0)).isTrue();
        }
        assertThat(t.pins().addFilter(slot, 0x0b000000, 32, 0)).isFalse();
        t.pins().clearFilters(slot);
        assertThat(t.inbound(5000, of(UDP, 0x01010101, 53), 0, 1)).isNotNegative();
    }

    @Test
    void pinsCountInTheHostsQuota() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 2);
        assertThat(t.pin(of(UDP, X, 5000), 0, false, 0)).isNotNegative();
        assertThat(t.outbound(of(UDP, X, 6000), of(UDP, Z, 53), 0, 0)).isNotNegative();
        assertThat(t.pin(of(UDP, X, 5001), 0, false, 0)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(t.outbound(of(UDP, X, 6001), of(UDP, Z, 53), 0, 0)).isEqualTo(NatTable.HOST_QUOTA);
        assertThat(t.pins().of(X)).isEqualTo(1);
    }

    @Test
    void unpinFreesThePortOnceNoSessionUsesIt() {
        NatTable t = table(Behavior.ENDPOINT_INDEPENDENT, 64);
        int slot = t.pin(of(UDP, X, 5000), 0, false, 0);
        int id = t.inbound(5000, of(UDP, Y1, 1), 0, 1);
        t.unpin(slot, 2);
        assertThat(t.pins().size()).isZero();
        assertThat(t.ports().owner(UDP, 5000)).isNotNegative(); // the session still uses it
        NatInvariants.check(t);
        t.delete(id, 3);
        assertThat(t.ports().owner(UDP, 5000)).isEqualTo(PortAllocator.FREE);
        assertThat(t.mappings().size()).isZero();
        NatInvariants.check(t);
    }

    @Test
    void aDependentMappingStillUsesThePinForNewPeers() {
        NatTable t = table(Behavior.ADDRESS_AND_PORT_DEPENDENT, 64);
        int slot = t.pin(of(UDP, X, 5000), 6000, false, 0);
        int a = t.outbound(of(UDP, X, 5000), of(UDP, Y1, 1), 0, 1);
        int b = t.outbound(of(UDP, X, 5000), of(UDP, Y2, 2), 0, 1);
        assertThat(t.sessions().externalPort(a)).isEqualTo(6000);
        assertThat(t.sessions().externalPort(b)).isEqualTo(6000);
        assertThat(t.pins().externalPort(slot)).isEqualTo(6000);
        NatInvariants.check(t);
    }
}
