package org.jnat.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.router.MemoryTopology.CL;
import static org.jnat.router.MemoryTopology.CL_MAC;
import static org.jnat.router.MemoryTopology.ISP;
import static org.jnat.router.MemoryTopology.ISP_MAC;
import static org.jnat.router.MemoryTopology.MS;
import static org.jnat.router.MemoryTopology.RT_IN;
import static org.jnat.router.MemoryTopology.RT_IN_MAC;
import static org.jnat.router.MemoryTopology.RT_OUT;
import static org.jnat.router.MemoryTopology.RT_OUT_MAC;
import static org.jnat.router.MemoryTopology.SV;
import static org.jnat.testing.Frames.DF;
import static org.jnat.testing.Frames.MF;
import static org.jnat.wire.Ipv4Address.parse;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.jnat.runtime.Deadlines;
import org.jnat.stack.Side;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Requirement;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.Test;

/** The router's own stack, one behaviour per test, over memory links with a manual clock. */
class RouterTest {

    // ---- ARP ------------------------------------------------------------------------------

    @Test
    void announcesBothAddressesWithGratuitousArpAtStart() {
        var inside = org.jnat.device.MemoryDevice.pair("i", 1500);
        var outside = org.jnat.device.MemoryDevice.pair("o", 1500);
        Router router = new Router(MemoryTopology.config(true, 1500, 1500), inside.a(), outside.a(),
                new org.jnat.runtime.ManualClock(), new org.jnat.runtime.Counters());
        router.pollOnce(0);
        byte[] in = inside.b().poll();
        byte[] out = outside.b().poll();
        assertThat(FrameFields.etherType(in)).isEqualTo(0x0806);
        assertThat(FrameFields.dstMac(in)).isEqualTo(MacAddress.BROADCAST);
        assertThat(FrameFields.arpSender(in)).isEqualTo(RT_IN).isEqualTo(FrameFields.arpTarget(in));
        assertThat(FrameFields.arpSenderMac(in)).isEqualTo(RT_IN_MAC);
        assertThat(FrameFields.arpSender(out)).isEqualTo(RT_OUT);
        assertThat(FrameFields.arpSenderMac(out)).isEqualTo(RT_OUT_MAC);
        router.pollOnce(1);
        assertThat(inside.b().poll()).as("only once").isNull();
    }

    @Test
    void answersArpForItsAddressOnEachSide() {
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        lab.fromInside(Frames.arp(MacAddress.BROADCAST, CL_MAC, 1, CL_MAC, CL, 0, RT_IN));
        lab.fromOutside(Frames.arp(MacAddress.BROADCAST, ISP_MAC, 1, ISP_MAC, ISP, 0, RT_OUT));
        // Not ours: no answer.
        lab.fromInside(Frames.arp(MacAddress.BROADCAST, CL_MAC, 1, CL_MAC, CL, 0, parse("192.168.1.99")));
        lab.run();
        List<byte[]> in = lab.insideOut();
        List<byte[]> out = lab.outsideOut();
        assertThat(in).hasSize(1);
        assertThat(FrameFields.arpOperation(in.get(0))).isEqualTo(2);
        assertThat(FrameFields.dstMac(in.get(0))).isEqualTo(CL_MAC);
        assertThat(FrameFields.arpSender(in.get(0))).isEqualTo(RT_IN);
        assertThat(FrameFields.arpSenderMac(in.get(0))).isEqualTo(RT_IN_MAC);
        assertThat(FrameFields.arpTarget(in.get(0))).isEqualTo(CL);
        assertThat(out).hasSize(1);
        assertThat(FrameFields.arpSender(out.get(0))).isEqualTo(RT_OUT);
        assertThat(FrameFields.arpSenderMac(out.get(0))).isEqualTo(RT_OUT_MAC);
        // The asker was learned (RFC 826: the request was for us).
        assertThat(lab.router.neighbors(Side.INSIDE).lookup(CL)).isEqualTo(CL_MAC);
    }

    @Test
    void aHeldFrameIsReleasedByTheArpReply() {
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        lab.fromInside(MemoryTopology.clToSv(64, 1, 0, new byte[100]));
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(1);
        assertThat(FrameFields.arpOperation(out.get(0))).isEqualTo(1);
        assertThat(FrameFields.arpTarget(out.get(0))).isEqualTo(ISP);
        assertThat(FrameFields.dstMac(out.get(0))).isEqualTo(MacAddress.BROADCAST);

        lab.fromOutside(Frames.arp(RT_OUT_MAC, ISP_MAC, 2, ISP_MAC, ISP, RT_OUT_MAC, RT_OUT));
        lab.run();
        out = lab.outsideOut();
        assertThat(out).hasSize(1);
        assertThat(FrameFields.dstMac(out.get(0))).isEqualTo(ISP_MAC);
        assertThat(FrameFields.srcMac(out.get(0))).isEqualTo(RT_OUT_MAC);
        assertThat(FrameFields.ipDst(out.get(0))).isEqualTo(SV);
        assertThat(FrameFields.ttl(out.get(0))).isEqualTo(63);
    }

    @Test
    void aTracerouteBurstIsHeldWholeWhileItsNextHopResolves() {
        // traceroute sends 16 probes at once (-N 16) and a STUN agent's first checks come as a
        // burst: all of them wait for the ARP reply, none is dropped to make room (with 4 held,
        // the first traceroute through a fresh router lost hops 3 to 5).
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        for (int id = 1; id <= 16; id++) {
            lab.fromInside(MemoryTopology.clToSv(64, id, 0, new byte[32]));
        }
        lab.run();
        assertThat(lab.outsideOut()).as("one ARP request").hasSize(1);
        assertThat(lab.router.neighbors(Side.OUTSIDE).heldFrames()).isEqualTo(16);

        lab.fromOutside(Frames.arp(RT_OUT_MAC, ISP_MAC, 2, ISP_MAC, ISP, RT_OUT_MAC, RT_OUT));
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(16);
        for (int i = 0; i < 16; i++) {
            assertThat(FrameFields.ip(out.get(i)).identification()).as("in the order they came").isEqualTo(i + 1);
        }
    }

    @Test
    void aFreshRouterHasNothingPending() {
        assertThat(new MemoryTopology().router.nextDeadline()).isEqualTo(Deadlines.NONE);
        MemoryTopology learning = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        assertThat(learning.router.nextDeadline()).isEqualTo(Deadlines.NONE);
        learning.advance(3_600_000 * MS);
        assertThat(learning.insideOut()).isEmpty();
        assertThat(learning.outsideOut()).isEmpty();
    }

    @Test
    void anUnresolvedNextHopIsDueAtEachArpRetry() {
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        long t0 = lab.clock.nanos();
        lab.fromInside(MemoryTopology.clToSv(64, 1, 0, new byte[10]));
        lab.run();
        assertThat(lab.outsideOut()).hasSize(1); // the first request
        assertThat(lab.router.nextDeadline()).isEqualTo(t0 + Router.ARP_RETRY_NANOS);
        lab.clock.set(t0 + Router.ARP_RETRY_NANOS);
        lab.run();
        assertThat(lab.outsideOut()).as("the second request, on time").hasSize(1);
        assertThat(lab.router.nextDeadline()).isEqualTo(t0 + 2 * Router.ARP_RETRY_NANOS);
        // Answered: after the retry time that no longer holds (early is allowed), nothing is due
        // before the entry ages. (The inside learned nothing: cl never sent ARP.)
        lab.fromOutside(Frames.arp(RT_OUT_MAC, ISP_MAC, 2, ISP_MAC, ISP, RT_OUT_MAC, RT_OUT));
        lab.run();
        assertThat(lab.outsideOut()).hasSize(1); // the held datagram
        lab.advance(Router.ARP_RETRY_NANOS);
        assertThat(lab.outsideOut()).as("no request once answered").isEmpty();
        assertThat(lab.router.nextDeadline()).isEqualTo(t0 + Router.ARP_RETRY_NANOS + Router.ARP_REACHABLE_NANOS);
    }

    @Test
    void aStaticNeighborIsUsedWithoutAsking() {
        MemoryTopology lab = new MemoryTopology();
        lab.fromInside(MemoryTopology.clToSv(64, 1, 0, new byte[10]));
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(1);
        assertThat(FrameFields.etherType(out.get(0))).isEqualTo(0x0800);
        assertThat(FrameFields.dstMac(out.get(0))).isEqualTo(ISP_MAC);
        assertThat(lab.count("arp.outside.requests_sent")).isZero();
    }

    @Test
    void arpIsLearnedOnlyFromTheSidesOwnPrefix() {
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        long evil = MacAddress.parse("02:66:66:66:66:66");
        // An outside frame claims cl's inside address, and asks for our public address.
        lab.fromOutside(Frames.arp(MacAddress.BROADCAST, evil, 1, evil, CL, 0, RT_OUT));
        // And claims the gateway's address on the inside.
        lab.fromInside(Frames.arp(MacAddress.BROADCAST, evil, 1, evil, ISP, 0, RT_IN));
        lab.run();
        assertThat(lab.outsideOut()).as("no answer to an off-prefix sender").isEmpty();
        assertThat(lab.insideOut()).isEmpty();
        assertThat(lab.router.neighbors(Side.INSIDE).lookup(CL)).isEqualTo(-1);
        assertThat(lab.router.neighbors(Side.OUTSIDE).lookup(CL)).isEqualTo(-1);
        assertThat(lab.router.neighbors(Side.INSIDE).lookup(ISP)).isEqualTo(-1);
        assertThat(lab.router.neighbors(Side.OUTSIDE).lookup(ISP)).isEqualTo(-1);
        assertThat(lab.count("arp.dropped.off_prefix")).isEqualTo(2);
    }

    @Test
    void anUnansweredArpGivesHostUnreachableForTheHeldFrames() {
        MemoryTopology lab = new MemoryTopology(false, 1500, 1500, Translator.ROUTING);
        lab.router.neighbors(Side.INSIDE).addStatic(CL, CL_MAC);
        byte[] sent = MemoryTopology.clToSv(64, 7, 0, new byte[20]);
        lab.fromInside(sent);
        lab.fromInside(MemoryTopology.clToSv(64, 8, 0, new byte[20]));
        lab.run();
        lab.advance(5_000 * MS);
        List<byte[]> out = lab.outsideOut();
        assertThat(out).as("three requests, then it gives up").hasSize(3)
                .allSatisfy(f -> assertThat(FrameFields.arpTarget(f)).isEqualTo(ISP));
        List<byte[]> in = lab.insideOut();
        assertThat(in).hasSize(2);
        byte[] error = in.get(0);
        assertThat(FrameFields.icmpType(error)).isEqualTo(3);
        assertThat(FrameFields.icmpCode(error)).isEqualTo(1);
        assertThat(FrameFields.ipSrc(error)).isEqualTo(RT_IN);
        assertThat(FrameFields.ipDst(error)).isEqualTo(CL);
        assertThat(FrameFields.dstMac(error)).isEqualTo(CL_MAC);
        assertThat(FrameFields.icmpChecksumOk(error)).isTrue();
        // It quotes the datagram as it was held (TTL already decremented by the forwarding).
        byte[] quote = FrameFields.quote(error);
        assertThat(Arrays.copyOfRange(quote, 12, 20)).isEqualTo(Arrays.copyOfRange(sent, 26, 34));
        assertThat(quote[8] & 0xff).isEqualTo(63);
        assertThat(lab.router.neighbors(Side.OUTSIDE).heldFrames()).isZero();
    }

    // ---- ICMP echo ------------------------------------------------------------------------

    @Test
    void pingIsAnsweredOnBothSides() {
        MemoryTopology lab = new MemoryTopology();
        byte[] request = Frames.ipv4(RT_IN_MAC, CL_MAC, CL, RT_IN, 1, 64, 11, DF, Frames.echoRequest(0x1234, 1, 56));
        lab.fromInside(request);
        lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, CL, RT_OUT, 1, 64, 12, DF, Frames.echoRequest(0x1234, 2, 56)));
        lab.fromOutside(Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 1, 60, 13, 0, Frames.echoRequest(0x99, 3, 56)));
        lab.run();
        List<byte[]> in = lab.insideOut();
        assertThat(in).hasSize(2);
        assertThat(FrameFields.icmpType(in.get(0))).isZero();
        assertThat(FrameFields.ipSrc(in.get(0))).isEqualTo(RT_IN);
        assertThat(FrameFields.ipDst(in.get(0))).isEqualTo(CL);
        assertThat(FrameFields.dstMac(in.get(0))).isEqualTo(CL_MAC);
        assertThat(FrameFields.icmpRest(in.get(0))).isEqualTo((0x1234 << 16) | 1);
        assertThat(Arrays.copyOfRange(in.get(0), 42, in.get(0).length))
                .isEqualTo(Arrays.copyOfRange(request, 42, request.length));
        assertThat(FrameFields.icmpChecksumOk(in.get(0))).isTrue();
        assertThat(FrameFields.ipChecksumOk(in.get(0))).isTrue();
        assertThat(FrameFields.ipSrc(in.get(1))).isEqualTo(RT_OUT);
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(1);
        assertThat(FrameFields.icmpType(out.get(0))).isZero();
        assertThat(FrameFields.ipSrc(out.get(0))).isEqualTo(RT_OUT);
        assertThat(FrameFields.ipDst(out.get(0))).isEqualTo(SV);
        assertThat(FrameFields.dstMac(out.get(0))).isEqualTo(ISP_MAC);
    }

    @Test
    void tcpAndUdpToTheRouterAreRefused() {
        MemoryTopology lab = new MemoryTopology();
        lab.fromOutside(Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 17, 60, 1, 0,
                Frames.udp(SV, RT_OUT, 5000, 41001, new byte[4])));
        lab.fromOutside(Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 6, 60, 2, DF,
                Frames.tcpSyn(SV, RT_OUT, 42000, 41000, 1000)));
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(2);
        assertThat(FrameFields.icmpType(out.get(0))).isEqualTo(3);
        assertThat(FrameFields.icmpCode(out.get(0))).isEqualTo(3);
        assertThat(FrameFields.ipSrc(out.get(0))).isEqualTo(RT_OUT);
        assertThat(FrameFields.protocol(out.get(1))).isEqualTo(6);
        assertThat(out.get(1)[47] & 0xff).as("RST+ACK").isEqualTo(0x14);
        assertThat(java.nio.ByteBuffer.wrap(out.get(1)).getInt(42)).as("ack = seq + 1").isEqualTo(1001);
    }

    // ---- forwarding -----------------------------------------------------------------------

    @Test
    void forwardsBothWaysDecrementingTheTtl() {
        MemoryTopology lab = new MemoryTopology();
        byte[] up = MemoryTopology.clToSv(64, 1, DF, new byte[32]);
        lab.fromInside(up);
        lab.fromOutside(MemoryTopology.svToCl(50, 2, 0, new byte[32]));
        lab.run();
        byte[] out = lab.outsideOut().getFirst();
        assertThat(FrameFields.ttl(out)).isEqualTo(63);
        assertThat(FrameFields.ipChecksumOk(out)).isTrue();
        assertThat(FrameFields.srcMac(out)).isEqualTo(RT_OUT_MAC);
        assertThat(Arrays.copyOfRange(out, 34, out.length)).isEqualTo(Arrays.copyOfRange(up, 34, up.length));
        byte[] in = lab.insideOut().getFirst();
        assertThat(FrameFields.ttl(in)).isEqualTo(49);
        assertThat(FrameFields.dstMac(in)).isEqualTo(CL_MAC);
        assertThat(lab.count("ipv4.forwarded")).isEqualTo(2);
    }

    @Requirement("RFC 5508 REQ-10")
    @Test
    void ttlOneGivesTimeExceededFromTheReceivingSide() {
        MemoryTopology lab = new MemoryTopology();
        byte[] probe = MemoryTopology.clToSv(1, 0x4242, 0, new byte[32]);
        lab.fromInside(probe);
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        byte[] error = lab.insideOut().getFirst();
        assertThat(FrameFields.icmpType(error)).isEqualTo(11);
        assertThat(FrameFields.icmpCode(error)).isZero();
        assertThat(FrameFields.ipSrc(error)).as("traceroute's hop 1").isEqualTo(RT_IN);
        assertThat(FrameFields.ipDst(error)).isEqualTo(CL);
        assertThat(FrameFields.quote(error)).isEqualTo(Arrays.copyOfRange(probe, 14, probe.length));
        assertThat(FrameFields.icmpChecksumOk(error)).isTrue();

        // From the outside, the error comes from the public address.
        lab.fromOutside(MemoryTopology.svToCl(1, 3, 0, new byte[8]));
        lab.run();
        assertThat(FrameFields.ipSrc(lab.outsideOut().getFirst())).isEqualTo(RT_OUT);
    }

    @Requirement("RFC 4787 REQ-14")
    @Test
    void fragmentsInReverseOrderAreReassembledAndRefragmentedToTheMtu() {
        MemoryTopology lab = new MemoryTopology(true, 1200, 1500, Translator.ROUTING);
        byte[] payload = Frames.pattern(3000);
        byte[] whole = MemoryTopology.svToCl(60, 0x777, 0, payload);
        List<byte[]> pieces = Frames.fragments(whole, 1400);
        Collections.reverse(pieces);
        pieces.forEach(lab::fromOutside);
        lab.run();
        List<byte[]> in = lab.insideOut();
        assertThat(lab.count("ipv4.fragments.reassembled")).isEqualTo(1);
        assertThat(in).hasSize(3);
        assertThat(joined(in, 1200)).isEqualTo(Arrays.copyOfRange(whole, 34, whole.length));
    }

    @Test
    void aReassembledDatagramLeavesInFragmentsNoLargerThanItCameIn() {
        // As Linux does (frag_max_size): the sender's fragment size is kept even when the MTU is larger.
        MemoryTopology lab = new MemoryTopology();
        byte[] whole = MemoryTopology.svToCl(60, 0x778, 0, Frames.pattern(3000));
        Frames.fragments(whole, 1000).forEach(lab::fromOutside);
        lab.run();
        List<byte[]> in = lab.insideOut();
        assertThat(in).hasSize(4);
        assertThat(joined(in, 1020)).isEqualTo(Arrays.copyOfRange(whole, 34, whole.length));
    }

    /** Checks the fragments (in order, at most {@code mtu}, valid) and joins their payloads. */
    private static byte[] joined(List<byte[]> fragments, int mtu) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int expectedOffset = 0;
        for (byte[] f : fragments) {
            assertThat(FrameFields.totalLength(f)).isLessThanOrEqualTo(mtu);
            assertThat((FrameFields.flagsOffset(f) & 0x1fff) * 8).isEqualTo(expectedOffset);
            assertThat(FrameFields.ipChecksumOk(f)).isTrue();
            assertThat(FrameFields.ttl(f)).isEqualTo(59);
            joined.writeBytes(Arrays.copyOfRange(f, 34, f.length));
            expectedOffset += FrameFields.totalLength(f) - 20;
        }
        assertThat(FrameFields.flagsOffset(fragments.getLast()) & MF).isZero();
        return joined.toByteArray();
    }

    @Test
    void aFragmentedPingToTheRouterIsAnswered() {
        MemoryTopology lab = new MemoryTopology();
        byte[] whole = Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, RT_OUT, 1, 60, 5, 0, Frames.echoRequest(1, 1, 2000));
        List<byte[]> pieces = Frames.fragments(whole, 800);
        Collections.reverse(pieces);
        pieces.forEach(lab::fromOutside);
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(2);
        assertThat(FrameFields.icmpType(out.get(0))).isZero();
        assertThat(lab.count("icmp.sent.echo_reply")).isEqualTo(1);
    }

    @Requirement("RFC 4787 REQ-13")
    @Test
    void dfWithAFrameTooLargeGivesFragmentationNeededQuotingIt() {
        MemoryTopology lab = new MemoryTopology(true, 1500, 1400, Translator.ROUTING);
        byte[] big = MemoryTopology.clToSv(64, 9, DF, new byte[1450]);
        lab.fromInside(big);
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        byte[] error = lab.insideOut().getFirst();
        assertThat(FrameFields.icmpType(error)).isEqualTo(3);
        assertThat(FrameFields.icmpCode(error)).isEqualTo(4);
        assertThat(FrameFields.icmpRest(error) & 0xffff).as("next-hop MTU").isEqualTo(1400);
        assertThat(FrameFields.ipSrc(error)).isEqualTo(RT_IN);
        byte[] quote = FrameFields.quote(error);
        assertThat(FrameFields.totalLength(error)).isEqualTo(576);
        assertThat(quote).isEqualTo(Arrays.copyOfRange(big, 14, 14 + quote.length));
    }

    @Requirement("RFC 4787 REQ-13a")
    @Test
    void withDfClearTheEgressFragments() {
        MemoryTopology lab = new MemoryTopology(true, 1500, 1400, Translator.ROUTING);
        byte[] big = MemoryTopology.clToSv(64, 9, 0, Frames.pattern(1450));
        lab.fromInside(big);
        lab.run();
        List<byte[]> out = lab.outsideOut();
        assertThat(out).hasSize(2);
        assertThat(FrameFields.totalLength(out.get(0))).isLessThanOrEqualTo(1400);
        assertThat(FrameFields.flagsOffset(out.get(0)) & MF).isEqualTo(MF);
        assertThat(FrameFields.flagsOffset(out.get(1))).isEqualTo((FrameFields.totalLength(out.get(0)) - 20) / 8);
        assertThat(lab.count("ipv4.fragmented")).isEqualTo(1);
    }

    @Test
    void martiansAndSpoofedSourcesAreCountedAndDropped() {
        MemoryTopology lab = new MemoryTopology();
        for (String source : List.of("0.1.2.3", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1",
                "192.168.1.1", "203.0.113.1")) {
            int s = parse(source);
            lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, s, SV, 17, 64, 1, 0, Frames.udp(s, SV, 1, 2, new byte[4])));
        }
        // BCP 38: an inside source off the LAN, an outside source on it.
        int off = parse("10.9.9.9");
        lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, off, SV, 17, 64, 1, 0, Frames.udp(off, SV, 1, 2, new byte[4])));
        lab.fromOutside(Frames.ipv4(RT_OUT_MAC, ISP_MAC, CL, parse("192.168.1.11"), 17, 64, 1, 0,
                Frames.udp(CL, parse("192.168.1.11"), 1, 2, new byte[4])));
        lab.run();
        assertThat(lab.insideOut()).isEmpty();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(lab.count("ipv4.dropped.martian_source")).isEqualTo(7);
        assertThat(lab.count("ipv4.dropped.spoofed_source")).isEqualTo(2);
    }

    @Test
    void broadcastAndMulticastAreNeverForwarded() {
        MemoryTopology lab = new MemoryTopology();
        for (String destination : List.of("255.255.255.255", "224.0.0.251", "239.1.2.3", "203.0.113.255")) {
            int d = parse(destination);
            lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, CL, d, 17, 64, 1, 0, Frames.udp(CL, d, 1, 2, new byte[4])));
        }
        lab.fromOutside(Frames.ipv4(RT_OUT_MAC, ISP_MAC, SV, parse("192.168.1.255"), 17, 64, 1, 0,
                Frames.udp(SV, parse("192.168.1.255"), 1, 2, new byte[4])));
        // Unicast IP in a link broadcast frame.
        lab.fromInside(Frames.ipv4(MacAddress.BROADCAST, CL_MAC, CL, SV, 17, 64, 1, 0, Frames.udp(CL, SV, 1, 2, new byte[4])));
        lab.run();
        assertThat(lab.insideOut()).isEmpty();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(lab.count("ipv4.dropped.broadcast")).isEqualTo(6);
    }

    @Requirement("RFC 5508 REQ-10")
    @Test
    void noIcmpErrorAboutAnIcmpError() {
        MemoryTopology lab = new MemoryTopology();
        byte[] quoted = Arrays.copyOfRange(MemoryTopology.clToSv(64, 1, 0, new byte[8]), 14, 14 + 28);
        // An ICMP error with TTL 1: dropped without a time exceeded.
        lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, CL, SV, 1, 1, 2, 0, Frames.icmp(3, 3, 0, quoted)));
        lab.run();
        assertThat(lab.insideOut()).isEmpty();
        assertThat(lab.count("icmp.suppressed")).isEqualTo(1);
        // An echo request with TTL 1 does get one.
        lab.fromInside(Frames.ipv4(RT_IN_MAC, CL_MAC, CL, SV, 1, 1, 3, 0, Frames.echoRequest(1, 1, 8)));
        lab.run();
        assertThat(FrameFields.icmpType(lab.insideOut().getFirst())).isEqualTo(11);
    }

    @Requirement("RFC 5508 REQ-10")
    @Test
    void icmpErrorsAreRateLimited() {
        MemoryTopology lab = new MemoryTopology();
        for (int i = 0; i < 200; i++) {
            lab.fromInside(MemoryTopology.clToSv(1, i, 0, new byte[8]));
            if (i % 100 == 99) {
                lab.run();
            }
        }
        assertThat(lab.insideOut()).hasSize(50);
        assertThat(lab.count("icmp.rate_limited")).isEqualTo(150);
        lab.clock.advance(10 * MS);
        lab.fromInside(MemoryTopology.clToSv(1, 999, 0, new byte[8]));
        lab.run();
        assertThat(lab.insideOut()).as("1000 a second: 10 ms refills 10").hasSize(1);
    }

    @Test
    void invalidIpv4IsCountedAndDropped() {
        MemoryTopology lab = new MemoryTopology();
        byte[] good = MemoryTopology.clToSv(64, 1, 0, new byte[8]);
        byte[] version = good.clone();
        version[14] = 0x65;
        byte[] ihl = good.clone();
        ihl[14] = 0x44;
        byte[] tooLong = good.clone();
        tooLong[16] = 0x05;  // total length 1280+ > frame
        byte[] checksum = good.clone();
        checksum[24] ^= 0x01;
        byte[] truncated = Arrays.copyOf(good, 30);
        for (byte[] f : List.of(version, ihl, tooLong, checksum, truncated)) {
            lab.fromInside(f);
        }
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(lab.insideOut()).isEmpty();
        assertThat(lab.count("ipv4.dropped.bad_version")).isEqualTo(1);
        assertThat(lab.count("ipv4.dropped.bad_header_length")).isEqualTo(1);
        assertThat(lab.count("ipv4.dropped.bad_total_length")).isEqualTo(1);
        assertThat(lab.count("ipv4.dropped.bad_checksum")).isEqualTo(1);
        assertThat(lab.count("ipv4.dropped.truncated")).isEqualTo(1);
    }

    @Test
    void framesForAnotherMacAreIgnored() {
        MemoryTopology lab = new MemoryTopology();
        byte[] f = MemoryTopology.clToSv(64, 1, 0, new byte[8]);
        f[5] ^= 1;
        lab.fromInside(f);
        lab.run();
        assertThat(lab.outsideOut()).isEmpty();
        assertThat(lab.count("ethernet.dropped.not_for_us")).isEqualTo(1);
    }
}
