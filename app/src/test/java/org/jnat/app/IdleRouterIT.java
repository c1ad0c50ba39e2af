package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jnat.linux.NetNamespace;
import org.jnat.nat.NatEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An idle router sleeps: the real {@link RouterRuntime} (its poll loop and handler) on two TAP
 * devices in a namespace of its own, left alone for a second, makes a handful of rounds, not the
 * hundred a fixed 10 ms timer step made. Asserts on the count of rounds ({@code dataplane.rounds}),
 * never on a duration. Needs root; skips, saying why, otherwise.
 */
class IdleRouterIT {
    /** Rounds allowed in one idle second: a fixed 10 ms step makes about 100. */
    private static final long MAX_IDLE_ROUNDS = 5;

    private TestNamespace namespace;
    private RouterRuntime runtime;

    @BeforeEach
    void createNamespace() throws Exception {
        namespace = TestNamespace.create(getClass(), "idle");
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (namespace != null) {
            namespace.close();
        }
    }

    @Test
    void aFreshRouterWithNothingToDoSleeps() throws Exception {
        start("");
        long rounds = idleRounds();
        System.out.println("IdleRouterIT: a fresh router made " + rounds + " rounds in one idle second");
        assertThat(rounds).as("rounds of the data-plane loop in one idle second").isLessThanOrEqualTo(MAX_IDLE_ROUNDS);
    }

    @Test
    void aRouterAnnouncesBothAddressesAtStartUpWithoutWaitingForAFrame() throws Exception {
        start("");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (runtime.counters().get("arp.gratuitous_sent") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(frames()).as("frames received (the announcement must not wait for one)").isZero();
        assertThat(runtime.counters().get("arp.gratuitous_sent")).as("gratuitous ARPs, one per side").isEqualTo(2);
    }

    @Test
    void aSleepingRouterRunsAControlCommandOnItsDataPlaneThreadAtOnce() throws Exception {
        start("");
        Thread.sleep(300); // asleep in poll(2): nothing to do
        long[] result = runtime.control().call(now -> new long[] {
                Thread.currentThread().getName().equals("jnat-data-plane") ? 1 : 0, now})
                .get(2, TimeUnit.SECONDS);
        assertThat(result[0]).as("the command ran on the data-plane thread").isEqualTo(1);
        assertThat(result[1]).as("with the round's time").isPositive();
        assertThat(runtime.control().pending()).isFalse();
    }

    @Test
    void aRouterWithASessionAndResolvedNeighborsSleeps() throws Exception {
        start("");
        // The kernel is the host on both sides: 192.168.1.10 behind the inside TAP, the gateway
        // 203.0.113.254 behind the outside one (which answers jnat's ARP and drops the datagram).
        namespace.ip("addr", "add", "192.168.1.10/24", "dev", namespace.insideTap());
        namespace.ip("addr", "add", "203.0.113.254/24", "dev", namespace.outsideTap());
        namespace.ip("route", "add", "198.51.100.0/24", "via", "192.168.1.1", "dev", namespace.insideTap());
        NetNamespace.call(namespace.name(), () -> {
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("192.168.1.10", 0))) {
                byte[] payload = "idle?".getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(payload, payload.length, InetAddress.getByName("198.51.100.10"), 9));
            }
            return null;
        });
        NatEngine nat = (NatEngine) runtime.translator();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (nat.table().size() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(nat.table().size()).as("sessions after one datagram, counters %s", runtime.counters().snapshot())
                .isEqualTo(1);
        while (runtime.counters().get("arp.outside.frames_released") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(runtime.counters().get("arp.outside.frames_released")).as("the datagram went to the gateway")
                .isEqualTo(1);
        long rounds = idleRounds();
        System.out.println("IdleRouterIT: a router with one session made " + rounds + " rounds in one idle second");
        assertThat(rounds).as("rounds in one idle second with a session, counters %s", runtime.counters().snapshot())
                .isLessThanOrEqualTo(MAX_IDLE_ROUNDS);
    }

    @Test
    void aRealTimeRouterUnderTheLightLoadGovernorSleeps() throws Exception {
        try {
            start("[dataplane]\nrealtime-priority = 1\nrealtime = \"light-load\"");
        } catch (RouterRuntime.StartupException e) {
            // Only the system refusing SCHED_FIFO (EPERM: no CAP_SYS_NICE or no real-time budget,
            // as in some containers) is a reason to skip, as in ThreadSchedulingTest; any other
            // start-up failure is a failure.
            if (!refusedRealtime(e.getMessage())) {
                throw e;
            }
            String why = "SCHED_FIFO is refused here: " + e.getMessage();
            System.out.println("SKIPPED IdleRouterIT light-load: " + why);
            Assumptions.abort(why);
        }
        long rounds = idleRounds();
        System.out.println("IdleRouterIT: a light-load real-time router made " + rounds + " rounds in one idle second");
        assertThat(rounds).as("rounds in one idle second under the governor").isLessThanOrEqualTo(MAX_IDLE_ROUNDS);
    }

    /** True if a start-up message says that sched_setscheduler failed with EPERM. */
    static boolean refusedRealtime(String message) {
        return message.contains("sched_setscheduler") && message.contains("EPERM");
    }

    private void start(String extra) throws Exception {
        runtime = namespace.start(namespace.config(extra));
    }

    /** The rounds the data plane makes in one second, after a short settling pause. */
    private long idleRounds() throws InterruptedException {
        Thread.sleep(300);
        long before = runtime.counters().get("dataplane.rounds");
        long framesBefore = frames();
        Thread.sleep(1000);
        long rounds = runtime.counters().get("dataplane.rounds") - before;
        // Not asserted (the kernel may send a frame now and then), but said, to explain a round.
        System.out.println("IdleRouterIT: frames received in that second: " + (frames() - framesBefore));
        return rounds;
    }

    private long frames() {
        return runtime.counters().get("inside.received") + runtime.counters().get("outside.received");
    }
}
