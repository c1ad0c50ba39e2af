package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Frames;
import org.jnat.testing.OffloadFrames;
import org.junit.jupiter.api.Test;

/**
 * The fuzz target reuses one lab per translator and offloads, reset for each input to the input's
 * neighbors and MTUs ({@link RouterProperties#lab}). That is only as good as a new lab if a reset
 * lab sends exactly what a new lab sends: here both run the same inputs, and every frame the
 * router sent (side, bytes, offload metadata), every counter and every device's counts must agree.
 * The reset lab has run other inputs, with other MTUs and neighbors, before each one.
 */
class RouterResetTest {
    private static final int RUNS = 160, SMALL_RUNS = 80;

    @Test
    void aResetLabSendsWhatANewLabSends() {
        Random seeds = new Random(0x72657365L);
        Set<Integer> made = new HashSet<>();
        int mtusChanged = 0;
        long frames = 0;
        long errors = 0;
        for (int run = 0; run < RUNS + SMALL_RUNS; run++) {
            long seed = seeds.nextLong();
            boolean gentle = run % 3 == 0;
            RouterProperties.LabKey key = RouterProperties.pick(RouterProperties.of(new Random(seed), 64, gentle));
            if (run >= RUNS) {
                // Both MTUs below 572, where the router's own ICMP errors (590 bytes at most) no
                // longer fit its largest frame: what the frames sized by the MTU decide.
                key = new RouterProperties.LabKey(key.staticNeighbors(), 68 + seeds.nextInt(504),
                        68 + seeds.nextInt(504), key.nat(), key.insideOffloads(), key.outsideOffloads());
            }
            if (made.contains(key.made()) && (key.insideMtu() != 1500 || key.outsideMtu() != 1500)) {
                mtusChanged++;
            }
            made.add(key.made());
            List<String> reset = record(seed, gentle, key, RouterProperties.lab(key));
            List<String> fresh = record(seed, gentle, key, RouterProperties.newLab(key));
            assertThat(reset).as("run %d, %s: what a reset lab sent and counted, against a new lab", run, key)
                    .containsExactlyElementsOf(fresh);
            frames += fresh.size() - 5; // the counters and the four devices' counts are the last five
            errors += fresh.stream().filter(f -> f.startsWith("counters")).mapToLong(RouterResetTest::icmpErrors).sum();
        }
        System.out.printf("router reset: %d runs, %d frames compared (%d ICMP errors), %d runs on a reset lab with"
                + " other MTUs than made%n", RUNS + SMALL_RUNS, frames, errors, mtusChanged);
        assertThat(made).as("every translator and offload combination was reused").hasSize(8);
        assertThat(mtusChanged).as("runs whose reset set MTUs below the lab's").isGreaterThan(40);
        assertThat(frames).as("frames compared").isGreaterThan(1_000);
        assertThat(errors).as("ICMP errors the router sent").isPositive();
    }

    /** Everything a lab sends and counts for one seeded input. */
    private static List<String> record(long seed, boolean gentle, RouterProperties.LabKey key, MemoryTopology lab) {
        RouterProperties.Source in = RouterProperties.of(new Random(seed), 64, gentle);
        RouterProperties.pick(in); // as the fuzz target does: the rest of the input is the run
        List<String> sent = new ArrayList<>();
        RouterProperties.run(in, key, lab, sent);
        return sent;
    }

    /**
     * The router's own messages are sized by the largest MTU: with both MTUs at 400, a time
     * exceeded quoting a 400-byte datagram (442 bytes with its headers) does not fit, and a new
     * router sends none; a router reset to those MTUs from 1500 must not either. The seeded runs
     * above rarely make such a datagram (their templates are small, or too big for the link).
     */
    @Test
    void theRoutersOwnMessagesAreSizedByTheMtusItIsResetTo() {
        RouterProperties.LabKey key = new RouterProperties.LabKey(true, 400, 400, false, false, false);
        MemoryTopology reset = RouterProperties.newLab(new RouterProperties.LabKey(true, 1500, 1500, false, false, false));
        reset.reset(1, true, 400, 400);
        MemoryTopology fresh = RouterProperties.newLab(key);
        List<List<String>> seen = new ArrayList<>();
        for (MemoryTopology lab : List.of(reset, fresh)) {
            for (int payload : new int[] {300, 358}) { // datagrams of 336 and 394 bytes
                lab.fromInside(MemoryTopology.clToSv(1, payload, 0, new byte[payload]));
                lab.run();
            }
            seen.add(sentAndCounted(lab));
        }
        assertThat(icmpErrors(seen.get(1).getLast())).as("time exceeded sent by a new router").isEqualTo(1);
        assertThat(seen.get(0)).as("what a reset router sent and counted, against a new one")
                .containsExactlyElementsOf(seen.get(1));
    }

    /**
     * The frames a neighbor table holds while ARP resolves are bounded by the largest frame too:
     * with both MTUs at 400 and offloads on both sides, a TSO super-packet of 1 000 bytes passes the
     * links (they take offloads) but does not fit a held-frame slot, so a new router drops it while
     * it asks for the next hop; a router reset to those MTUs from 1500 must drop it as well, not
     * send it once ARP answers; and the frames that do fit are held each in a slot of its own,
     * though the reset came while frames were held. The seeded runs above rarely send such a frame
     * before the neighbor is known, and every one of them ends with no frame held.
     */
    @Test
    void framesHeldForANextHopAreBoundedByTheMtusTheRouterIsResetTo() {
        RouterProperties.LabKey key = new RouterProperties.LabKey(false, 400, 400, false, true, true);
        MemoryTopology reset = RouterProperties.newLab(new RouterProperties.LabKey(false, 1500, 1500, false, true, true));
        // Reset while frames are held: one more for one next hop than it may hold, the last making
        // way by releasing the oldest (slots taken, given back and taken again before the reset).
        for (int i = 0; i <= Router.ARP_HELD_PER_NEIGHBOR; i++) {
            reset.fromInside(MemoryTopology.clToSv(64, 0x200 + i, 0, new byte[40]));
            reset.run();
        }
        assertThat(reset.router.neighbors(org.jnat.stack.Side.OUTSIDE).heldFrames()).as("held at the reset")
                .isEqualTo(Router.ARP_HELD_PER_NEIGHBOR);
        reset.reset(1, false, 400, 400);
        MemoryTopology fresh = RouterProperties.newLab(key);
        PacketBuffer slot = PacketBuffer.allocate();
        List<List<String>> seen = new ArrayList<>();
        for (MemoryTopology lab : List.of(reset, fresh)) {
            OffloadFrames.tcp(slot, MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV,
                    40000, 80, 1, 0x18, 7, 0, new byte[934], false, 300);
            lab.inside.b().transmit(slot);
            lab.run();
            for (int i = 0; i < 4; i++) { // held until ARP answers, each in a slot of its own
                lab.fromInside(MemoryTopology.clToSv(64, 0x50 + i, 0, Frames.pattern(40 + i)));
                lab.run();
            }
            lab.fromOutside(Frames.arp(MemoryTopology.RT_OUT_MAC, MemoryTopology.ISP_MAC, 2, MemoryTopology.ISP_MAC,
                    MemoryTopology.ISP, MemoryTopology.RT_OUT_MAC, MemoryTopology.RT_OUT));
            lab.run();
            seen.add(sentAndCounted(lab));
        }
        assertThat(seen.get(1).getLast()).as("a new router drops the frame it cannot hold").contains("arp.outside.dropped.queue_full=1");
        assertThat(seen.get(0)).as("what a reset router sent and counted, against a new one")
                .containsExactlyElementsOf(seen.get(1));
    }

    /** The frames {@code lab}'s router sent on each side since the last call, then its counters. */
    private static List<String> sentAndCounted(MemoryTopology lab) {
        List<String> out = new ArrayList<>();
        lab.insideOut().forEach(f -> out.add("inside " + java.util.HexFormat.of().formatHex(f)));
        lab.outsideOut().forEach(f -> out.add("outside " + java.util.HexFormat.of().formatHex(f)));
        out.add("counters " + lab.counters.snapshot());
        return out;
    }

    /** {@code icmp.errors_sent} from a "counters {...}" line. */
    private static long icmpErrors(String counters) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("icmp\\.errors_sent=(\\d+)").matcher(counters);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aLinkIsNotResetToALargerMtuThanItWasMadeWith() {
        MemoryTopology lab = new MemoryTopology(true, 1000, 1000, (config, counters) -> Translator.ROUTING,
                Offloads.NONE, Offloads.NONE, MemoryTopology.config(true, 1000, 1000).nat(), 16);
        assertThatThrownBy(() -> lab.reset(1, true, 1000, 1200)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MTU 1200");
        // The router itself takes the smaller of the config's MTU and the device's, as a new one does.
        lab.router.reset(MemoryTopology.config(true, 1000, 1200));
        assertThat(lab.router.iface(org.jnat.stack.Side.OUTSIDE).mtu()).isEqualTo(1000);
    }
}
