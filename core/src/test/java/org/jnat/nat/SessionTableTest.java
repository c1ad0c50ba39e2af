package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void aSessionIsFoundFromBothKeys() {
        SessionTable t = new SessionTable(8);
        int id = t.insert(IpProtocol.UDP, A, 255, R, 1024, 40000, 3, 7, 99L);
        assertThat(t.findInside(IpProtocol.UDP, A, 255, R, 1024)).isEqualTo(id);
        assertThat(t.findOutside(IpProtocol.UDP, 40000, R, 1024)).isEqualTo(id);
        assertThat(t.protocol(id)).isEqualTo(IpProtocol.UDP);
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
        t.insert(IpProtocol.UDP, A, 255, R, 1024, 40000, -1, 0, 0);
        assertThat(t.findInside(IpProtocol.TCP, A, 255, R, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(IpProtocol.UDP, A + 1, 255, R, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(IpProtocol.UDP, A, 256, R, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(IpProtocol.UDP, A, 255, R + 1, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findInside(IpProtocol.UDP, A, 255, R, 1025)).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(IpProtocol.TCP, 40000, R, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(IpProtocol.UDP, 40001, R, 1024)).isEqualTo(SessionTable.NONE);
        assertThat(t.findOutside(IpProtocol.UDP, 40000, R, 1023)).isEqualTo(SessionTable.NONE);
        assertThat(t.mapping(0)).isEqualTo(SessionTable.NONE);
    }

    @Test
    void aFullTableRefusesAndRemovalMakesRoom() {
        SessionTable t = new SessionTable(3);
        for (int i = 0; i < 3; i++) {
            assertThat(t.insert(IpProtocol.TCP, A, 1000 + i, R, 80, 1000 + i, -1, 0, 0)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.insert(IpProtocol.TCP, A, 2000, R, 80, 2000, -1, 0, 0)).isEqualTo(SessionTable.NONE);
        int id = t.findInside(IpProtocol.TCP, A, 1001, R, 80);
        t.remove(id);
        assertThat(t.isLive(id)).isFalse();
        assertThat(t.findOutside(IpProtocol.TCP, 1001, R, 80)).isEqualTo(SessionTable.NONE);
        assertThat(t.insert(IpProtocol.TCP, A, 2000, R, 80, 2000, -1, 0, 0)).isEqualTo(id);
        assertThat(t.size()).isEqualTo(3);
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
                int proto = random.nextBoolean() ? IpProtocol.TCP : IpProtocol.UDP;
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
                int id = t.insert(proto, in, inPort, remote, remotePort, ext, -1, 0, step);
                assertThat(id).isGreaterThanOrEqualTo(0);
                byInside.put(ik, id);
                byOutside.put(ok, id);
                live.add(id);
            }
            if (step % 1000 == 0) {
                assertThat(t.size()).isEqualTo(live.size());
                for (var e : byInside.entrySet()) {
                    List<Integer> k = e.getKey();
                    assertThat(t.findInside(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4))).isEqualTo(e.getValue());
                }
                for (var e : byOutside.entrySet()) {
                    List<Integer> k = e.getKey();
                    assertThat(t.findOutside(k.get(0), k.get(1), k.get(2), k.get(3))).isEqualTo(e.getValue());
                }
                // And a few keys that are absent.
                for (int probe = 0; probe < 50; probe++) {
                    int proto = random.nextBoolean() ? IpProtocol.TCP : IpProtocol.UDP;
                    List<Integer> ik = List.of(proto, A + random.nextInt(4), random.nextInt(64), R + random.nextInt(4),
                            random.nextInt(8));
                    if (!byInside.containsKey(ik)) {
                        assertThat(t.findInside(ik.get(0), ik.get(1), ik.get(2), ik.get(3), ik.get(4)))
                                .isEqualTo(SessionTable.NONE);
                    }
                }
            }
        }
    }
}
