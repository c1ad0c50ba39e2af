package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.jnat.app.lab.Lab;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@link FaultsEndToEndSuite} with jnat on AF_PACKET sockets, and last the fault jnat cannot ride
 * out: its inside interface deleted under it. jnat then stops the data plane with one line naming
 * the device and what to do, and exits with status 1.
 */
class FaultsAfPacketEndToEndIT extends FaultsEndToEndSuite {
    FaultsAfPacketEndToEndIT() {
        super(Lab.Mode.AFPACKET);
    }

    @Test
    @Order(10)
    void interfaceDeletedUnderJnat() throws InterruptedException {
        lab.ip("rt", "link", "del", "r0");
        int status = jnat.awaitExit(30_000);
        System.out.println("AFPACKET: r0 deleted; jnat exited with status " + status + "; its last lines:\n"
                + String.join("\n", jnat.output().subList(Math.max(0, jnat.output().size() - 3), jnat.output().size())));
        assertThat(status).as("jnat's exit status once r0 is gone").isEqualTo(1);
        assertThat(jnat.output()).anyMatch(line -> line.startsWith("jnat: the data plane stopped: device afpacket:r0"
                + " failed (poll events 0x") && line.endsWith("): check that the interface still exists and restart jnat"));
    }
}
