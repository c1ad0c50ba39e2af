package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.jnat.testing.Requirement;
import org.jnat.wire.IpProtocol;
import org.junit.jupiter.api.Test;

class PortAllocatorTest {
    private static final int A = 0xc0a80105;
    private static final int B = 0xc0a80106;
    private static final long HOLD = PortAllocator.DEFAULT_HOLD_NANOS;

    @Test
    void keepsTheInsidePortWhenFree() {
        PortAllocator p = new PortAllocator(1, 65535, HOLD, 1);
        assertThat(p.allocate(IpProtocol.UDP, A, 5000, 0, 0)).isEqualTo(5000);
        assertThat(p.owner(IpProtocol.UDP, 5000)).isEqualTo(0);
        // Each protocol has its own ports.
        assertThat(p.allocate(IpProtocol.TCP, B, 5000, 1, 0)).isEqualTo(5000);
    }

    @Requirement({"RFC 4787 REQ-3a", "RFC 4787 REQ-4", "RFC 7857 section 8"})
    @Test
    void neverGivesAnOwnedPortAgainKeepingClassAndParity() {
        PortAllocator p = new PortAllocator(1, 65535, HOLD, 1);
        assertThat(p.allocate(IpProtocol.UDP, A, 5000, 0, 0)).isEqualTo(5000);
        Set<Integer> seen = new HashSet<>(Set.of(5000));
        for (int i = 1; i < 200; i++) {
            int port = p.allocate(IpProtocol.UDP, B + i, 5000, i, 0);
            assertThat(port).isBetween(1024, 65535);
            assertThat(port % 2).as("parity kept (REQ-4)").isEqualTo(0);
            assertThat(seen.add(port)).as("no port overloading (REQ-3)").isTrue();
        }
        for (int i = 0; i < 100; i++) {
            int port = p.allocate(IpProtocol.UDP, B + 1000 + i, 123, 1000 + i, 0);
            assertThat(port).as("below 1024 stays below 1024 (REQ-3a)").isBetween(1, 1023);
            assertThat(port % 2).isEqualTo(1);
            assertThat(seen.add(port)).isTrue();
        }
    }

    @Requirement("RFC 4787 REQ-4")
    @Test
    void fallsBackToTheOtherParityThenRefuses() {
        PortAllocator p = new PortAllocator(2000, 2003, HOLD, 5);
        assertThat(p.allocate(IpProtocol.TCP, A, 2000, 0, 0)).isEqualTo(2000);
        assertThat(p.allocate(IpProtocol.TCP, B, 2000, 1, 0)).isEqualTo(2002);
        assertThat(p.allocate(IpProtocol.TCP, B, 2010, 2, 0)).isIn(2001, 2003);
        assertThat(p.allocate(IpProtocol.TCP, B, 2011, 3, 0)).isIn(2001, 2003);
        assertThat(p.allocate(IpProtocol.TCP, B, 2012, 4, 0)).isEqualTo(-1);
    }

    @Requirement("RFC 4787 REQ-3a")
    @Test
    void usesTheWholeRangeWhenItHoldsNoPortOfTheClass() {
        // The range holds no port below 1024, the class of inside port 53: every port of the
        // range is given, of both parities, each once, and then no more.
        PortAllocator p = new PortAllocator(40000, 40009, HOLD, 5);
        Set<Integer> given = new HashSet<>();
        for (int owner = 0; owner < 10; owner++) {
            int port = p.allocate(IpProtocol.UDP, A + owner, 53, owner, 0);
            assertThat(port).as("allocation %d", owner).isBetween(40000, 40009);
            assertThat(given.add(port)).as("port %d given twice", port).isTrue();
        }
        assertThat(given).as("the whole range").hasSize(10);
        assertThat(p.allocate(IpProtocol.UDP, A + 10, 53, 10, 0)).as("an eleventh").isEqualTo(-1);
    }

    @Requirement("RFC 6888 REQ-8")
    @Test
    void aFreedPortIsHeldFromOtherHostsButNotFromItsOwner() {
        PortAllocator p = new PortAllocator(1, 65535, HOLD, 1);
        assertThat(p.allocate(IpProtocol.UDP, A, 5000, 0, 0)).isEqualTo(5000);
        p.release(IpProtocol.UDP, 5000, A, 10);
        assertThat(p.allocate(IpProtocol.UDP, B, 5000, 1, 20)).as("held for 120 s (RFC 6888 REQ-8)").isNotEqualTo(5000);
        assertThat(p.isAvailable(IpProtocol.UDP, 5000, B, 10 + HOLD - 1)).isFalse();
        assertThat(p.isAvailable(IpProtocol.UDP, 5000, B, 10 + HOLD)).isTrue();
        assertThat(p.allocate(IpProtocol.UDP, A, 5000, 2, 30)).as("the same host has it back").isEqualTo(5000);
    }

    @Test
    void reservedPortsAreNeverAllocated() {
        PortAllocator p = new PortAllocator(8080, 8081, HOLD, 1);
        p.reserve(IpProtocol.TCP, 8080);
        assertThat(p.allocate(IpProtocol.TCP, A, 8080, 0, 0)).isEqualTo(8081);
        assertThat(p.allocate(IpProtocol.TCP, A, 8082, 1, 0)).isEqualTo(-1);
        assertThat(p.owner(IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.RESERVED);
        assertThat(p.claim(IpProtocol.TCP, 8080, A, 2, 0)).as("nor claimed").isFalse();
    }

    /** A port reserved while a mapping holds it is reserved when the mapping lets it go; unreserved, it is held. */
    @Test
    void aReservationWaitsForTheMappingAndEndsWithAHold() {
        PortAllocator p = new PortAllocator(8080, 8081, HOLD, 1);
        assertThat(p.allocate(IpProtocol.TCP, A, 8080, 0, 0)).isEqualTo(8080);
        p.reserve(IpProtocol.TCP, 8080);
        assertThat(p.isReserved(IpProtocol.TCP, 8080)).isTrue();
        assertThat(p.owner(IpProtocol.TCP, 8080)).as("the mapping keeps it").isEqualTo(0);
        p.release(IpProtocol.TCP, 8080, A, 10);
        assertThat(p.owner(IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.RESERVED);
        assertThat(p.allocate(IpProtocol.TCP, A, 8080, 1, 20)).as("not even for its last holder").isEqualTo(8081);
        p.unreserve(IpProtocol.TCP, 8080, B, 30);
        assertThat(p.isReserved(IpProtocol.TCP, 8080)).isFalse();
        assertThat(p.owner(IpProtocol.TCP, 8080)).isEqualTo(PortAllocator.FREE);
        assertThat(p.isAvailable(IpProtocol.TCP, 8080, A, 30)).as("held from other hosts").isFalse();
        assertThat(p.isAvailable(IpProtocol.TCP, 8080, B, 30)).as("the forward's target may have it").isTrue();
        assertThat(p.isAvailable(IpProtocol.TCP, 8080, A, 30 + HOLD)).isTrue();
    }

    @Test
    void theSameSeedGivesTheSamePorts() {
        PortAllocator a = new PortAllocator(1, 65535, HOLD, 77);
        PortAllocator b = new PortAllocator(1, 65535, HOLD, 77);
        a.allocate(IpProtocol.UDP, A, 5000, 0, 0);
        b.allocate(IpProtocol.UDP, A, 5000, 0, 0);
        for (int i = 1; i < 50; i++) {
            assertThat(a.allocate(IpProtocol.UDP, B, 5000, i, 0)).isEqualTo(b.allocate(IpProtocol.UDP, B, 5000, i, 0));
        }
    }

    @Test
    void claimTakesExactlyTheAskedPortIfAvailable() {
        PortAllocator p = new PortAllocator(1, 65535, HOLD, 1);
        assertThat(p.claim(IpProtocol.TCP, 22, A, 0, 0)).isTrue();
        assertThat(p.claim(IpProtocol.TCP, 22, B, 1, 0)).isFalse();
    }
}
