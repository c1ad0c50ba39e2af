package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.nat.Endpoint.of;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jnat.wire.IpProtocol;

/**
 * Jazzer fuzz test of {@link SessionTable} against a map: byte 0 sizes the table (1 to 32 sessions,
 * so chunks fill, overflow and wrap round), then each pair of bytes inserts or removes a session
 * from a small key space (so keys share home chunks often). After every step each live key is found
 * from both sides, absent keys are not, and every chunk's overflow count matches a recount from
 * the rows. A plain {@code ./mvnw verify} replays the seeds in
 * {@code src/test/resources/org/jnat/nat/SessionTableFuzzTestInputs/}; run with {@code JAZZER_FUZZ=1} to fuzz.
 */
class SessionTableFuzzTest {
    private static final int A = 0x0a000001;
    private static final int R = 0xc6336401;

    @FuzzTest(maxDuration = "60s")
    void tableMatchesAMap(byte[] input) {
        if (input.length == 0) {
            return;
        }
        SessionTable t = new SessionTable(1 + (input[0] & 31));
        Map<Integer, Integer> live = new HashMap<>(); // key number -> id
        for (int at = 1; at + 1 < input.length; at += 2) {
            int key = input[at + 1] & 63;
            boolean insert = (input[at] & 1) == 0;
            Integer id = live.get(key);
            if (insert && id == null) {
                int made = t.insert(of(protocol(key), A + (key & 3), port(key)), of(protocol(key), R, 53), 1000 + key,
                        key, key, at);
                if (live.size() == t.maxSessions()) {
                    assertThat(made).isEqualTo(SessionTable.NONE);
                } else {
                    assertThat(made).isGreaterThanOrEqualTo(0);
                    live.put(key, made);
                }
            } else if (!insert && id != null) {
                t.remove(id);
                live.remove(key);
            }
            assertThat(t.size()).isEqualTo(live.size());
            for (int k = 0; k < 64; k++) {
                Integer expected = live.get(k);
                int want = expected == null ? SessionTable.NONE : expected;
                assertThat(t.findInside(of(protocol(k), A + (k & 3), port(k)), of(protocol(k), R, 53))).isEqualTo(want);
                assertThat(t.findOutside(1000 + k, of(protocol(k), R, 53))).isEqualTo(want);
                if (expected != null) {
                    assertThat(List.of(t.mapping(expected), t.flags(expected))).containsExactly(k, k);
                }
            }
            assertThat(SessionTableTest.overflow(t)).isEqualTo(SessionTableTest.expectedOverflow(t));
        }
    }

    private static int protocol(int key) {
        return (key & 32) == 0 ? IpProtocol.UDP : IpProtocol.TCP;
    }

    private static int port(int key) {
        return (key >>> 2) & 7;
    }
}
