package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void parsesHostsNamesAndBracketedIpv6() {
        assertThat(HostPort.parse("127.0.0.1:8080")).isEqualTo(new HostPort("127.0.0.1", 8080));
        assertThat(HostPort.parse("[::1]:9090").socketAddress().getAddress().isLoopbackAddress()).isTrue();
        assertThat(HostPort.parse("router.lan:1").url()).isEqualTo("http://router.lan:1");
    }

    @Test
    void refusesWhatIsNotHostPort() {
        for (String bad : new String[] {"8080", ":8080", "127.0.0.1:0", "127.0.0.1:65536", "300.1.1.1:80", "[::1:80",
                "a b:80", "127.0.0.1:http"}) {
            assertThatThrownBy(() -> HostPort.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("expected HOST:PORT like \"127.0.0.1:8080\", got \"" + bad + "\"");
        }
    }

    @Test
    void onlyLoopbackAddressesAreLoopback() {
        assertThat(HostPort.parse("127.0.0.1:1").isLoopback()).isTrue();
        assertThat(HostPort.parse("127.9.8.7:1").isLoopback()).isTrue();
        assertThat(HostPort.parse("localhost:1").isLoopback()).isTrue();
        assertThat(HostPort.parse("[::1]:1").isLoopback()).isTrue();
        assertThat(HostPort.parse("0.0.0.0:1").isLoopback()).isFalse();
        assertThat(HostPort.parse("192.168.1.1:1").isLoopback()).isFalse();
        assertThat(HostPort.parse("[::]:1").isLoopback()).isFalse();
        assertThat(HostPort.parse("router.lan:1").isLoopback()).as("a name may resolve anywhere").isFalse();
    }
}
