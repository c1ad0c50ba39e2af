package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;

import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.junit.jupiter.api.Test;

/** DESIGN section 5: steady-state forwarding allocates nothing on the data-plane thread. */
class RouterAllocationTest {
    @Test
    void forwardingBothWaysAllocatesNothing() {
        MemoryTopology lab = new MemoryTopology();
        PacketBuffer up = Frames.buffer(MemoryTopology.clToSv(64, 1, 0x4000, new byte[1000]));
        PacketBuffer down = Frames.buffer(MemoryTopology.svToCl(60, 2, 0, new byte[1000]));
        FrameBatch sink = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 8, 2048);
        long[] forwarded = {0};
        long[] steps = {0};
        Runnable step = () -> {
            steps[0]++;
            lab.inside.b().transmit(up);
            lab.outside.b().transmit(down);
            lab.clock.advance(1_000);
            lab.router.pollOnce(lab.clock.nanos());
            forwarded[0] += lab.outside.b().receive(sink);
            forwarded[0] += lab.inside.b().receive(sink);
        };
        Allocations.assertSteadyStateAllocatesNothing("Router forwarding (2 frames a step)", step, 10_000);
        assertThat(forwarded[0]).as("every frame was forwarded").isEqualTo(2L * steps[0]);
    }

    @Test
    void answeringPingsAndTimeExceededAllocatesNothing() {
        MemoryTopology lab = new MemoryTopology();
        PacketBuffer ping = Frames.buffer(Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.RT_IN, 1, 64, 1, 0,
                Frames.echoRequest(1, 1, 56)));
        PacketBuffer expiring = Frames.buffer(MemoryTopology.clToSv(1, 2, 0, new byte[32]));
        FrameBatch sink = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 8, 2048);
        long[] answers = {0};
        long[] steps = {0};
        Runnable step = () -> {
            steps[0]++;
            lab.inside.b().transmit(ping);
            lab.inside.b().transmit(expiring);
            lab.clock.advance(1_000_000); // 1 ms: the error rate limit refills one each step
            lab.router.pollOnce(lab.clock.nanos());
            answers[0] += lab.inside.b().receive(sink);
        };
        Allocations.assertSteadyStateAllocatesNothing("Router echo replies and time exceeded", step, 10_000);
        assertThat(answers[0]).as("an answer for every ping and every expiring frame").isEqualTo(2L * steps[0]);
    }
}
