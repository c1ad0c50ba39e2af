package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code jnat stun-server}'s answers to bad arguments: one line each, exit 1, nothing bound. */
class StunServerCommandTest {
    @Test
    void aNameInsteadOfAnAddress() {
        Cli.Run run = Cli.run("stun-server", "--address", "stun.example", "--other", "127.0.0.2");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("stun-server: --address: expected an IPv4 or IPv6 address, got \"stun.example\""
                + System.lineSeparator());
    }

    @Test
    void anAddressThisHostDoesNotHave() {
        Cli.Run run = Cli.run("stun-server", "--address", "127.0.0.1", "--other", "192.0.2.99", "--port", "0", "--other-port", "0");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("stun-server: ports must be 1 to 65535, got 0");
        run = Cli.run("stun-server", "--address", "127.0.0.1", "--other", "192.0.2.99", "--port", "47811", "--other-port", "47812");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("stun-server: cannot bind udp ")
                .contains("192.0.2.99:4781")
                .endsWith("(is the address on one of this host's interfaces, and the port free?)" + System.lineSeparator());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void theSamePortTwice() {
        Cli.Run run = Cli.run("stun-server", "--address", "127.0.0.1", "--other", "127.0.0.2", "--port", "3478", "--other-port", "3478");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("stun-server: --port and --other-port must differ (RFC 5780 needs two ports)"
                + System.lineSeparator());
    }
}
