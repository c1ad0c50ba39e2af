package org.jnat.nat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link NatProperties} over many seeded random scripts, so that every build exercises them broadly
 * where {@link NatFuzzTest} only replays its seeds. Every configuration byte pattern comes round:
 * the first five bytes pick mapping, filtering, reject, DMZ and inbound refresh.
 */
class NatPropertyTest {
    @Test
    void propertiesHoldOnRandomScripts() {
        Random random = new Random(4787);
        for (int round = 0; round < 600; round++) {
            byte[] script = new byte[5 + random.nextInt(1500)];
            random.nextBytes(script);
            NatProperties.run(script);
        }
    }
}
