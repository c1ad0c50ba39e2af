package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AddressIndexTest {
    @Test
    void findsWhatWasPutAndNothingAfterItsRemoval() {
        AddressIndex index = new AddressIndex(4);
        index.put(0x0a000001, 0);
        index.put(0x0a000002, 3);
        assertThat(index.find(0x0a000001)).isZero();
        assertThat(index.find(0x0a000002)).isEqualTo(3);
        assertThat(index.find(0x0a000003)).isEqualTo(-1);
        index.remove(0x0a000001);
        assertThat(index.find(0x0a000001)).isEqualTo(-1);
        assertThat(index.find(0x0a000002)).isEqualTo(3);
    }

    /** Backward-shift deletion keeps every probe sequence whole: checked against a map through churn. */
    @Test
    void agreesWithAMapThroughRandomChurnAtFullCapacity() {
        int capacity = 64;
        AddressIndex index = new AddressIndex(capacity);
        Map<Integer, Integer> expected = new HashMap<>();
        List<Integer> present = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(12);
        int nextEntry = 0;
        for (int step = 0; step < 200_000; step++) {
            // Few distinct addresses, so that collisions and re-insertions are frequent.
            int address = 0x0a000000 | random.nextInt(256);
            if (expected.containsKey(address)) {
                if (random.nextBoolean()) {
                    index.remove(address);
                    expected.remove(address);
                    present.remove(Integer.valueOf(address));
                }
            } else if (expected.size() < capacity) {
                int entry = nextEntry++ % capacity;
                index.put(address, entry);
                expected.put(address, entry);
                present.add(address);
            }
            int probe = random.nextBoolean() && !present.isEmpty() ? present.get(random.nextInt(present.size()))
                    : 0x0a000000 | random.nextInt(256);
            assertThat(index.find(probe)).as("step %d, address %08x", step, probe)
                    .isEqualTo(expected.getOrDefault(probe, -1));
        }
    }
}
