package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.jnat.config.NatConfig;
import org.jnat.testing.Require;
import org.jnat.wire.IpProtocol;

/**
 * The bookkeeping of a {@link NatTable} agrees with its sessions, walked from scratch: every live
 * session is on the timer wheel and reachable by both keys; host counts, mapping references, port
 * owners and address-dependent filter counts are what the sessions add up to; each host's list of
 * closed TCP sessions holds exactly its live closed TCP sessions, as a well-formed cycle.
 *
 * <p>The fuzz property runs this after every step of every input, so it allocates nothing unless a
 * check fails: the tallies are sorted primitive arrays in a {@link Walk} kept per thread and table
 * size (the maps and boxed keys it used before made a third of the fuzzer's time and most of its
 * garbage). On a failure the message is the one AssertJ gave before.
 */
final class NatInvariants {
    private NatInvariants() {
    }

    /** What one walk over the table gathered: the live sessions and their fields, and the distinct hosts. */
    static final class Walk {
        /** Per live session, in row order: its id and fields. */
        final int[] ids;
        final int[] protocol;
        final int[] insideAddress;
        final int[] insidePort;
        final int[] externalPort;
        int live;
        /** The distinct inside hosts of live sessions, ascending, and how many sessions each has. */
        final int[] hosts;
        final int[] hostCounts;
        int hostCount;
        private final long[] sorted;
        private final long[] kinds = new long[SessionGauges.SIZE];
        private final long[] gauges = new long[SessionReader.GAUGES];
        private final int[] references;
        /** Per row: live, closed TCP session (for the closed lists); per row: stamp of the list it was seen in. */
        private final boolean[] closed;
        private final int[] seen;
        private int stamp;
        private final int rows;
        private final int mappings;

        Walk(int rows, int mappings) {
            this.rows = rows;
            this.mappings = mappings;
            int[][] columns = new int[8][rows]; // one per row or live session, in one allocation
            ids = columns[0];
            protocol = columns[1];
            insideAddress = columns[2];
            insidePort = columns[3];
            externalPort = columns[4];
            hosts = columns[5];
            hostCounts = columns[6];
            seen = columns[7];
            sorted = new long[rows];
            references = new int[mappings];
            closed = new boolean[rows];
        }
    }

    private static final ThreadLocal<Walk> WALK = new ThreadLocal<>();

    private static Walk walkFor(NatTable t) {
        Walk w = WALK.get();
        if (w == null || w.rows != t.sessions().capacity() || w.mappings != t.mappings().capacity()) {
            w = new Walk(t.sessions().capacity(), t.mappings().capacity());
            WALK.set(w);
        }
        return w;
    }

    /** Checks every invariant; returns the walk (valid until the next check on this thread). */
    static Walk check(NatTable t) {
        SessionTable s = t.sessions();
        Walk w = walkFor(t);
        Arrays.fill(w.kinds, 0L);
        Arrays.fill(w.references, 0);
        int live = 0;
        for (int id = 0; id < w.rows; id++) {
            w.closed[id] = false;
            if (!s.isLive(id)) {
                Require.equal(t.store().scheduled(id) ? 1 : 0, 0, "free row %d on the wheel", id);
                continue;
            }
            int protocol = s.protocol(id);
            int flags = s.flags(id);
            int host = s.insideAddress(id);
            int insidePort = s.insidePort(id);
            int remoteAddress = s.remoteAddress(id);
            int external = s.external(id);
            w.ids[live] = id;
            w.protocol[live] = protocol;
            w.insideAddress[live] = host;
            w.insidePort[live] = insidePort;
            w.externalPort[live] = s.externalPort(id);
            live++;
            w.kinds[SessionGauges.kind(protocol, flags)]++;
            Require.equal(t.store().scheduled(id) ? 1 : 0, 1, "session %d on the wheel", id);
            long remote = of(protocol, remoteAddress, s.remotePort(id));
            Require.equal(s.findInside(of(protocol, host, insidePort), remote), id, "session %d by its inside key", id);
            Require.equal(s.findOutside(external, remote), id, "session %d by its outside key", id);
            int m = s.mapping(id);
            if (m >= 0) {
                w.references[m]++;
                Require.equal(t.ports().owner(protocol, external), m, "owner of session %d's port", id);
                Require.equal(t.mappings().external(m), external, "external endpoint of mapping %d", m);
            }
            w.closed[id] = protocol == IpProtocol.TCP && TcpTracker.isClosed(flags & TcpTracker.STATE_MASK);
        }
        w.live = live;
        Require.equal(live, t.size(), "live sessions against the table's size");

        // Distinct hosts, ascending, with their counts: sort the addresses (as unsigned, in the low bits).
        for (int i = 0; i < live; i++) {
            w.sorted[i] = w.insideAddress[i] & 0xffff_ffffL;
        }
        Arrays.sort(w.sorted, 0, live);
        int hosts = 0;
        for (int i = 0; i < live; i++) {
            if (i == 0 || w.sorted[i] != w.sorted[i - 1]) {
                w.hosts[hosts] = (int) w.sorted[i];
                w.hostCounts[hosts++] = 0;
            }
            w.hostCounts[hosts - 1]++;
        }
        w.hostCount = hosts;

        t.reader().gauges(w.gauges);
        if (!Arrays.equals(w.gauges, 0, SessionGauges.SIZE, w.kinds, 0, SessionGauges.SIZE)) {
            assertThat(Arrays.copyOf(w.gauges, SessionGauges.SIZE)).as("sessions by kind").containsExactly(w.kinds);
        }
        Require.equal(w.gauges[SessionReader.GAUGE_SESSIONS], live, "sessions gauge");
        Require.equal(w.gauges[SessionReader.GAUGE_HOSTS], hosts, "hosts gauge");
        for (int h = 0; h < hosts; h++) {
            Require.equal(t.sessionsOf(w.hosts[h]), w.hostCounts[h], "sessions of host %08x", w.hosts[h] & 0xffff_ffffL);
        }

        PinnedMappings pins = t.pins();
        int pinned = 0;
        for (int slot = 0; slot < pins.capacity(); slot++) {
            int m = pins.mapping(slot);
            if (m >= 0) {
                pinned++;
                Require.equal(pins.slotOf(m), slot, "pin of mapping %d", m);
                w.references[m]++; // a pin holds a reference of its own
                Require.equal(t.ports().owner(Endpoint.protocol(pins.inside(slot)), pins.externalPort(slot)), m,
                        "owner of pin %d's port", slot);
            }
        }
        Require.equal(pinned, pins.size(), "pins against their count");
        Require.equal(w.gauges[SessionReader.GAUGE_PINNED], pinned, "pinned mappings gauge");
        int referenced = 0;
        for (int m = 0; m < w.mappings; m++) {
            if (w.references[m] > 0) {
                referenced++;
                Require.equal(t.mappings().references(m), w.references[m], "references of mapping %d", m);
            }
        }
        Require.equal(t.mappings().size(), referenced, "mappings alive exactly while referenced");

        // Filter keys (protocol, external port, remote address), sorted, each counted.
        for (int i = 0; i < live; i++) {
            int id = w.ids[i];
            w.sorted[i] = (long) w.protocol[i] << 48 | (long) w.externalPort[i] << 32
                    | (s.remoteAddress(id) & 0xffff_ffffL);
        }
        Arrays.sort(w.sorted, 0, live);
        // Only address-dependent filtering keeps counts (-1 means no filter table); there they are exact.
        boolean kept = t.filtering(IpProtocol.UDP) == NatConfig.Behavior.ADDRESS_DEPENDENT
                || t.filtering(IpProtocol.TCP) == NatConfig.Behavior.ADDRESS_DEPENDENT
                || t.filtering(IpProtocol.ICMP) == NatConfig.Behavior.ADDRESS_DEPENDENT;
        for (int i = 0; i < live; ) {
            long key = w.sorted[i];
            int n = 0;
            while (i < live && w.sorted[i] == key) {
                n++;
                i++;
            }
            int protocol = (int) (key >>> 48);
            int port = (int) (key >>> 32) & 0xffff;
            int address = (int) key;
            int count = t.store().filterCount(protocol, port, address);
            int expected = kept ? n : -1;
            if (count != expected) {
                assertThat(count).as("filter count of %s under %s filtering", List.of(protocol, port, address),
                        t.filtering(protocol)).isEqualTo(expected);
            }
        }

        for (int h = 0; h < hosts; h++) {
            checkClosed(t, w, w.hosts[h]);
        }
        return w;
    }

    /**
     * Host {@code host}'s closed list holds exactly its live closed TCP sessions, each once (the same
     * as containsExactlyInAnyOrder; the list is a cycle of distinct ids, which the walk bounds by the
     * table's size), with the links right both ways.
     */
    private static void checkClosed(NatTable t, Walk w, int host) {
        SessionTable s = t.sessions();
        int expected = 0;
        for (int i = 0; i < w.live; i++) {
            if (w.insideAddress[i] == host && w.closed[w.ids[i]]) {
                expected++;
            }
        }
        int stamp = ++w.stamp;
        int size = 0;
        boolean ok = true;
        int oldest = t.oldestClosed(host);
        if (oldest >= 0) {
            ClosedSessions c = t.store().closedSessions();
            int id = oldest;
            do {
                size++;
                Require.equal(c.previous(c.next(id)), id, "links of %d", id);
                Require.atMost(size, t.size(), "a cycle back to the oldest (%d)", oldest);
                boolean inRange = id >= 0 && id < w.rows;
                if (!inRange || !w.closed[id] || !s.isLive(id) || s.insideAddress(id) != host || w.seen[id] == stamp) {
                    ok = false;
                } else {
                    w.seen[id] = stamp;
                }
                id = c.next(id);
            } while (id != oldest);
        }
        if (!ok || size != expected) {
            List<Integer> wanted = new ArrayList<>();
            for (int i = 0; i < w.live; i++) {
                if (w.insideAddress[i] == host && w.closed[w.ids[i]]) {
                    wanted.add(w.ids[i]);
                }
            }
            List<Integer> closed = closedList(t, host);
            assertThat(closed).as("closed sessions of host %08x", host).containsExactlyInAnyOrderElementsOf(wanted);
            assertThat(new HashSet<>(closed)).as("closed sessions of host %08x, each once", host).hasSize(closed.size());
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
