package org.jnat.app.stun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link StunServer} on loopback (127.0.0.1 and 127.0.0.2): real sockets, real datagrams. */
class StunServerTest {

    @Test
    void answersFromTheSocketChangeRequestAsksFor() throws Exception {
        try (StunServer server = StunServer.open(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2"), 0, 0);
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Thread loop = Thread.ofPlatform().start(() -> {
                try {
                    server.serve();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            client.setSoTimeout(10_000);
            // Garbage first: counted and dropped, and the server goes on.
            client.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server.socket(0)));
            for (int flags : new int[] {0, 2, 4, 6}) {
                byte[] req = HexFormat.of().parseHex("000100082112a442" + "0102030405060708090a0b0c"
                        + "00030004" + String.format("%08x", flags));
                client.send(new DatagramPacket(req, req.length, server.socket(0)));
                DatagramPacket got = new DatagramPacket(new byte[600], 600);
                client.receive(got);
                int expected = (flags & 4) != 0 ? 2 : 0;
                expected |= (flags & 2) != 0 ? 1 : 0;
                assertThat(got.getSocketAddress()).as("flags %d", flags).isEqualTo(server.socket(expected));
                StunMessage m = new StunMessage().wrap(got.getData(), 0, got.getLength());
                assertThat(m.wellFormed()).isTrue();
                assertThat(m.address(m.find(StunMessage.XOR_MAPPED_ADDRESS), true)).isEqualTo(client.getLocalSocketAddress());
                assertThat(m.address(m.find(StunMessage.OTHER_ADDRESS), false)).isEqualTo(server.socket(3));
            }
            server.stop();
            loop.join(10_000);
            assertThat(loop.isAlive()).isFalse();
            assertThat(server.counters().get("stun.dropped.malformed")).isEqualTo(1);
            assertThat(server.counters().get("stun.answered.rfc5389")).isEqualTo(4);
        }
    }

    @Test
    void anAddressNotOnThisHostGivesOneClearLine() {
        assertThatThrownBy(() -> StunServer.open(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("192.0.2.99"), 0, 0))
                .isInstanceOf(StunServer.StartupException.class)
                .hasMessageStartingWith("stun-server: cannot bind udp 192.0.2.99:0: ")
                .hasMessageEndingWith("(is the address on one of this host's interfaces, and the port free?)");
        assertThatThrownBy(() -> StunServer.open(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.1"), 1, 2))
                .hasMessage("stun-server: --address and --other must differ (RFC 5780 needs two addresses)");
    }
}
