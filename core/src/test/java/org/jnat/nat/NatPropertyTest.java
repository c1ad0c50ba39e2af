package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.jnat.testing.Requirement;
import org.junit.jupiter.api.Test;

/**
 * {@link NatProperties} over many seeded random scripts, so that every build exercises them broadly
 * where {@link NatFuzzTest} only replays its seeds. Every configuration byte pattern comes round:
 * the first five bytes pick mapping, filtering, reject, DMZ and inbound refresh.
 */
class NatPropertyTest {
    @Requirement("RFC 4787 REQ-11")
    @Test
    void propertiesHoldOnRandomScripts() {
        Random random = new Random(4787);
        long reclaimed = 0;
        for (int round = 0; round < 600; round++) {
            byte[] script = new byte[5 + random.nextInt(1500)];
            random.nextBytes(script);
            reclaimed += NatProperties.run(script);
        }
        System.out.println("nat properties: " + reclaimed + " closed sessions reclaimed over 600 scripts");
        assertThat(reclaimed).as("the scripts reach hosts at their quota with closed sessions").isPositive();
        System.out.printf("nat properties: let-in checked on %d damaged packets, %d closing FIN/RST%n",
                NatProperties.garbageLetIn, NatProperties.closingLetIn);
        assertThat(NatProperties.garbageLetIn).as("damaged packets let in and checked").isPositive();
        assertThat(NatProperties.closingLetIn).as("closing FIN/RST let in and checked").isPositive();
    }
}
