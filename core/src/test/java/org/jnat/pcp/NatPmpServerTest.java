package org.jnat.pcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.pcp.PcpRig.CL;
import static org.jnat.pcp.PcpRig.RT_OUT;
import static org.jnat.pcp.PcpRig.SECOND;
import static org.jnat.pcp.PcpRig.SV;

import org.jnat.wire.Ipv4Address;
import org.jnat.wire.NatPmpMessage;
import org.junit.jupiter.api.Test;

/** NAT-PMP (RFC 6886) through the project's client, over a whole router on memory links with the manual clock. */
class NatPmpServerTest {
    @Test
    void externalAddressWithTheEpoch() {
        PcpRig rig = new PcpRig(PcpRig.config(3600, 8, false));
        rig.advance(10 * SECOND);
        NatPmpMessage r = PcpClient.readNatPmp(rig.ask(PcpClient.natPmpAddress()));
        assertThat(r.op()).isEqualTo(128);
        assertThat(r.resultCode()).isEqualTo(NatPmpMessage.SUCCESS);
        assertThat(r.epoch()).isEqualTo(10);
        assertThat(r.externalAddress()).isEqualTo(RT_OUT);
        assertThat(rig.count("natpmp.requests")).isEqualTo(1);
        assertThat(rig.count("natpmp.answered.success")).isEqualTo(1);
    }

    @Test
    void tcpAndUdpMappingsRenewedDeletedAndExpired() {
        PcpRig rig = new PcpRig(PcpRig.config(30, 8, false));
        byte[] tcp = rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 8080, 9000, 7200));
        assertThat(tcp).hasSize(NatPmpMessage.MAP_RESPONSE_LENGTH);
        NatPmpMessage t = PcpClient.readNatPmp(tcp);
        assertThat(t.op()).isEqualTo(130);
        assertThat(t.resultCode()).isZero();
        assertThat(t.responseInternalPort()).isEqualTo(8080);
        assertThat(t.responseExternalPort()).isEqualTo(9000);
        assertThat(t.responseLifetime()).isEqualTo(30); // max-lifetime
        assertThat(rig.inboundSyn(SV, 40000, 9000)).hasSize(1);
        NatPmpMessage u = PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5000, 0, 10)));
        assertThat(u.op()).isEqualTo(129);
        assertThat(u.responseExternalPort()).isEqualTo(5000);
        assertThat(u.responseLifetime()).isEqualTo(10);
        // renewed: the same port
        NatPmpMessage again = PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 8080, 0, 20)));
        assertThat(again.responseExternalPort()).isEqualTo(9000);
        // deleted
        NatPmpMessage deleted = PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 8080, 0, 0)));
        assertThat(deleted.resultCode()).isZero();
        assertThat(deleted.responseExternalPort()).isZero();
        assertThat(deleted.responseLifetime()).isZero();
        assertThat(rig.inboundSyn(SV, 40001, 9000)).isEmpty();
        // and the UDP one runs out
        assertThat(rig.inboundUdp(SV, 53, 5000)).hasSize(1);
        rig.advance(11 * SECOND);
        assertThat(rig.inboundUdp(Ipv4Address.parse("8.8.8.8"), 53, 5000)).isEmpty();
        assertThat(rig.nat.table().pins().size()).isZero();
    }

    @Test
    void deletingAllOfAProtocol() {
        PcpRig rig = new PcpRig(PcpRig.config(3600, 8, false));
        rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5000, 0, 60));
        rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5001, 0, 60));
        rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 5000, 0, 60));
        NatPmpMessage r = PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 0, 0, 0)));
        assertThat(r.resultCode()).isZero();
        assertThat(rig.nat.table().pins().size()).isEqualTo(1); // the TCP one stays
    }

    @Test
    void errors() {
        PcpRig rig = new PcpRig(PcpRig.config(3600, 1, false));
        NatPmpMessage op = PcpClient.readNatPmp(rig.ask(new byte[] {0, 3}));
        assertThat(op.op()).isEqualTo(131);
        assertThat(op.resultCode()).isEqualTo(NatPmpMessage.UNSUPPORTED_OPCODE);
        assertThat(rig.ask(new byte[] {0, 3})).hasSize(NatPmpMessage.ERROR_RESPONSE_LENGTH);
        assertThat(PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5000, 0, 60))).resultCode())
                .isZero();
        assertThat(PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 5001, 0, 60))).resultCode())
                .isEqualTo(NatPmpMessage.OUT_OF_RESOURCES); // max-mappings-per-host 1
        assertThat(PcpClient.readNatPmp(rig.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_UDP, 0, 0, 60))).resultCode())
                .isEqualTo(NatPmpMessage.NOT_AUTHORIZED);
        // a PCP client's mapping is not NAT-PMP's to renew or delete
        PcpRig shared = new PcpRig(PcpRig.config(3600, 8, false));
        PcpClient.read(shared.ask(new PcpClient(CL).map(org.jnat.wire.IpProtocol.TCP, 80, 0, 60, 1)));
        assertThat(PcpClient.readNatPmp(shared.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 80, 0, 60))).resultCode())
                .isEqualTo(NatPmpMessage.NOT_AUTHORIZED);
        assertThat(PcpClient.readNatPmp(shared.ask(PcpClient.natPmpMap(NatPmpMessage.MAP_TCP, 80, 0, 0))).resultCode())
                .isEqualTo(NatPmpMessage.NOT_AUTHORIZED);
        // a truncated mapping request, and a response, are not answered
        assertThat(rig.ask(new byte[] {0, 1, 0, 0, 0x13, (byte) 0x88})).isNull();
        assertThat(rig.ask(new byte[] {0, (byte) 128})).isNull();
        assertThat(rig.count("natpmp.answered.unsupported_opcode")).isEqualTo(2);
        assertThat(rig.count("natpmp.answered.out_of_resources")).isEqualTo(1);
    }
}
