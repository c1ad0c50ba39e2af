package org.jnat.pcp;

import org.jnat.testing.Requirement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.pcp.PcpRig.CL;
import static org.jnat.pcp.PcpRig.CL2;
import static org.jnat.pcp.PcpRig.RT_OUT;
import static org.jnat.pcp.PcpRig.SECOND;
import static org.jnat.pcp.PcpRig.SV;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig;
import org.jnat.config.PcpConfig;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.PcpMessage;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;
import org.junit.jupiter.api.Test;

/**
 * The PCP server through the project's client, over a whole router on memory links with the manual
 * clock: every opcode, option and result code of RFC 6887 section 7.4 that a request can cause.
 */
class PcpServerTest {
    static final int TCP = IpProtocol.TCP, UDP = IpProtocol.UDP;
    final PcpClient cl = new PcpClient(CL);

    private static PcpRig rig() {
        return new PcpRig(PcpRig.config(3600, 8, false));
    }

    @Test
    void announcesItselfAtStartTenTimesDoubling() {
        PcpRig rig = rig();
        assertThat(rig.announcements).hasSize(2); // the first ANNOUNCE and NAT-PMP address message, at once
        rig.advance(300 * SECOND);
        assertThat(rig.announcements).hasSize(2 * PcpServer.ANNOUNCEMENTS);
        assertThat(rig.count("pcp.announcements")).isEqualTo(2 * PcpServer.ANNOUNCEMENTS);
        byte[] first = rig.announcements.get(0);
        MemorySegment s = MemorySegment.ofArray(first);
        assertThat(new UdpDatagram().wrap(s, 34).destinationPort()).isEqualTo(PcpMessage.CLIENT_PORT);
        assertThat(first[0] & 0xff).isEqualTo(0x01); // 01:00:5e:00:00:01
        PcpMessage announce = PcpClient.read(java.util.Arrays.copyOfRange(first, 42, first.length));
        assertThat(announce.opcode()).isEqualTo(PcpMessage.ANNOUNCE);
        assertThat(announce.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(announce.epochTime()).isZero();
        byte[] second = rig.announcements.get(1);
        NatPmpMessage address = PcpClient.readNatPmp(java.util.Arrays.copyOfRange(second, 42, second.length));
        assertThat(address.op()).isEqualTo(128);
        assertThat(address.externalAddress()).isEqualTo(RT_OUT);
        byte[] last = rig.announcements.get(2 * PcpServer.ANNOUNCEMENTS - 1);
        // 250 ms, then doubling: the tenth goes 250 ms * (2^9 - 1) = 127.75 s after the first
        assertThat(PcpClient.readNatPmp(java.util.Arrays.copyOfRange(last, 42, last.length)).epoch()).isEqualTo(127);
    }

    @Test
    void announceRequestTellsTheEpoch() {
        PcpRig rig = rig();
        rig.advance(42 * SECOND);
        PcpMessage r = PcpClient.read(rig.ask(cl.announce()));
        assertThat(r.opcode()).isEqualTo(PcpMessage.ANNOUNCE);
        assertThat(r.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(r.lifetime()).isZero();
        assertThat(r.epochTime()).isEqualTo(42);
        assertThat(r.length()).isEqualTo(PcpMessage.HEADER_LENGTH);
        assertThat(rig.count("pcp.answered.success")).isEqualTo(1);
        assertThat(rig.count("pcp.requests")).isEqualTo(1);
    }

    @Requirement({"RFC 6888 REQ-9"})

    @Test
    void mapOpensThePortToEveryPeerUntilDeleted() {
        PcpRig rig = rig();
        PcpMessage r = PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 600, 7)));
        assertThat(r.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(r.opcode()).isEqualTo(PcpMessage.MAP);
        assertThat(r.lifetime()).isEqualTo(600);
        assertThat(r.externalPort()).isEqualTo(9000);
        assertThat(r.externalAddress()).isEqualTo(RT_OUT);
        assertThat(r.internalPort()).isEqualTo(8080);
        assertThat(r.nonce(0)).isEqualTo(7);
        assertThat(r.protocol()).isEqualTo(TCP);
        List<byte[]> in = rig.inboundSyn(SV, 40000, 9000);
        assertThat(in).hasSize(1);
        assertThat(new org.jnat.wire.TcpSegment().wrap(MemorySegment.ofArray(in.get(0)), 34).destinationPort()).isEqualTo(8080);
        assertThat(rig.inboundSyn(Ipv4Address.parse("8.8.8.8"), 40001, 9000)).hasSize(1);
        PcpMessage deleted = PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 0, 7)));
        assertThat(deleted.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(deleted.lifetime()).isZero();
        assertThat(rig.nat.table().pins().size()).isZero();
        assertThat(rig.inboundSyn(Ipv4Address.parse("9.9.9.9"), 40002, 9000)).isEmpty();
    }

    @Test
    void theLifetimeRunsOutAndMaxLifetimeBoundsIt() {
        PcpRig rig = new PcpRig(PcpRig.config(5, 8, false));
        PcpMessage r = PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 7200, 1)));
        assertThat(r.lifetime()).isEqualTo(5);
        assertThat(r.externalPort()).isEqualTo(5000);
        assertThat(rig.inboundUdp(SV, 53, 5000)).hasSize(1);
        rig.advance(4 * SECOND);
        PcpMessage renewed = PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 3, 1)));
        assertThat(renewed.lifetime()).isEqualTo(3);
        assertThat(renewed.externalPort()).isEqualTo(5000);
        rig.advance(2 * SECOND);
        assertThat(rig.nat.table().pins().size()).isEqualTo(1);
        rig.advance(2 * SECOND);
        assertThat(rig.nat.table().pins().size()).isZero();
        assertThat(rig.count("pcp.mappings.expired")).isEqualTo(1);
        assertThat(rig.inboundUdp(Ipv4Address.parse("8.8.8.8"), 53, 5000)).isEmpty();
    }

    @Test
    void anotherNonceMayNotTouchTheMapping() {
        PcpRig rig = rig();
        PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 1)));
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 2))).resultCode()).isEqualTo(PcpMessage.NOT_AUTHORIZED);
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 0, 2))).resultCode()).isEqualTo(PcpMessage.NOT_AUTHORIZED);
        PcpMessage error = PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 0, 2)));
        assertThat(error.lifetime()).isEqualTo(PcpRequests.LONG_ERROR_SECONDS);
        assertThat(rig.nat.table().pins().size()).isEqualTo(1);
        assertThat(rig.count("pcp.answered.not_authorized")).isEqualTo(3);
    }

    @Test
    void preferFailureRefusesAnotherPort() {
        PcpRig rig = rig();
        PcpClient other = new PcpClient(CL2);
        assertThat(PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 60, 1))).externalPort()).isEqualTo(9000);
        PcpMessage refused = PcpClient.read(rig.ask(CL2, 41000, other.map(TCP, 8080, 9000, 60, 2, PcpClient.preferFailure())));
        assertThat(refused.resultCode()).isEqualTo(PcpMessage.CANNOT_PROVIDE_EXTERNAL);
        assertThat(refused.lifetime()).isEqualTo(PcpRequests.SHORT_ERROR_SECONDS);
        PcpMessage elsewhere = PcpClient.read(rig.ask(CL2, 41000, other.map(TCP, 8080, 9000, 60, 2)));
        assertThat(elsewhere.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(elsewhere.externalPort()).isNotEqualTo(9000);
        PcpMessage echoed = PcpClient.read(rig.ask(CL2, 41000, other.map(UDP, 7000, 7000, 60, 2, PcpClient.preferFailure())));
        assertThat(echoed.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(echoed.externalPort()).isEqualTo(7000);
        int at = echoed.nextOption(echoed.optionsStart(), true);
        assertThat(echoed.optionCode(at)).isEqualTo(PcpMessage.PREFER_FAILURE); // processed options come back
    }

    @Test
    void neverAPortAForwardHolds() {
        PcpRig rig = new PcpRig(PcpRig.config(60, 8, false), NatConfig.defaults(),
                List.of(new ForwardRule(TCP, 9000, 9000, Ipv4Address.parse("192.168.1.20"), 80)));
        assertThat(PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 60, 1, PcpClient.preferFailure()))).resultCode())
                .isEqualTo(PcpMessage.CANNOT_PROVIDE_EXTERNAL);
        assertThat(PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 60, 1))).externalPort()).isNotEqualTo(9000);
    }

    @Test
    void filterLetsOnlyItsPeersIn() {
        PcpRig rig = rig();
        PcpMessage r = PcpClient.read(rig.ask(cl.map(UDP, 5000, 5000, 60, 1, PcpClient.filter(SV, 32, 53))));
        assertThat(r.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        int at = r.nextOption(r.optionsStart(), true);
        assertThat(r.optionCode(at)).isEqualTo(PcpMessage.FILTER);
        assertThat(rig.inboundUdp(SV, 53, 5000)).hasSize(1);
        assertThat(rig.inboundUdp(SV, 54, 5000)).isEmpty();
        assertThat(rig.inboundUdp(Ipv4Address.parse("8.8.8.8"), 53, 5000)).isEmpty();
        // a renewal without FILTER lets every peer in again; prefix length 0 does too
        PcpClient.read(rig.ask(cl.map(UDP, 5000, 5000, 60, 1)));
        assertThat(rig.inboundUdp(Ipv4Address.parse("8.8.8.8"), 53, 5000)).hasSize(1);
        PcpClient.read(rig.ask(cl.map(UDP, 5000, 5000, 60, 1, PcpClient.filter(SV, 32, 0), PcpClient.rawFilter(0, 0, 0))));
        assertThat(rig.inboundUdp(Ipv4Address.parse("8.8.4.4"), 53, 5000)).hasSize(1);
    }

    @Test
    void tooManyOrMalformedFilters() {
        PcpRig rig = rig();
        byte[][] five = new byte[5][];
        for (int i = 0; i < five.length; i++) {
            five[i] = PcpClient.filter(SV + i, 32, 0);
        }
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 1, five))).resultCode())
                .isEqualTo(PcpMessage.EXCESSIVE_REMOTE_PEERS);
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 1, PcpClient.rawFilter(64, 0, SV)))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_OPTION);
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 1, PcpClient.option(PcpMessage.FILTER, 16)))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_OPTION);
        assertThat(PcpClient.read(rig.ask(cl.map(UDP, 5000, 0, 60, 1, PcpClient.preferFailure(), PcpClient.preferFailure())))
                .resultCode()).isEqualTo(PcpMessage.MALFORMED_OPTION);
        assertThat(rig.nat.table().pins().size()).isZero();
    }

    @Test
    void thirdPartyOnlyWhenAllowed() {
        PcpRig refused = rig();
        byte[] request = cl.map(TCP, 80, 8081, 60, 1, PcpClient.thirdParty(Ipv4Address.parse("192.168.1.20")));
        assertThat(PcpClient.read(refused.ask(request)).resultCode()).isEqualTo(PcpMessage.NOT_AUTHORIZED);
        PcpRig allowed = new PcpRig(PcpRig.config(60, 8, true));
        PcpMessage r = PcpClient.read(allowed.ask(request));
        assertThat(r.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(r.externalPort()).isEqualTo(8081);
        List<byte[]> in = allowed.inboundSyn(SV, 40000, 8081);
        assertThat(in).hasSize(1);
        assertThat(new org.jnat.wire.Ipv4Packet().wrap(MemorySegment.ofArray(in.get(0)), 14).destinationAddress())
                .isEqualTo(Ipv4Address.parse("192.168.1.20"));
        // never for a host off the inside network
        assertThat(PcpClient.read(allowed.ask(cl.map(TCP, 80, 0, 60, 1, PcpClient.thirdParty(SV)))).resultCode())
                .isEqualTo(PcpMessage.NOT_AUTHORIZED);
    }

    @Test
    void theClientAddressMustBeTheSource() {
        PcpRig rig = rig();
        PcpClient liar = new PcpClient(CL2);
        assertThat(PcpClient.read(rig.ask(liar.map(TCP, 80, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.ADDRESS_MISMATCH);
        assertThat(PcpClient.read(rig.ask(liar.announce())).resultCode()).isEqualTo(PcpMessage.ADDRESS_MISMATCH);
    }

    @Test
    void versionsLengthsOpcodesOptionsAndProtocols() {
        PcpRig rig = rig();
        byte[] v1 = cl.announce();
        v1[0] = 1;
        PcpMessage unsupported = PcpClient.read(rig.ask(v1));
        assertThat(unsupported.resultCode()).isEqualTo(PcpMessage.UNSUPP_VERSION);
        assertThat(unsupported.version()).isEqualTo(2); // the version the server speaks (section 9)
        assertThat(PcpClient.read(rig.ask(java.util.Arrays.copyOf(cl.announce(), 22))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_REQUEST); // shorter than the header
        PcpMessage odd = PcpClient.read(rig.ask(java.util.Arrays.copyOf(cl.announce(), 26)));
        assertThat(odd.resultCode()).isEqualTo(PcpMessage.MALFORMED_REQUEST); // not a multiple of 4
        assertThat(odd.length()).isEqualTo(24); // the answer is, though
        assertThat(PcpClient.read(rig.ask(java.util.Arrays.copyOf(cl.map(TCP, 80, 0, 60, 1), 56))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_REQUEST); // a truncated body
        byte[] huge = java.util.Arrays.copyOf(cl.announce(PcpClient.option(200, 1100)), 1104);
        PcpMessage tooLong = PcpClient.read(rig.ask(huge));
        assertThat(tooLong.resultCode()).isEqualTo(PcpMessage.MALFORMED_REQUEST);
        assertThat(tooLong.length()).isEqualTo(PcpMessage.MAX_LENGTH);
        byte[] opcode = cl.announce();
        opcode[1] = 5;
        assertThat(PcpClient.read(rig.ask(opcode)).resultCode()).isEqualTo(PcpMessage.UNSUPP_OPCODE);
        assertThat(PcpClient.read(rig.ask(cl.map(TCP, 80, 0, 60, 1, PcpClient.option(50, 4)))).resultCode())
                .isEqualTo(PcpMessage.UNSUPP_OPTION); // mandatory to process
        PcpMessage skipped = PcpClient.read(rig.ask(cl.map(TCP, 80, 0, 60, 1, PcpClient.option(200, 4))));
        assertThat(skipped.resultCode()).isEqualTo(PcpMessage.SUCCESS); // optional, skipped
        assertThat(skipped.length()).isEqualTo(60); // and left out of the answer
        assertThat(PcpClient.read(rig.ask(cl.peer(UDP, 5000, 0, 60, 1, SV, 53, PcpClient.preferFailure()))).resultCode())
                .isEqualTo(PcpMessage.UNSUPP_OPTION); // valid for MAP only
        assertThat(PcpClient.read(rig.ask(cl.map(IpProtocol.ICMP, 1, 0, 60, 1))).resultCode())
                .isEqualTo(PcpMessage.UNSUPP_PROTOCOL);
        assertThat(PcpClient.read(rig.ask(cl.map(0, 0, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.UNSUPP_PROTOCOL);
        assertThat(PcpClient.read(rig.ask(cl.map(0, 80, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.MALFORMED_REQUEST);
        assertThat(PcpClient.read(rig.ask(cl.map(TCP, 0, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.MALFORMED_REQUEST);
        byte[] truncatedOption = cl.map(TCP, 80, 0, 60, 1, PcpClient.option(PcpMessage.FILTER, 20));
        assertThat(PcpClient.read(rig.ask(java.util.Arrays.copyOf(truncatedOption, truncatedOption.length - 4)))
                .resultCode()).isEqualTo(PcpMessage.MALFORMED_OPTION);
        // what is not answered: a response, and a datagram shorter than 2 bytes
        byte[] response = cl.announce();
        response[1] = (byte) 0x80;
        assertThat(rig.ask(response)).isNull();
        assertThat(rig.ask(new byte[] {2})).isNull();
        assertThat(rig.count("pcp.dropped.malformed")).isEqualTo(2);
    }

    @Test
    void quotasAndResources() {
        PcpRig perHost = new PcpRig(PcpRig.config(60, 2, false));
        assertThat(PcpClient.read(perHost.ask(cl.map(UDP, 5000, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(PcpClient.read(perHost.ask(cl.map(UDP, 5001, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(PcpClient.read(perHost.ask(cl.map(UDP, 5002, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.USER_EX_QUOTA);
        NatConfig tight = NatConfig.defaults().withPorts(40000, 40001).withLimits(1024, 1);
        PcpRig sessions = new PcpRig(PcpRig.config(60, 8, false), tight, List.of());
        assertThat(PcpClient.read(sessions.ask(cl.map(UDP, 5000, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.SUCCESS);
        // max-sessions-per-host 1: the mapping holds it
        assertThat(PcpClient.read(sessions.ask(cl.map(UDP, 5001, 0, 60, 1))).resultCode()).isEqualTo(PcpMessage.USER_EX_QUOTA);
        PcpClient two = new PcpClient(CL2);
        assertThat(PcpClient.read(sessions.ask(CL2, 41000, two.map(UDP, 5000, 0, 60, 2))).resultCode())
                .isEqualTo(PcpMessage.SUCCESS);
        PcpClient three = new PcpClient(Ipv4Address.parse("192.168.1.12"));
        assertThat(PcpClient.read(sessions.ask(Ipv4Address.parse("192.168.1.12"), 41000, three.map(UDP, 5000, 0, 60, 3)))
                .resultCode()).isEqualTo(PcpMessage.NO_RESOURCES); // ports 40000-40001 are both taken
    }

    @Test
    void outboundFromTheMappedEndpointUsesTheMapping() {
        PcpRig rig = rig();
        PcpClient.read(rig.ask(cl.map(UDP, 5000, 6000, 60, 1)));
        assertThat(rig.outboundUdp(CL, 5000, 53)).isEqualTo(6000);
    }

    @Test
    void peerMakesTheSessionAndTellsItsLifetime() {
        PcpRig rig = rig();
        PcpMessage r = PcpClient.read(rig.ask(cl.peer(UDP, 5000, 0, 7200, 1, SV, 53)));
        assertThat(r.resultCode()).isEqualTo(PcpMessage.SUCCESS);
        assertThat(r.opcode()).isEqualTo(PcpMessage.PEER);
        assertThat(r.externalPort()).isEqualTo(5000);
        assertThat(r.lifetime()).isEqualTo(300); // the UDP idle timeout, 5 min
        assertThat(r.remotePeerAddress()).isEqualTo(SV);
        assertThat(r.remotePeerPort()).isEqualTo(53);
        assertThat(rig.inboundUdp(SV, 53, 5000)).hasSize(1); // the peer may answer
        assertThat(rig.inboundUdp(SV, 54, 5000)).isEmpty(); // no one else (address-and-port-dependent filtering)
        assertThat(PcpClient.read(rig.ask(cl.peer(UDP, 5000, 0, 60, 1, SV, 0))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_REQUEST);
        assertThat(PcpClient.read(rig.ask(cl.peer(UDP, 5000, 0, 60, 1, PcpRig.CL2, 53))).resultCode())
                .isEqualTo(PcpMessage.MALFORMED_REQUEST);
        assertThat(PcpClient.read(rig.ask(cl.peer(IpProtocol.ICMP, 5000, 0, 60, 1, SV, 53))).resultCode())
                .isEqualTo(PcpMessage.UNSUPP_PROTOCOL);
    }

    @Test
    void requestsFromTheOutsideAreNotAnswered() {
        PcpRig rig = rig();
        rig.outside.b().send(org.jnat.testing.Frames.udpFrame(PcpRig.ISP_MAC, PcpRig.RT_OUT_MAC, SV, 41000, RT_OUT,
                PcpMessage.SERVER_PORT, cl.announce()));
        rig.outside.b().send(org.jnat.testing.Frames.udpFrame(PcpRig.ISP_MAC, PcpRig.RT_OUT_MAC, SV, 41000, PcpRig.RT_IN,
                PcpMessage.SERVER_PORT, cl.announce()));
        rig.run();
        assertThat(rig.outside.b().drain()).isEmpty();
        assertThat(rig.count("pcp.requests")).isZero();
    }

    @Test
    void tcpFlowThroughAMappingIsTranslated() {
        PcpRig rig = rig();
        PcpClient.read(rig.ask(cl.map(TCP, 8080, 9000, 60, 1)));
        List<byte[]> in = rig.inboundSyn(SV, 40000, 9000);
        TcpSegment syn = new TcpSegment().wrap(MemorySegment.ofArray(in.get(0)), 34);
        assertThat(syn.flags() & TcpSegment.SYN).isNotZero();
        assertThat(rig.nat.table().size()).isEqualTo(1);
    }

    @Test
    void aBadChecksumIsDroppedUnanswered() {
        PcpRig rig = rig();
        byte[] frame = org.jnat.testing.Frames.udpFrame(PcpRig.CL_MAC, PcpRig.RT_IN_MAC, CL, 41000, PcpRig.RT_IN,
                PcpMessage.SERVER_PORT, cl.announce());
        frame[40] ^= 0x55; // the UDP checksum
        rig.inside.b().send(frame);
        rig.run();
        assertThat(rig.inside.b().drain()).isEmpty();
        assertThat(rig.count("pcp.dropped.malformed")).isEqualTo(1);
        assertThat(rig.count("pcp.requests")).isZero();
    }

    @Test
    void aRequestToTheOutsideAddressIsRefusedAsAClosedPort() {
        // Through the NAT a datagram to the public address is translated like any other (hairpinned);
        // plain routing delivers it to the router, and the server listens on the inside address only.
        PcpRig rig = new PcpRig(PcpRig.config(60, 8, false), NatConfig.defaults(), List.of(), true);
        rig.inside.b().send(org.jnat.testing.Frames.udpFrame(PcpRig.CL_MAC, PcpRig.RT_IN_MAC, CL, 41000, RT_OUT,
                PcpMessage.SERVER_PORT, cl.announce()));
        rig.run();
        List<byte[]> out = rig.inside.b().drain();
        assertThat(out).hasSize(1);
        org.jnat.wire.IcmpPacket icmp = new org.jnat.wire.IcmpPacket().wrap(MemorySegment.ofArray(out.get(0)), 34);
        assertThat(icmp.type()).isEqualTo(org.jnat.wire.IcmpPacket.DESTINATION_UNREACHABLE);
        assertThat(icmp.code()).isEqualTo(org.jnat.wire.IcmpPacket.PORT_UNREACHABLE);
        assertThat(rig.count("pcp.refused.outside")).isEqualTo(1);
        assertThat(rig.count("pcp.requests")).isZero();
        // and from the outside to the inside address, the router's ingress drops it first
        rig.outside.b().send(org.jnat.testing.Frames.udpFrame(PcpRig.ISP_MAC, PcpRig.RT_OUT_MAC, SV, 41000, PcpRig.RT_IN,
                PcpMessage.SERVER_PORT, cl.announce()));
        rig.run();
        assertThat(rig.outside.b().drain()).isEmpty();
        assertThat(rig.count("ipv4.dropped.not_this_side")).isEqualTo(1);
    }

    @Test
    void anAnswerThatDoesNotFitIsDroppedNotThrown() {
        PcpRig rig = rig();
        byte[] request = cl.map(TCP, 80, 0, 60, 1);
        MemorySegment small = MemorySegment.ofArray(new byte[40]);
        assertThat(rig.server.answer(MemorySegment.ofArray(request), 0, request.length, CL, 5350, small, 0,
                rig.clock.nanos())).isZero();
        assertThat(rig.count("pcp.dropped.malformed")).isEqualTo(1);
    }
}
