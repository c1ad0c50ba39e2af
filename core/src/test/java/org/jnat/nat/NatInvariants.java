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
import org.jnat.testing.Require;
import org.jnat.wire.IpProtocol;

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
        // (protocol, external port, remote address) packed in a long: protocol << 48 | port << 32 | address.
        Map<Long, Integer> perFilterKey = new HashMap<>();
        Map<Integer, Set<Integer>> closedPerHost = new HashMap<>();
        int live = 0;
        long[] kinds = new long[SessionGauges.SIZE];
        for (int id = 0; id < s.capacity(); id++) {
            if (!s.isLive(id)) {
                Require.isTrue(!t.store().scheduled(id), "free row %d on the wheel", id);
                continue;
            }
            live++;
            int protocol = s.protocol(id);
            kinds[SessionGauges.kind(protocol, s.flags(id))]++;
            int host = s.insideAddress(id);
            Require.isTrue(t.store().scheduled(id), "session %d on the wheel", id);
            long remote = of(protocol, s.remoteAddress(id), s.remotePort(id));
            Require.equal(s.findInside(of(protocol, host, s.insidePort(id)), remote), id,
                    "session %d by its inside key", id);
            Require.equal(s.findOutside(s.externalPort(id), remote), id, "session %d by its outside key", id);
            perHost.merge(host, 1, Integer::sum);
            int m = s.mapping(id);
            if (m >= 0) {
                perMapping.merge(m, 1, Integer::sum);
                Require.equal(t.ports().owner(protocol, s.externalPort(id)), m, "owner of session %d's port", id);
                Require.equal(t.mappings().externalPort(m), s.externalPort(id), "external port of mapping %d", m);
            }
            perFilterKey.merge((long) protocol << 48 | (long) s.externalPort(id) << 32
                    | (s.remoteAddress(id) & 0xffff_ffffL), 1, Integer::sum);
            if (protocol == org.jnat.wire.IpProtocol.TCP
                    && TcpTracker.isClosed(s.flags(id) & TcpTracker.STATE_MASK)) {
                closedPerHost.computeIfAbsent(host, h -> new HashSet<>()).add(id);
            }
        }
        Require.equal(live, t.size(), "live sessions against the table's size");
        long[] gauges = new long[SessionReader.GAUGES];
        t.reader().gauges(gauges);
        if (!java.util.Arrays.equals(gauges, 0, SessionGauges.SIZE, kinds, 0, SessionGauges.SIZE)) {
            assertThat(java.util.Arrays.copyOf(gauges, SessionGauges.SIZE)).as("sessions by kind").containsExactly(kinds);
        }
        Require.equal(gauges[SessionReader.GAUGE_SESSIONS], live, "sessions gauge");
        Require.equal(gauges[SessionReader.GAUGE_HOSTS], perHost.size(), "hosts gauge");
        for (var e : perHost.entrySet()) {
            Require.equal(t.sessionsOf(e.getKey()), e.getValue(), "sessions of host %08x",
                    e.getKey() & 0xffff_ffffL);
        }
        Require.equal(t.mappings().size(), perMapping.size(), "mappings alive exactly while referenced");
        for (var e : perMapping.entrySet()) {
            Require.equal(t.mappings().references(e.getKey()), e.getValue(), "references of mapping %d", e.getKey());
        }
        for (var e : perFilterKey.entrySet()) {
            long key = e.getKey();
            int protocol = (int) (key >>> 48);
            int port = (int) (key >>> 32) & 0xffff;
            int address = (int) key;
            int count = t.store().filterCount(protocol, port, address);
            // Only address-dependent filtering keeps counts (-1 means no filter table); there they are exact.
            boolean kept = t.filtering(IpProtocol.UDP) == NatConfig.Behavior.ADDRESS_DEPENDENT
                    || t.filtering(IpProtocol.TCP) == NatConfig.Behavior.ADDRESS_DEPENDENT
                    || t.filtering(IpProtocol.ICMP) == NatConfig.Behavior.ADDRESS_DEPENDENT;
            int expected = kept ? e.getValue() : -1;
            if (count != expected) {
                assertThat(count).as("filter count of %s under %s filtering", List.of(protocol, port, address),
                                t.filtering(protocol))
                        .isEqualTo(expected);
            }
        }
        for (int host : perHost.keySet()) {
            Set<Integer> expected = closedPerHost.getOrDefault(host, Set.of());
            List<Integer> closed = closedList(t, host);
            // The same as containsExactlyInAnyOrder (no duplicates: the list is a cycle of distinct
            // ids, which closedList bounds by the table's size), with AssertJ's message on failure.
            if (closed.size() != expected.size() || !expected.containsAll(closed)
                    || new HashSet<>(closed).size() != closed.size()) {
                assertThat(closed).as("closed sessions of host %08x", host).containsExactlyInAnyOrderElementsOf(expected);
            }
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
            Require.equal(c.previous(c.next(id)), id, "links of %d", id);
            Require.atMost(list.size(), t.size(), "a cycle back to the oldest (%d)", oldest);
            id = c.next(id);
        } while (id != oldest);
        return list;
    }
}
