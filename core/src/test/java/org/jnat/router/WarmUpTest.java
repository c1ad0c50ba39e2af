package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.jnat.device.Offloads;
import org.jnat.nat.NatEngine;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

/**
 * The start-up warm-up ({@code [dataplane] warm-up}): it must run every kind of exchange through
 * its private router (each reply from the outside comes back to the inside host), and leave the
 * real router, built from the same config before it, exactly as it was: no frame on its devices,
 * no counter moved, no session in its NAT.
 */
class WarmUpTest {
    /** Replies from the outside in a round: SYN-ACK, data, FIN, UDP, the ICMP error, the echo replies. */
    private static final int REPLIES_A_ROUND = 5 + WarmUp.ECHOES;

    @Test
    void runsEveryExchangeAndLeavesTheRealRouterUntouched() {
        MemoryTopology real = new MemoryTopology(false, 1500, 1500,
                (config, counters) -> NatEngine.of(config, counters, 1));
        Map<String, Long> countersBefore = real.counters.snapshot();
        long[] devicesBefore = devices(real);
        NatEngine realNat = (NatEngine) real.router.translator();
        int rounds = 300;

        WarmUp.Result result = WarmUp.run(real.config, NatEngine.of(real.config, new Counters(), 2), Offloads.NONE,
                Offloads.NONE, rounds);

        System.out.printf("warm-up: %d rounds, %d frames in, %d out, %d replies back, %.1f ms%n", rounds,
                result.framesIn(), result.framesOut(), result.repliesBack(), result.nanos() / 1e6);
        assertThat(result.repliesBack()).as("replies from the outside translated back to the inside host")
                .isEqualTo((long) REPLIES_A_ROUND * rounds);
        assertThat(result.framesOut()).as("frames the private router sent").isGreaterThan(result.repliesBack());
        assertThat(real.counters.snapshot()).as("the real router's counters").isEqualTo(countersBefore);
        assertThat(devices(real)).as("the real devices' counts").containsExactly(devicesBefore);
        assertThat(realNat.table().size()).as("sessions in the real NAT").isZero();
        assertThat(real.inside.b().drain()).as("frames on the real inside link").isEmpty();
        assertThat(real.outside.b().drain()).as("frames on the real outside link").isEmpty();
    }

    private static long[] devices(MemoryTopology t) {
        return new long[] {t.inside.a().transmitted(), t.inside.a().received(), t.outside.a().transmitted(),
            t.outside.a().received(), t.inside.b().pending(), t.outside.b().pending()};
    }
}
