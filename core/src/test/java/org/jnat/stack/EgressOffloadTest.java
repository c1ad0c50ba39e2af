package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.stack.EgressOffload.COMPLETE_CHECKSUM;
import static org.jnat.stack.EgressOffload.PASS_THROUGH;
import static org.jnat.stack.EgressOffload.SEGMENT;
import static org.jnat.stack.EgressOffload.UNSUPPORTED;

import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.junit.jupiter.api.Test;

class EgressOffloadTest {
    private static final Offloads CSUM_ONLY = new Offloads(true, true, false, false);
    private static final Offloads NO_USO = new Offloads(true, true, true, false);
    private static final Offloads HEADER_ONLY = new Offloads(true, false, false, false);
    private static final Offloads FLAGS_WITHOUT_HEADER = new Offloads(false, true, true, true);

    private static PacketBuffer frame(int flags, int gsoType) {
        PacketBuffer b = PacketBuffer.allocate(java.lang.foreign.Arena.ofAuto(), 64);
        b.flags = flags;
        b.gsoType = gsoType;
        b.gsoSize = gsoType == 0 ? 0 : 1448;
        return b;
    }

    @Test
    void aPlainFrameGoesAnywhere() {
        for (Offloads o : new Offloads[] {Offloads.NONE, Offloads.ALL, CSUM_ONLY, HEADER_ONLY}) {
            assertThat(EgressOffload.decide(frame(0, 0), o)).isEqualTo(PASS_THROUGH);
            assertThat(EgressOffload.decide(frame(PacketBuffer.F_DATA_VALID, 0), o)).isEqualTo(PASS_THROUGH);
        }
    }

    @Test
    void aPartialChecksumIsCompletedUnlessTheDeviceTakesIt() {
        PacketBuffer partial = frame(PacketBuffer.F_NEEDS_CSUM, 0);
        assertThat(EgressOffload.decide(partial, Offloads.NONE)).isEqualTo(COMPLETE_CHECKSUM);
        assertThat(EgressOffload.decide(partial, HEADER_ONLY)).isEqualTo(COMPLETE_CHECKSUM);
        assertThat(EgressOffload.decide(partial, FLAGS_WITHOUT_HEADER)).isEqualTo(COMPLETE_CHECKSUM);
        assertThat(EgressOffload.decide(partial, CSUM_ONLY)).isEqualTo(PASS_THROUGH);
        assertThat(EgressOffload.decide(partial, Offloads.ALL)).isEqualTo(PASS_THROUGH);
    }

    @Test
    void superPacketsAreSegmentedUnlessTheDeviceSegmentsThatKind() {
        int f = PacketBuffer.F_NEEDS_CSUM;
        PacketBuffer tso = frame(f, PacketBuffer.GSO_TCPV4);
        PacketBuffer tsoEcn = frame(f, PacketBuffer.GSO_TCPV4 | EgressOffload.GSO_ECN);
        PacketBuffer uso = frame(f, PacketBuffer.GSO_UDP_L4);
        PacketBuffer ufo = frame(f, PacketBuffer.GSO_UDP);
        assertThat(EgressOffload.decide(tso, Offloads.ALL)).isEqualTo(PASS_THROUGH);
        assertThat(EgressOffload.decide(tsoEcn, Offloads.ALL)).isEqualTo(PASS_THROUGH);
        assertThat(EgressOffload.decide(uso, Offloads.ALL)).isEqualTo(PASS_THROUGH);
        assertThat(EgressOffload.decide(uso, NO_USO)).isEqualTo(SEGMENT);
        assertThat(EgressOffload.decide(tso, NO_USO)).isEqualTo(PASS_THROUGH);
        assertThat(EgressOffload.decide(tso, CSUM_ONLY)).isEqualTo(SEGMENT);
        assertThat(EgressOffload.decide(tso, Offloads.NONE)).isEqualTo(SEGMENT);
        assertThat(EgressOffload.decide(tso, FLAGS_WITHOUT_HEADER)).isEqualTo(SEGMENT);
        assertThat(EgressOffload.decide(ufo, Offloads.ALL)).as("no device takes UFO").isEqualTo(SEGMENT);
    }

    @Test
    void otherGsoTypesAreUnsupported() {
        assertThat(EgressOffload.decide(frame(1, PacketBuffer.GSO_TCPV6), Offloads.ALL)).isEqualTo(UNSUPPORTED);
        assertThat(EgressOffload.decide(frame(1, 2), Offloads.NONE)).isEqualTo(UNSUPPORTED);
        assertThat(EgressOffload.decide(frame(1, 0x7f), Offloads.ALL)).isEqualTo(UNSUPPORTED);
    }
}
