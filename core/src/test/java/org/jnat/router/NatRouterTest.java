package org.jnat.router;

import org.jnat.nat.NatEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.router.Lab.CL;
import static org.jnat.router.Lab.CL_MAC;
import static org.jnat.router.Lab.ISP;
import static org.jnat.router.Lab.ISP_MAC;
import static org.jnat.router.Lab.MS;
import static org.jnat.router.Lab.RT_IN;
import static org.jnat.router.Lab.RT_IN_MAC;
import static org.jnat.router.Lab.RT_OUT;
import static org.jnat.router.Lab.SV;

import java.util.Arrays;
import java.util.List;
import org.jnat.stack.Side;
import org.junit.jupiter.api.Test;

/** The router with the NAT engine in its seam: what the stack does for translated packets. */
class NatRouterTest {
    static Lab lab(boolean staticNeighbors) {
        Lab lab = new Lab(staticNeighbors, 1500, 1500, (config, counters) -> NatEngine.of(config, counters, 1));
        lab.router.neighbors(Side.INSIDE).addStatic(CL, CL_MAC);
        return lab;
    }

    @Test
    void outboundIsMasqueradedAndTheAnswerComesBack() {
        Lab lab = lab(true);
        lab.fromInside(Lab.clToSv(64, 1, 0, new byte[8]));
        lab.run();
        byte[] out = lab.outsideOut().getFirst();
        assertThat(Packets.ipSrc(out)).isEqualTo(RT_OUT);
        int port = java.nio.ByteBuffer.wrap(out).getShort(34) & 0xffff;
        lab.fromOutside(Packets.ipv4(Lab.RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 60, 9, 0,
                Packets.udp(SV, RT_OUT, 5353, port, new byte[8])));
        lab.run();
        byte[] in = lab.insideOut().getFirst();
        assertThat(Packets.ipDst(in)).isEqualTo(CL);
        assertThat(Packets.dstMac(in)).isEqualTo(CL_MAC);
    }

    @Test
    void aGatewayThatNeverAnswersGivesTheInsideHostHostUnreachable() {
        Lab lab = lab(false);
        byte[] sent = Lab.clToSv(64, 7, 0, new byte[20]);
        lab.fromInside(sent);
        lab.run();
        lab.advance(5_000 * MS);
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(3).allSatisfy(f -> assertThat(Packets.arpTarget(f)).isEqualTo(ISP));
        // The held datagram had already been translated (from 203.0.113.1); the error about it
        // went through the NAT like an error from the outside, back to cl.
        byte[] error = lab.insideOut().getFirst();
        assertThat(Packets.icmpType(error)).isEqualTo(3);
        assertThat(Packets.icmpCode(error)).isEqualTo(1);
        assertThat(Packets.ipDst(error)).isEqualTo(CL);
        assertThat(Packets.srcMac(error)).isEqualTo(RT_IN_MAC);
        assertThat(Packets.dstMac(error)).isEqualTo(CL_MAC);
        assertThat(Packets.ipChecksumOk(error)).isTrue();
        assertThat(Packets.icmpChecksumOk(error)).isTrue();
        byte[] quote = Packets.quote(error);
        assertThat(Arrays.copyOfRange(quote, 12, 16)).as("the quote names cl again")
                .isEqualTo(Arrays.copyOfRange(sent, 26, 30));
        assertThat(Arrays.copyOfRange(quote, 20, 24)).as("with its own ports").isEqualTo(Arrays.copyOfRange(sent, 34, 38));
    }

    @Test
    void pingsToTheRoutersAddressesAreStillAnswered() {
        Lab lab = lab(true);
        lab.fromInside(Packets.ipv4(RT_IN_MAC, CL_MAC, CL, RT_IN, 1, 64, 1, 0, Packets.echoRequest(5, 1, 16)));
        lab.fromOutside(Packets.ipv4(Lab.RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 1, 60, 2, 0, Packets.echoRequest(6, 1, 16)));
        lab.run();
        assertThat(Packets.icmpType(lab.insideOut().getFirst())).isZero();
        assertThat(Packets.icmpType(lab.outsideOut().getFirst())).isZero();
    }
}
