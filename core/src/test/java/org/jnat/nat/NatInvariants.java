package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jnat.config.NatConfig;

/**
 * The bookkeeping of a {@link NatTable} agrees with its sessions, walked from scratch: every live
 * session is on the timer wheel and reachable by both keys; host counts, mapping references, port
 * owners and address-dependent filter counts are what the sessions add up to; each host's list of
 * closed TCP sessions holds exactly its live closed TCP sessions, as a well-formed cycle.
 */
final class NatInvariants {
    private NatInvariants() {
    }

    static void check(NatTable t) {
        SessionTable s = t.sessions();
        Map<Integer, Integer> perHost = new HashMap<>();
        Map<Integer, Integer> perMapping = new HashMap<>();
        Map<List<Integer>, Integer> perFilterKey = new HashMap<>();
        Map<Integer, Set<Integer>> closedPerHost = new HashMap<>();
        int live = 0;
        long[] kinds = new long[SessionGauges.SIZE];
        for (int id = 0; id < s.capacity(); id++) {
            if (!s.isLive(id)) {
                assertThat(t.store().scheduled(id)).as("free row %d on the wheel", id).isFalse();
                continue;
            }
            live++;
            int protocol = s.protocol(id);
            kinds[SessionGauges.kind(protocol, s.flags(id))]++;
            int host = s.insideAddress(id);
            assertThat(t.store().scheduled(id)).as("session %d on the wheel", id).isTrue();
            long remote = of(protocol, s.remoteAddress(id), s.remotePort(id));
            assertThat(s.findInside(of(protocol, host, s.insidePort(id)), remote))
                    .as("session %d by its inside key", id).isEqualTo(id);
            assertThat(s.findOutside(s.externalPort(id), remote))
                    .as("session %d by its outside key", id).isEqualTo(id);
            perHost.merge(host, 1, Integer::sum);
            int m = s.mapping(id);
            if (m >= 0) {
                perMapping.merge(m, 1, Integer::sum);
                assertThat(t.ports().owner(protocol, s.externalPort(id))).as("owner of session %d's port", id)
                        .isEqualTo(m);
                assertThat(t.mappings().externalPort(m)).isEqualTo(s.externalPort(id));
            }
            perFilterKey.merge(List.of(protocol, s.externalPort(id), s.remoteAddress(id)), 1, Integer::sum);
            if (protocol == org.jnat.wire.IpProtocol.TCP
                    && TcpTracker.isClosed(s.flags(id) & TcpTracker.STATE_MASK)) {
                closedPerHost.computeIfAbsent(host, h -> new HashSet<>()).add(id);
            }
        }
        assertThat(live).isEqualTo(t.size());
        long[] gauges = new long[SessionReader.GAUGES];
        t.reader().gauges(gauges);
        assertThat(java.util.Arrays.copyOf(gauges, SessionGauges.SIZE)).as("sessions by kind").containsExactly(kinds);
        assertThat(gauges[SessionReader.GAUGE_SESSIONS]).isEqualTo(live);
        assertThat(gauges[SessionReader.GAUGE_HOSTS]).isEqualTo(perHost.size());
        for (var e : perHost.entrySet()) {
            assertThat(t.sessionsOf(e.getKey())).as("sessions of host %08x", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(t.mappings().size()).as("mappings alive exactly while referenced").isEqualTo(perMapping.size());
        for (var e : perMapping.entrySet()) {
            assertThat(t.mappings().references(e.getKey())).as("references of mapping %d", e.getKey())
                    .isEqualTo(e.getValue());
        }
        for (var e : perFilterKey.entrySet()) {
            int count = t.store().filterCount(e.getKey().get(0), e.getKey().get(1), e.getKey().get(2));
            // Only address-dependent filtering keeps counts (-1 means no filter table); there they are exact.
            int expected = t.filtering() == NatConfig.Behavior.ADDRESS_DEPENDENT ? e.getValue() : -1;
            assertThat(count).as("filter count of %s under %s filtering", e.getKey(), t.filtering())
                    .isEqualTo(expected);
        }
        for (int host : perHost.keySet()) {
            Set<Integer> expected = closedPerHost.getOrDefault(host, Set.of());
            assertThat(closedList(t, host)).as("closed sessions of host %08x", host)
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** Host {@code address}'s closed sessions, oldest first, checking the links both ways. */
    static List<Integer> closedList(NatTable t, int address) {
        List<Integer> list = new ArrayList<>();
        int oldest = t.oldestClosed(address);
        if (oldest < 0) {
            return list;
        }
        ClosedSessions c = t.store().closedSessions();
        int id = oldest;
        do {
            list.add(id);
            assertThat(c.previous(c.next(id))).as("links of %d", id).isEqualTo(id);
            assertThat(list.size()).as("a cycle back to the oldest").isLessThanOrEqualTo(t.size());
            id = c.next(id);
        } while (id != oldest);
        return list;
    }
}
