package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.jnat.wire.IpProtocol;
import org.junit.jupiter.api.Test;

class SessionTableTest {
    private static final int A = 0xc0a8011a; // 192.168.1.26
    private static final int R = 0x048d0206; // 4.141.2.6
    private static final int UDP = IpProtocol.UDP, TCP = IpProtocol.TCP;

    @Test
    void aSessionIsFoundFromBothKeys() {
        SessionTable t = new SessionTable(8);
        int id = t.insert(of(UDP, A, 255), of(UDP, R, 1024), 40000, 3, 7, 99L);
        assertThat(t.findInside(of(UDP, A, 255), of(UDP, R, 1024))).isEqualTo(id);
        assertThat(t.findOutside(40000, of(UDP, R, 1024))).isEqualTo(id);
        assertThat(t.protocol(id)).isEqualTo(UDP);
        assertThat(t.insideAddress(id)).isEqualTo(A);
        assertThat(t.insidePort(id)).isEqualTo(255);
        assertThat(t.remoteAddress(id)).isEqualTo(R);
        assertThat(t.remotePort(id)).isEqualTo(1024);
        assertThat(t.externalPort(id)).isEqualTo(40000);
        assertThat(t.mapping(id)).isEqualTo(3);
        assertThat(t.flags(id)).isEqualTo(7);
        assertThat(t.expiry(id)).isEqualTo(99L);
        assertThat(t.isLive(id)).isTrue();
    }

    @Test
    void keysDifferingInOneFieldDoNotMatch() {
        SessionTable t = new SessionTable(8);
        t.insert(of(UDP, A, 255), of(UDP, R, 1024), 40000, -1, 0, 0);
        assertThat(t.findInside(of(TCP, A, 255), of(TCP, R, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(of(UDP, A + 1, 255), of(UDP, R, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(of(UDP, A, 256), of(UDP, R, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(of(UDP, A, 255), of(UDP, R + 1, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(of(UDP, A, 255), of(UDP, R, 1025))).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(40000, of(TCP, R, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(40001, of(UDP, R, 1024))).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(40000, of(UDP, R, 1023))).isEqualTo(SessionTable.NONE);
        assertThat(t.mapping(0)).isEqualTo(SessionTable.NONE);
    }

    @Test
    void aFullTableRefusesAndRemovalMakesRoom() {
        SessionTable t = new SessionTable(3);
        for (int i = 0; i < 3; i++) {
            assertThat(t.insert(of(TCP, A, 1000 + i), of(TCP, R, 80), 1000 + i, -1, 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.insert(of(TCP, A, 2000), of(TCP, R, 80), 2000, -1, 0, 0)).isEqualTo(SessionTable.NONE);
        int id = t.findInside(of(TCP, A, 1001), of(TCP, R, 80));
        t.remove(id);
        assertThat(t.isLive(id)).isFalse();
        assertThat(t.findOutside(1001, of(TCP, R, 80))).isEqualTo(SessionTable.NONE);
        int again = t.insert(of(TCP, A, 2000), of(TCP, R, 80), 2000, -1, 0, 0);
        assertThat(again).isGreaterThanOrEqualTo(0);
        assertThat(t.findInside(of(TCP, A, 2000), of(TCP, R, 80))).isEqualTo(again);
        assertThat(t.findOutside(2000, of(TCP, R, 80))).isEqualTo(again);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.maxSessions()).isEqualTo(3);
        assertThat(t.capacity()).as("rows: more than sessions, so each can sit near its home").isGreaterThan(3);
    }

    /** Inside ports from {@code from} on whose UDP key (A:port to R:53) has home chunk {@code home}. */
    static int[] portsHomingTo(SessionTable t, int home, int count, int from) {
        int[] ports = new int[count];
        int n = 0;
        for (int port = from; n < count; port++) {
            if (t.home(SessionTable.insideHash(of(UDP, A, port), of(UDP, R, 53))) == home) {
                ports[n++] = port;
            }
        }
        return ports;
    }

    /** Each chunk's overflow count recomputed from the live rows: sessions that sit past it, counted from their home. */
    static int[] expectedOverflow(SessionTable t) {
        int[] expected = new int[t.chunks()];
        for (int id = 0; id < t.capacity(); id++) {
            if (!t.isLive(id)) {
                continue;
            }
            int home = t.home(SessionTable.insideHash(of(t.protocol(id), t.insideAddress(id), t.insidePort(id)),
                    of(t.protocol(id), t.remoteAddress(id), t.remotePort(id))));
            for (int c = home; c != id >>> 1; c = (c + 1) % t.chunks()) {
                expected[c]++;
            }
        }
        return expected;
    }

    static int[] overflow(SessionTable t) {
        int[] counts = new int[t.chunks()];
        for (int c = 0; c < counts.length; c++) {
            counts[c] = t.overflow(c);
        }
        return counts;
    }

    /**
     * Sessions that share a home chunk fill its two rows, then overflow into the next chunks (wrapping
     * round from the last to the first); every one stays findable through removals in any order, and
     * the counts go back to 0.
     */
    @Test
    void sessionsSharingAHomeOverflowIntoTheNextChunksAndComeBack() {
        SessionTable t = new SessionTable(16); // 12 chunks
        int last = t.chunks() - 1;
        int[] ports = portsHomingTo(t, last, 5, 1);
        int[] ids = new int[5];
        for (int i = 0; i < 5; i++) {
            ids[i] = t.insert(of(UDP, A, ports[i]), of(UDP, R, 53), 40000 + i, -1, 0, 0);
        }
        // Rows 2*last and 2*last+1, then chunk 0 (both rows), then chunk 1.
        assertThat(ids).containsExactly(2 * last, 2 * last + 1, 0, 1, 2);
        assertThat(t.overflow(last)).isEqualTo(3);
        assertThat(t.overflow(0)).isEqualTo(1);
        assertThat(t.overflow(1)).isZero();
        assertThat(overflow(t)).isEqualTo(expectedOverflow(t));
        for (int i : new int[] {0, 3, 1, 4, 2}) {
            t.remove(ids[i]);
            assertThat(t.findInside(of(UDP, A, ports[i]), of(UDP, R, 53))).isEqualTo(SessionTable.NONE);
            for (int j = 0; j < 5; j++) {
                if (t.isLive(ids[j]) && t.insidePort(ids[j]) == ports[j]) {
                    assertThat(t.findInside(of(UDP, A, ports[j]), of(UDP, R, 53))).isEqualTo(ids[j]);
                    assertThat(t.findOutside(40000 + j, of(UDP, R, 53))).isEqualTo(ids[j]);
                }
            }
            assertThat(overflow(t)).isEqualTo(expectedOverflow(t));
        }
        assertThat(overflow(t)).containsOnly(0);
        assertThat(t.size()).isZero();
    }

    /** Every session of a full table in one home: the walk goes round every chunk, and lookups end. */
    @Test
    void aFullTableWhoseSessionsAllShareOneHome() {
        SessionTable t = new SessionTable(10);
        int[] ports = portsHomingTo(t, 3, 11, 1);
        for (int i = 0; i < 10; i++) {
            assertThat(t.insert(of(UDP, A, ports[i]), of(UDP, R, 53), 50000 + i, -1, 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.insert(of(UDP, A, ports[10]), of(UDP, R, 53), 50010, -1, 0, 0)).isEqualTo(SessionTable.NONE);
        for (int i = 0; i < 10; i++) {
            assertThat(t.findInside(of(UDP, A, ports[i]), of(UDP, R, 53))).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.findInside(of(UDP, A, ports[10]), of(UDP, R, 53))).isEqualTo(SessionTable.NONE);
        assertThat(overflow(t)).isEqualTo(expectedOverflow(t));
    }

    /**
     * After removals every chunk can count an overflow while rows are free (each count is for a
     * different session that passed over it): a lookup of an absent key then stops after one round
     * instead of walking the cycle for ever.
     */
    @Test
    void aLookupEndsWhenEveryChunkCountsAnOverflow() {
        SessionTable t = new SessionTable(4); // 3 chunks, 6 rows
        assertThat(t.chunks()).isEqualTo(3);
        int[] home0 = portsHomingTo(t, 0, 3, 1);
        int[] home1 = portsHomingTo(t, 1, 2, 1);
        int[] home2 = portsHomingTo(t, 2, 3, 1);
        int a1 = t.insert(of(UDP, A, home0[0]), of(UDP, R, 53), 1, -1, 0, 0);
        int a2 = t.insert(of(UDP, A, home0[1]), of(UDP, R, 53), 2, -1, 0, 0);
        t.insert(of(UDP, A, home0[2]), of(UDP, R, 53), 3, -1, 0, 0); // into chunk 1
        int b = t.insert(of(UDP, A, home1[0]), of(UDP, R, 53), 4, -1, 0, 0);
        t.remove(a1);
        t.insert(of(UDP, A, home1[1]), of(UDP, R, 53), 5, -1, 0, 0); // chunk 1 is full: into chunk 2
        t.remove(b);
        t.insert(of(UDP, A, home2[0]), of(UDP, R, 53), 6, -1, 0, 0);
        t.remove(a2);
        t.insert(of(UDP, A, home2[1]), of(UDP, R, 53), 7, -1, 0, 0); // chunk 2 is full: round to chunk 0
        assertThat(overflow(t)).containsExactly(1, 1, 1);
        assertThat(t.size()).isEqualTo(4);
        assertThat(t.findInside(of(UDP, A, home2[2]), of(UDP, R, 53))).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(of(UDP, A, home2[1]), of(UDP, R, 53))).isEqualTo(0);
    }

    /** Meta fields share a word with the chunk's overflow count: writing one never disturbs the others. */
    @Test
    void flagsMappingAndOverflowShareAWordWithoutDisturbingEachOther() {
        SessionTable t = new SessionTable(8);
        int[] ports = portsHomingTo(t, 0, 3, 1);
        // Public address index 31, the largest: the flags' top five bits.
        int first = t.insert(of(UDP, A, ports[0]), of(UDP, R, 53), 31 << 16 | 1, 196_605, 0x07ff, 5);
        t.insert(of(UDP, A, ports[1]), of(UDP, R, 53), 2, -1, 0, 5);
        t.insert(of(UDP, A, ports[2]), of(UDP, R, 53), 3, 7, 0, 5);
        assertThat(t.overflow(0)).isEqualTo(1);
        assertThat(t.mapping(first)).isEqualTo(196_605);
        assertThat(t.flags(first)).isEqualTo(0xffff);
        assertThat(t.external(first)).isEqualTo(31 << 16 | 1);
        assertThat(t.findOutside(31 << 16 | 1, of(UDP, R, 53))).isEqualTo(first);
        assertThat(t.findOutside(1, of(UDP, R, 53))).as("the same port on address 0").isEqualTo(SessionTable.NONE);
        t.flags(first, 0x0401);
        assertThat(t.flags(first)).as("the address index stays").isEqualTo(0xfc01);
        assertThat(t.externalAddressIndex(first)).isEqualTo(31);
        assertThat(t.mapping(first)).isEqualTo(196_605);
        assertThat(t.overflow(0)).isEqualTo(1);
        t.remove(first);
        assertThat(t.overflow(0)).as("the count outlives the row it shares a word with").isEqualTo(1);
        assertThat(t.findInside(of(UDP, A, ports[2]), of(UDP, R, 53))).isGreaterThanOrEqualTo(0);
    }

    /** Random inserts and removes against a HashMap model: backward-shift deletion keeps every key findable. */
    @Test
    void churnMatchesAModel() {
        SplittableRandom random = new SplittableRandom(42);
        int capacity = 512;
        SessionTable t = new SessionTable(capacity);
        Map<List<Integer>, Integer> byInside = new HashMap<>();
        Map<List<Integer>, Integer> byOutside = new HashMap<>();
        List<Integer> live = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            if (!live.isEmpty() && (live.size() == capacity || random.nextInt(3) == 0)) {
                int id = live.remove(random.nextInt(live.size()));
                byInside.remove(List.of(t.protocol(id), t.insideAddress(id), t.insidePort(id), t.remoteAddress(id),
                        t.remotePort(id)));
                byOutside.remove(List.of(t.protocol(id), t.externalPort(id), t.remoteAddress(id), t.remotePort(id)));
                t.remove(id);
            } else {
                // Few distinct values, so keys collide often and probe runs are long.
                int proto = random.nextBoolean() ? TCP : UDP;
                int in = A + random.nextInt(4);
                int inPort = random.nextInt(64);
                int remote = R + random.nextInt(4);
                int remotePort = random.nextInt(8);
                int ext = random.nextInt(65536);
                List<Integer> ik = List.of(proto, in, inPort, remote, remotePort);
                List<Integer> ok = List.of(proto, ext, remote, remotePort);
                if (byInside.containsKey(ik) || byOutside.containsKey(ok)) {
                    continue;
                }
                int id = t.insert(of(proto, in, inPort), of(proto, remote, remotePort), ext, -1, 0, step);
                assertThat(id).isGreaterThanOrEqualTo(0);
                byInside.put(ik, id);
                byOutside.put(ok, id);
                live.add(id);
            }
            if (step % 1000 == 0) {
                assertThat(t.size()).isEqualTo(live.size());
                assertThat(overflow(t)).isEqualTo(expectedOverflow(t));
                for (var e : byInside.entrySet()) {
                    List<Integer> k = e.getKey();
                    assertThat(t.findInside(of(k.get(0), k.get(1), k.get(2)), of(k.get(0), k.get(3), k.get(4))))
                            .isEqualTo(e.getValue());
                }
                for (var e : byOutside.entrySet()) {
                    List<Integer> k = e.getKey();
                    assertThat(t.findOutside(k.get(1), of(k.get(0), k.get(2), k.get(3)))).isEqualTo(e.getValue());
                }
                // And a few keys that are absent.
                for (int probe = 0; probe < 50; probe++) {
                    int proto = random.nextBoolean() ? TCP : UDP;
                    List<Integer> ik = List.of(proto, A + random.nextInt(4), random.nextInt(64), R + random.nextInt(4),
                            random.nextInt(8));
                    if (!byInside.containsKey(ik)) {
                        assertThat(t.findInside(of(ik.get(0), ik.get(1), ik.get(2)),
                                of(ik.get(0), ik.get(3), ik.get(4))))
                                .isEqualTo(SessionTable.NONE);
                    }
                }
            }
        }
    }
}
