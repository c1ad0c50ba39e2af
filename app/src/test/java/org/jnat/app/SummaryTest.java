package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.jnat.runtime.Counters;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void countsFramesOnBothSidesAndForwardedPacketsOnly() {
        Counters c = new Counters();
        c.add(c.register("inside.received", ""), 5);
        c.add(c.register("outside.received", ""), 7);
        c.add(c.register("offload.received.gso", ""), 100); // a kind of frame, not more frames
        c.add(c.register("ipv4.forwarded", ""), 9);
        assertThat(Summary.of(c)).isEqualTo("received 12 frames, forwarded 9 packets");
    }
}
