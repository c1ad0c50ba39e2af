package org.jnat.pcp;

import static org.assertj.core.api.Assertions.assertThat;

import org.jnat.device.FrameBatch;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.PcpMessage;
import org.junit.jupiter.api.Test;

/** The request path allocates nothing: a PCP MAP renewal, a NAT-PMP mapping renewal and an error, answered through the router. */
class PcpAllocationTest {
    @Test
    void answeringRequestsAllocatesNothing() {
        PcpRig rig = new PcpRig(PcpRig.config(3600, 8, false));
        rig.advance(300 * PcpRig.SECOND); // past the announcements: only answers come back now
        PcpClient cl = new PcpClient(PcpRig.CL);
        PacketBuffer map = Frames.buffer(Frames.udpFrame(PcpRig.CL_MAC, PcpRig.RT_IN_MAC, PcpRig.CL, 41000, PcpRig.RT_IN,
                PcpMessage.SERVER_PORT, cl.map(IpProtocol.TCP, 8080, 9000, 600, 1, PcpClient.filter(PcpRig.SV, 24, 0))));
        PacketBuffer natPmp = Frames.buffer(Frames.udpFrame(PcpRig.CL_MAC, PcpRig.RT_IN_MAC, PcpRig.CL, 41001,
                PcpRig.RT_IN, PcpMessage.SERVER_PORT, PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5000, 0, 600)));
        PacketBuffer error = Frames.buffer(Frames.udpFrame(PcpRig.CL_MAC, PcpRig.RT_IN_MAC, PcpRig.CL, 41002,
                PcpRig.RT_IN, PcpMessage.SERVER_PORT, cl.map(IpProtocol.ICMP, 1, 0, 600, 1)));
        FrameBatch sink = new FrameBatch(java.lang.foreign.Arena.ofAuto(), 8, 2048);
        long[] answers = {0};
        long[] steps = {0};
        Runnable step = () -> {
            steps[0]++;
            rig.inside.b().transmit(map);
            rig.inside.b().transmit(natPmp);
            rig.inside.b().transmit(error);
            rig.clock.advance(1_000_000);
            rig.router.pollOnce(rig.clock.nanos());
            answers[0] += rig.inside.b().receive(sink);
        };
        Allocations.assertSteadyStateAllocatesNothing("PCP and NAT-PMP answers (3 requests a step)", step, 10_000);
        assertThat(answers[0]).as("an answer to every request").isEqualTo(3L * steps[0]);
        assertThat(rig.nat.table().pins().size()).isEqualTo(2);
    }
}
