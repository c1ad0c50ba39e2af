package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.router.MemoryTopology.ISP_MAC;
import static org.jnat.router.MemoryTopology.RT_OUT;
import static org.jnat.router.MemoryTopology.RT_OUT_MAC;
import static org.jnat.router.MemoryTopology.SV;

import java.lang.foreign.ValueLayout;
import org.jnat.device.PacketBuffer;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.junit.jupiter.api.Test;

/** The verdicts a translator can give, and the responder it gets. */
class TranslatorSeamTest {
    static final class Fixed implements Translator {
        int verdict;
        Responder responder;
        PacketBuffer kept = PacketBuffer.allocate();
        int outbound, inbound;
        /** Per look-ahead call: frames, side (1 inside), and how many frames had been translated before it. */
        java.util.List<int[]> prefetches = new java.util.ArrayList<>();

        public void prefetch(org.jnat.device.FrameBatch batch, int count, boolean inside) {
            prefetches.add(new int[] {count, inside ? 1 : 0, outbound + inbound});
        }

        public int outbound(PacketBuffer frame, int ipOffset, long now) {
            outbound++;
            return verdict;
        }

        public int inbound(PacketBuffer frame, int ipOffset, long now) {
            inbound++;
            if (verdict == CONSUMED) {
                kept.copyFrom(frame);
            }
            return verdict;
        }

        public void attach(Responder responder) {
            this.responder = responder;
        }
    }

    static byte[] udpToPublic() {
        return Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 60, 1, 0, Frames.udp(SV, RT_OUT, 5000, 41001, new byte[4]));
    }

    static byte[] synToPublic() {
        return Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 6, 60, 1, 0x4000, Frames.tcpSyn(SV, RT_OUT, 42000, 41000, 7));
    }

    /** The translator sees each received batch of two or more frames before the first of them is translated. */
    @Test
    void aBatchIsOfferedForLookAheadBeforeItsFrames() {
        Fixed t = new Fixed();
        t.verdict = Translator.DROP;
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, t);
        lab.fromOutside(udpToPublic());
        lab.run();
        assertThat(t.prefetches).as("one frame: nothing to overlap").isEmpty();
        for (int i = 0; i < 3; i++) {
            lab.fromOutside(udpToPublic());
        }
        lab.run();
        assertThat(t.prefetches).hasSize(1);
        assertThat(t.prefetches.getFirst()).containsExactly(3, 0, 1);
        assertThat(t.inbound).isEqualTo(4);
    }

    @Test
    void prohibitedGivesCode13() {
        Fixed t = new Fixed();
        t.verdict = Translator.PROHIBITED;
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, t);
        lab.fromOutside(udpToPublic());
        lab.run();
        byte[] error = lab.outsideOut().getFirst();
        assertThat(FrameFields.icmpType(error)).isEqualTo(3);
        assertThat(FrameFields.icmpCode(error)).isEqualTo(13);
        assertThat(t.inbound).isEqualTo(1);
    }

    @Test
    void dropSendsNothingAndRejectSendsAReset() {
        Fixed t = new Fixed();
        t.verdict = Translator.DROP;
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, t);
        lab.fromOutside(synToPublic());
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(lab.count("translator.dropped")).isEqualTo(1);
        t.verdict = Translator.REJECT;
        lab.fromOutside(synToPublic());
        lab.run();
        byte[] rst = lab.outsideOut().getFirst();
        assertThat(FrameFields.protocol(rst)).isEqualTo(6);
        assertThat(FrameFields.ipSrc(rst)).isEqualTo(RT_OUT);
    }

    @Test
    void aConsumedPacketCanBeRefusedLaterThroughTheResponder() {
        Fixed t = new Fixed();
        t.verdict = Translator.CONSUMED;
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, t);
        lab.fromOutside(synToPublic());
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(t.responder).isNotNull();
        // Six seconds later (RFC 5382 REQ-4), the NAT gives up waiting for an outbound SYN.
        lab.clock.advance(6_000 * MemoryTopology.MS);
        assertThat(t.responder.reject(t.kept, 14, lab.clock.nanos())).isTrue();
        byte[] rst = lab.outsideOut().getFirst();
        assertThat(rst[47] & 0xff).isEqualTo(0x14);
        assertThat(FrameFields.ipDst(rst)).isEqualTo(SV);
    }

    @Test
    void theInsideGoesThroughOutboundAndTheOutsideThroughInbound() {
        Fixed t = new Fixed();
        t.verdict = Translator.FORWARD;
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, t);
        lab.fromInside(MemoryTopology.clToSv(64, 1, 0, new byte[4]));
        lab.fromOutside(MemoryTopology.svToCl(64, 1, 0, new byte[4]));
        lab.run();
        assertThat(t.outbound).isEqualTo(1);
        assertThat(t.inbound).isEqualTo(1);
        assertThat(lab.outsideOut()).hasSize(1);
        assertThat(lab.insideOut()).hasSize(1);
    }

    @Test
    void aRewrittenDestinationIsRoutedByItsNewValue() {
        // A toy DNAT: everything to the public address goes to cl.
        Translator dnat = new Translator() {
            public int outbound(PacketBuffer frame, int ipOffset, long now) {
                return FORWARD;
            }

            public int inbound(PacketBuffer frame, int ipOffset, long now) {
                var ip = new org.jnat.wire.Ipv4Packet().wrap(frame.segment(), ipOffset);
                if (ip.destinationAddress() == RT_OUT) {
                    ip.destinationAddressUpdatingChecksum(MemoryTopology.CL);
                    // UDP checksum: a test translator may zero it (RFC 768).
                    frame.segment().set(ValueLayout.JAVA_SHORT_UNALIGNED, ip.payloadOffset() + 6, (short) 0);
                }
                return FORWARD;
            }
        };
        MemoryTopology lab = new MemoryTopology(true, 1500, 1500, dnat);
        lab.fromOutside(udpToPublic());
        lab.run();
        byte[] in = lab.insideOut().getFirst();
        assertThat(FrameFields.ipDst(in)).isEqualTo(MemoryTopology.CL);
        assertThat(FrameFields.ttl(in)).isEqualTo(59);
        assertThat(FrameFields.ipChecksumOk(in)).isTrue();
    }
}
