package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CountTablesTest {
    @Test
    void hostTableMatchesAModelUnderChurn() {
        SplittableRandom random = new SplittableRandom(7);
        HostTable t = new HostTable(64);
        Map<Integer, Integer> model = new HashMap<>();
        for (int step = 0; step < 100_000; step++) {
            int host = 0x0a000000 + random.nextInt(80);
            if (random.nextBoolean()) {
                boolean ok = t.increment(host);
                if (model.containsKey(host) || model.size() < 64) {
                    assertThat(ok).isTrue();
                    model.merge(host, 1, Integer::sum);
                } else {
                    assertThat(ok).as("a 65th host is refused").isFalse();
                }
            } else if (model.containsKey(host)) {
                t.decrement(host);
                if (model.merge(host, -1, Integer::sum) == 0) {
                    model.remove(host);
                }
            }
            if (step % 500 == 0) {
                assertThat(t.size()).isEqualTo(model.size());
                for (int h = 0; h < 80; h++) {
                    assertThat(t.count(0x0a000000 + h)).isEqualTo(model.getOrDefault(0x0a000000 + h, 0));
                }
            }
        }
    }

    @Test
    void hostZeroIsAnOrdinaryKey() {
        HostTable t = new HostTable(4);
        assertThat(t.increment(0)).isTrue();
        assertThat(t.count(0)).isEqualTo(1);
        t.decrement(0);
        assertThat(t.count(0)).isZero();
    }

    @Test
    void filterTableMatchesAModelUnderChurn() {
        SplittableRandom random = new SplittableRandom(9);
        FilterTable t = new FilterTable(256);
        Map<Long, Integer> model = new HashMap<>();
        int total = 0;
        for (int step = 0; step < 100_000; step++) {
            long key = FilterTable.key(random.nextBoolean() ? 6 : 17, random.nextInt(8), random.nextInt(16));
            if (random.nextBoolean() && total < 256) {
                t.increment(key);
                model.merge(key, 1, Integer::sum);
                total++;
            } else if (model.containsKey(key)) {
                t.decrement(key);
                total--;
                if (model.merge(key, -1, Integer::sum) == 0) {
                    model.remove(key);
                }
            }
            if (step % 500 == 0) {
                for (int p = 0; p < 8; p++) {
                    for (int a = 0; a < 16; a++) {
                        for (int proto : new int[] {6, 17}) {
                            long k = FilterTable.key(proto, p, a);
                            assertThat(t.contains(k)).isEqualTo(model.containsKey(k));
                        }
                    }
                }
            }
        }
    }

    @Test
    void mappingTableFindsInsertsAndRemoves() {
        MappingTable t = new MappingTable(4);
        int m = t.insert(Endpoint.of(17, 0xc0a80105, 5000), 0, 0);
        t.external(m, 6000);
        t.retain(m);
        t.retain(m);
        assertThat(t.find(Endpoint.of(17, 0xc0a80105, 5000), 0)).isEqualTo(m);
        assertThat(t.find(Endpoint.of(17, 0xc0a80105, 5000), Endpoint.of(0, 1, 0))).isEqualTo(MappingTable.NONE);
        assertThat(t.find(Endpoint.of(6, 0xc0a80105, 5000), 0)).isEqualTo(MappingTable.NONE);
        assertThat(t.externalPort(m)).isEqualTo(6000);
        assertThat(Endpoint.address(t.inside(m))).isEqualTo(0xc0a80105);
        assertThat(Endpoint.port(t.inside(m))).isEqualTo(5000);
        assertThat(t.release(m)).isFalse();
        assertThat(t.release(m)).isTrue();
        t.remove(m);
        assertThat(t.find(Endpoint.of(17, 0xc0a80105, 5000), 0)).isEqualTo(MappingTable.NONE);
        for (int i = 0; i < 4; i++) {
            assertThat(t.insert(Endpoint.of(17, i, i), Endpoint.of(0, i, i), i)).isGreaterThanOrEqualTo(0);
        }
        assertThat(t.insert(Endpoint.of(17, 9, 9), Endpoint.of(0, 9, 9), 9)).isEqualTo(MappingTable.NONE);
    }

    @Test
    void mappingTableChurnMatchesAModel() {
        SplittableRandom random = new SplittableRandom(3);
        MappingTable t = new MappingTable(128);
        Map<Long, Integer> model = new HashMap<>();
        for (int step = 0; step < 50_000; step++) {
            int host = random.nextInt(8);
            int port = random.nextInt(32);
            long key = ((long) host << 32) | port;
            Integer id = model.get(key);
            if (id != null && random.nextBoolean()) {
                t.remove(id);
                model.remove(key);
            } else if (id == null && model.size() < 128) {
                model.put(key, t.insert(Endpoint.of(6, host, port), 0, port));
            }
            if (step % 500 == 0) {
                for (int h = 0; h < 8; h++) {
                    for (int p = 0; p < 32; p++) {
                        Integer expected = model.get(((long) h << 32) | p);
                        assertThat(t.find(Endpoint.of(6, h, p), 0))
                                .isEqualTo(expected == null ? MappingTable.NONE : expected);
                    }
                }
            }
        }
    }
}
