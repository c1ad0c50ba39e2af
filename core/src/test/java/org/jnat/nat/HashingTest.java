package org.jnat.nat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.IntUnaryOperator;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * The session table's hashes spread the keys a NAT really sees (one field counting up, the others
 * fixed) as a random function would, in the low bits (the outside index: {@code hash & mask}) and in
 * the high bits (the inside chunks: multiply-shift). For 2^16 keys in 2^16 slots a random function
 * leaves a fraction 1/e = 0.368 of the slots empty, give or take 0.0012, and no slot with more than
 * about 8 keys; a hash that lets the counting field through unmixed fills the slots evenly (no empty
 * one) or piles keys up.
 */
class HashingTest {
    private static final int KEYS = 1 << 16;
    private static final int SERVER = Ipv4Address.parse("198.51.100.10");
    private static final int UDP = IpProtocol.UDP;

    @Test
    void insideKeysOfACarrierGradeNatSpreadAsAtRandom() {
        // 4 096 subscribers of 100.64.0.0/10, 16 ports each, all to one server.
        int base = Ipv4Address.parse("100.64.0.0");
        assertRandomLike(k -> SessionTable.insideHash(Endpoint.of(UDP, base + (k >>> 4), 1024 + (k & 15)),
                Endpoint.of(UDP, SERVER, 443)));
    }

    @Test
    void insideKeysOfOneHostOnEveryPortSpreadAsAtRandom() {
        int host = Ipv4Address.parse("192.168.1.10");
        assertRandomLike(k -> SessionTable.insideHash(Endpoint.of(UDP, host, k), Endpoint.of(UDP, SERVER, 443)));
    }

    @Test
    void insideKeysOfOneHostScanningAServersPortsSpreadAsAtRandom() {
        int host = Ipv4Address.parse("192.168.1.10");
        assertRandomLike(k -> SessionTable.insideHash(Endpoint.of(UDP, host, 5000), Endpoint.of(UDP, SERVER, k)));
    }

    @Test
    void outsideKeysOfEveryExternalPortToOneServerSpreadAsAtRandom() {
        assertRandomLike(k -> SessionTable.outsideHash(PublicAddresses.external(0, k), Endpoint.of(UDP, SERVER, 443)));
    }

    @Test
    void outsideKeysOfAPoolOfThirtyTwoAddressesSpreadAsAtRandom() {
        assertRandomLike(k -> SessionTable.outsideHash(PublicAddresses.external(k >>> 11, 1024 + (k & 2047)),
                Endpoint.of(UDP, SERVER, 443)));
    }

    @Test
    void outsideKeysOfManyRemotesToOneExternalPortSpreadAsAtRandom() {
        // 256 addresses of one /24, 256 source ports each, to the same external port (a scan).
        int network = Ipv4Address.parse("203.0.113.0");
        assertRandomLike(k -> SessionTable.outsideHash(PublicAddresses.external(0, 40000),
                Endpoint.of(UDP, network + (k >>> 8), 1024 + (k & 255))));
    }

    @Test
    void outsideKeysOfTheThreeProtocolsOnOnePortAreApart() {
        int udp = SessionTable.outsideHash(7000, Endpoint.of(IpProtocol.UDP, SERVER, 443));
        int tcp = SessionTable.outsideHash(7000, Endpoint.of(IpProtocol.TCP, SERVER, 443));
        int icmp = SessionTable.outsideHash(7000, Endpoint.of(IpProtocol.ICMP, SERVER, 443));
        assertThat(new int[] {udp & 0xffff, tcp & 0xffff, icmp & 0xffff}).doesNotHaveDuplicates();
    }

    /** Keys 0 .. 2^16 - 1 of {@code hash}, in 2^16 slots by the low bits and by multiply-shift of all 32. */
    private static void assertRandomLike(IntUnaryOperator hash) {
        int[] low = new int[KEYS];
        int[] high = new int[KEYS];
        for (int k = 0; k < KEYS; k++) {
            int h = hash.applyAsInt(k);
            low[h & (KEYS - 1)]++;
            high[(int) (((h & 0xffffffffL) * KEYS) >>> 32)]++;
        }
        for (int[] slots : new int[][] {low, high}) {
            int empty = 0;
            int most = 0;
            for (int n : slots) {
                empty += n == 0 ? 1 : 0;
                most = Math.max(most, n);
            }
            // 1/e within 8 standard deviations; a slot with more than 12 has odds of some 1e-5.
            assertThat(empty / (double) KEYS).as(slots == low ? "low bits" : "multiply-shift")
                    .isBetween(0.358, 0.378);
            assertThat(most).isLessThanOrEqualTo(12);
        }
    }
}
