package org.jnat.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jnat.wire.Ipv4Address.parse;

import org.junit.jupiter.api.Test;

class RoutesTest {
    private final Routes routes = new Routes(parse("192.168.1.1"), 24, parse("203.0.113.1"), 24, parse("203.0.113.254"));

    @Test
    void connectedPrefixesAndTheDefaultGateway() {
        assertThat(routes.side(parse("192.168.1.10"))).isEqualTo(Side.INSIDE);
        assertThat(routes.nextHop(parse("192.168.1.10"))).isEqualTo(parse("192.168.1.10"));
        assertThat(routes.side(parse("203.0.113.254"))).isEqualTo(Side.OUTSIDE);
        assertThat(routes.nextHop(parse("203.0.113.7"))).isEqualTo(parse("203.0.113.7"));
        assertThat(routes.side(parse("198.51.100.10"))).isEqualTo(Side.OUTSIDE);
        assertThat(routes.nextHop(parse("198.51.100.10"))).isEqualTo(parse("203.0.113.254"));
    }

    @Test
    void withoutAGatewayOffLinkDestinationsHaveNoRoute() {
        Routes none = new Routes(parse("192.168.1.1"), 24, parse("203.0.113.1"), 24, 0);
        assertThat(none.side(parse("198.51.100.10"))).isEqualTo(Side.NONE);
        assertThat(none.nextHop(parse("198.51.100.10"))).isZero();
    }

    @Test
    void theLongerPrefixWins() {
        Routes nested = new Routes(parse("10.1.2.1"), 24, parse("10.0.0.1"), 8, parse("10.0.0.254"));
        assertThat(nested.side(parse("10.1.2.9"))).isEqualTo(Side.INSIDE);
        assertThat(nested.side(parse("10.9.9.9"))).isEqualTo(Side.OUTSIDE);
    }
}
