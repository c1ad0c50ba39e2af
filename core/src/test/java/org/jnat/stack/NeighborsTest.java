package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.Ipv4Address.parse;

import java.util.ArrayList;
import java.util.List;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.testing.Frames;
import org.jnat.wire.NetworkOrder;
import org.junit.jupiter.api.Test;

class NeighborsTest {
    static final long SECOND = 1_000_000_000L;
    static final int HOST = parse("192.168.1.10");
    static final long HOST_MAC = 0x16_6e_36_a4_8d_efL;

    final List<Integer> requests = new ArrayList<>();
    final List<String> released = new ArrayList<>();
    final List<Integer> unresolved = new ArrayList<>();
    final Counters counters = new Counters();
    final Neighbors neighbors = new Neighbors("inside", 8, 6, 3, 2048, 60 * SECOND, SECOND, 3, counters,
            new Neighbors.Listener() {
                public void sendRequest(int address) {
                    requests.add(address);
                }

                public void release(PacketBuffer frame, long mac) {
                    released.add(frame.segment().get(NetworkOrder.U16, 18) + "@" + Long.toHexString(mac));
                }

                public void unresolved(PacketBuffer frame, long now) {
                    unresolved.add((int) frame.segment().get(NetworkOrder.U16, 18));
                }
            });

    static PacketBuffer frame(int id) {
        return Frames.ipv4(PacketBuffer.allocate(), parse("203.0.113.9"), HOST, 17, id, 0, new byte[0],
                new byte[8]);
    }

    @Test
    void heldFramesAreReleasedInOrderByTheReply() {
        assertThat(neighbors.lookup(HOST)).isEqualTo(Neighbors.MISSING);
        assertThat(neighbors.hold(HOST, frame(1), 0)).isEqualTo(Neighbors.HELD);
        assertThat(neighbors.hold(HOST, frame(2), 1)).isEqualTo(Neighbors.HELD);
        assertThat(requests).containsExactly(HOST);
        assertThat(neighbors.heldFrames()).isEqualTo(2);

        neighbors.learn(HOST, HOST_MAC, true, 10);

        assertThat(released).containsExactly("1@166e36a48def", "2@166e36a48def");
        assertThat(neighbors.heldFrames()).isZero();
        assertThat(neighbors.lookup(HOST)).isEqualTo(HOST_MAC);
        assertThat(counters.get("arp.inside.frames_released")).isEqualTo(2);
    }

    @Test
    void aFewFramesPerNeighborTheOldestMakesWay() {
        for (int id = 1; id <= 5; id++) {
            neighbors.hold(HOST, frame(id), 0);
        }
        assertThat(neighbors.heldFrames()).isEqualTo(3);
        assertThat(counters.get("arp.inside.dropped.queue_full")).isEqualTo(2);
        neighbors.learn(HOST, HOST_MAC, true, 0);
        assertThat(released).containsExactly("3@166e36a48def", "4@166e36a48def", "5@166e36a48def");
    }

    @Test
    void theHeldFramePoolIsBoundedAcrossNeighbors() {
        for (int h = 0; h < 4; h++) {
            for (int id = 0; id < 3; id++) {
                neighbors.hold(HOST + h, frame(id), 0);
            }
        }
        assertThat(neighbors.heldFrames()).isEqualTo(neighbors.heldCapacity()).isEqualTo(6);
        assertThat(counters.get("arp.inside.dropped.queue_full")).isEqualTo(6);
    }

    @Test
    void retriesThenHostUnreachableForTheHeldFrames() {
        neighbors.hold(HOST, frame(7), 0);
        neighbors.hold(HOST, frame(8), 0);
        for (long t = 0; t <= 10 * SECOND; t += SECOND / 10) {
            neighbors.poll(t);
        }
        assertThat(requests).hasSize(3).containsOnly(HOST);
        assertThat(unresolved).containsExactly(7, 8);
        assertThat(neighbors.size()).isZero();
        assertThat(neighbors.heldFrames()).isZero();
    }

    @Test
    void learnsOnlyFromMessagesToUsUnlessAlreadyKnown() {
        neighbors.learn(HOST, HOST_MAC, false, 0);
        assertThat(neighbors.lookup(HOST)).isEqualTo(Neighbors.MISSING);
        neighbors.learn(HOST, HOST_MAC, true, 0);
        neighbors.learn(HOST, 0x0200_0000_0001L, false, 1);
        assertThat(neighbors.lookup(HOST)).isEqualTo(0x0200_0000_0001L);
    }

    @Test
    void staticEntriesAreNeverOverwrittenNorAged() {
        neighbors.addStatic(HOST, HOST_MAC);
        neighbors.learn(HOST, 0x0200_0000_0666L, true, 0);
        assertThat(counters.get("arp.inside.static_conflict")).isEqualTo(1);
        neighbors.poll(1_000_000 * SECOND);
        assertThat(neighbors.lookup(HOST)).isEqualTo(HOST_MAC);
        assertThat(requests).isEmpty();
    }

    @Test
    void idleEntriesAgeOutAndUsedOnesAreProbed() {
        int idle = HOST + 1;
        neighbors.learn(HOST, HOST_MAC, true, 0);
        neighbors.learn(idle, HOST_MAC + 1, true, 0);
        neighbors.lookup(HOST);
        neighbors.poll(60 * SECOND);
        assertThat(neighbors.lookup(idle)).isEqualTo(Neighbors.MISSING);
        assertThat(neighbors.lookup(HOST)).as("still usable while probed").isEqualTo(HOST_MAC);
        assertThat(requests).containsExactly(HOST);
        neighbors.learn(HOST, HOST_MAC, false, 61 * SECOND);
        neighbors.poll(100 * SECOND);
        assertThat(requests).containsExactly(HOST);
        // Unanswered probes: the entry goes.
        neighbors.lookup(HOST);
        for (long t = 121 * SECOND; t < 130 * SECOND; t += SECOND / 2) {
            neighbors.poll(t);
        }
        assertThat(neighbors.lookup(HOST)).isEqualTo(Neighbors.MISSING);
    }

    @Test
    void aFullTableReusesTheOldestLearnedEntry() {
        for (int i = 0; i < 8; i++) {
            neighbors.learn(HOST + i, HOST_MAC + i, true, i);
        }
        assertThat(neighbors.size()).isEqualTo(8);
        neighbors.learn(HOST + 100, HOST_MAC, true, 100);
        assertThat(neighbors.size()).isEqualTo(8);
        assertThat(neighbors.lookup(HOST)).isEqualTo(Neighbors.MISSING);
        assertThat(neighbors.lookup(HOST + 100)).isEqualTo(HOST_MAC);
        for (int i = 1; i < 8; i++) {
            assertThat(neighbors.lookup(HOST + i)).isEqualTo(HOST_MAC + i);
        }
    }

    @Test
    void removalKeepsEveryOtherEntryFindable() {
        java.util.Random random = new java.util.Random(42);
        java.util.Map<Integer, Long> model = new java.util.HashMap<>();
        long now = 0;
        for (int round = 0; round < 2000; round++) {
            int a = parse("10.0.0.0") + random.nextInt(12);
            now += SECOND;
            neighbors.learn(a, a, true, now);
            model.put(a, now);
            neighbors.poll(now);
            for (int b : model.keySet()) {
                long got = neighbors.lookup(b);
                if (got != Neighbors.MISSING) {
                    assertThat(got).isEqualTo(b);
                }
            }
            assertThat(neighbors.lookup(a)).isEqualTo(a);
            assertThat(neighbors.size()).isLessThanOrEqualTo(8);
        }
    }

    // ---- the next deadline ----------------------------------------------------------------

    @Test
    void nothingPendingNoDeadline() {
        assertThat(neighbors.nextDeadline()).isEqualTo(Deadlines.NONE);
        neighbors.addStatic(HOST, HOST_MAC);
        neighbors.poll(5 * SECOND);
        assertThat(neighbors.nextDeadline()).as("static entries never age").isEqualTo(Deadlines.NONE);
    }

    @Test
    void anUnansweredRequestIsDueAtEachRetryThenNever() {
        neighbors.hold(HOST, frame(7), 5);
        assertThat(neighbors.nextDeadline()).isEqualTo(5 + SECOND);
        List<Long> polls = new ArrayList<>();
        while (neighbors.nextDeadline() != Deadlines.NONE && polls.size() < 10) {
            long at = neighbors.nextDeadline();
            polls.add(at);
            neighbors.poll(at);
        }
        assertThat(polls).containsExactly(5 + SECOND, 5 + 2 * SECOND, 5 + 3 * SECOND);
        assertThat(requests).hasSize(3);
        assertThat(unresolved).containsExactly(7);
        assertThat(neighbors.nextDeadline()).isEqualTo(Deadlines.NONE);
    }

    @Test
    void learnedEntriesAreDueWhenTheyAge() {
        neighbors.learn(HOST, HOST_MAC, true, 10);
        neighbors.learn(HOST + 1, HOST_MAC + 1, true, 20);
        assertThat(neighbors.nextDeadline()).isEqualTo(10 + 60 * SECOND);
        neighbors.poll(10 + 60 * SECOND); // unused: dropped
        assertThat(neighbors.lookup(HOST)).isEqualTo(Neighbors.MISSING);
        assertThat(neighbors.nextDeadline()).isEqualTo(20 + 60 * SECOND);
        neighbors.lookup(HOST + 1);
        neighbors.poll(20 + 60 * SECOND); // used: probed, next request a second later
        assertThat(requests).containsExactly(HOST + 1);
        assertThat(neighbors.nextDeadline()).isEqualTo(20 + 61 * SECOND);
        neighbors.learn(HOST + 1, HOST_MAC + 1, false, 21 + 60 * SECOND);
        assertThat(neighbors.nextDeadline()).as("early is allowed, late is not").isLessThanOrEqualTo(20 + 61 * SECOND);
        neighbors.poll(20 + 61 * SECOND);
        assertThat(neighbors.nextDeadline()).isEqualTo(21 + 120 * SECOND);
    }

    /**
     * Two tables fed the same random traffic: one swept at every step, as a fixed timer step
     * does, the other only when its deadline says so. They must do the same things at the same
     * times; a deadline later than a retry or an ageing shows as a difference.
     */
    @Test
    void pollingOnlyAtTheDeadlineDoesWhatPollingAlwaysDoes() {
        long[] clock = new long[1];
        List<String> always = new ArrayList<>();
        List<String> byDeadline = new ArrayList<>();
        Neighbors a = recording(always, clock);
        Neighbors b = recording(byDeadline, clock);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        PacketBuffer frame = PacketBuffer.allocate();
        int sweeps = 0;
        for (int step = 0; step < 20_000; step++) {
            clock[0] += r.nextLong(SECOND / 2);
            long now = clock[0];
            int host = HOST + r.nextInt(12);
            switch (r.nextInt(5)) {
                case 0 -> {
                    PacketBuffer f = Frames.ipv4(frame, parse("203.0.113.9"), host, 17, step & 0xffff, 0,
                            new byte[0], new byte[8]);
                    a.hold(host, f, now);
                    b.hold(host, f, now);
                }
                case 1 -> {
                    boolean toUs = r.nextBoolean();
                    a.learn(host, HOST_MAC + host, toUs, now);
                    b.learn(host, HOST_MAC + host, toUs, now);
                }
                case 2 -> assertThat(b.lookup(host)).isEqualTo(a.lookup(host));
                default -> {
                }
            }
            a.poll(now);
            if (Deadlines.isDue(b.nextDeadline(), now)) {
                b.poll(now);
                sweeps++;
            }
        }
        // Each entry carries its time: a late request, release or give-up differs.
        assertThat(byDeadline).isEqualTo(always);
        assertThat(always).hasSizeGreaterThan(1_000);
        assertThat(sweeps).as("sweeps by deadline, of 20000 steps").isLessThan(20_000);
    }

    private static Neighbors recording(List<String> log, long[] clock) {
        return new Neighbors("inside", 8, 6, 3, 2048, 60 * SECOND, SECOND, 3, new Counters(), new Neighbors.Listener() {
            public void sendRequest(int address) {
                log.add(clock[0] + " request " + address);
            }

            public void release(PacketBuffer frame, long mac) {
                log.add(clock[0] + " release " + frame.segment().get(NetworkOrder.U16, 18) + "@" + mac);
            }

            public void unresolved(PacketBuffer frame, long now) {
                log.add(now + " unresolved " + frame.segment().get(NetworkOrder.U16, 18));
            }
        });
    }
}
