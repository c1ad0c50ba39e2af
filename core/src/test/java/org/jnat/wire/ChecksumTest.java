package org.jnat.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    @Test
    void rfc1071Example() {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        MemorySegment segment = MemorySegment.ofArray(Vectors.hex("0001f203f4f5f6f7"));
        assertThat(Checksum.fold(Checksum.sum(segment, 0, 8))).isEqualTo(0xddf2);
        assertThat(Checksum.finish(Checksum.sum(segment, 0, 8))).isEqualTo(~0xddf2 & 0xffff);
    }

    @Test
    void sumMatchesTheObviousImplementationForEveryLengthAndAlignment() {
        Random random = new Random(1071);
        for (int round = 0; round < 2000; round++) {
            byte[] data = new byte[80];
            random.nextBytes(data);
            int from = random.nextInt(16);
            int length = random.nextInt(64);
            long sum = Checksum.sum(MemorySegment.ofArray(data), from, length);
            assertThat(Checksum.finish(sum)).as("from %d length %d", from, length)
                    .isEqualTo(Vectors.referenceChecksum(data, from, from + length, 0));
        }
    }

    @Test
    void allOnesDataSumsToNegativeZero() {
        byte[] data = new byte[64];
        java.util.Arrays.fill(data, (byte) 0xff);
        assertThat(Checksum.fold(Checksum.sum(MemorySegment.ofArray(data), 0, 64))).isEqualTo(0xffff);
        assertThat(Checksum.fold(0)).isZero();
    }

    @Test
    void pseudoHeaderSumMatchesTheBytes() {
        byte[] pseudo = Vectors.hex("c0a8010a c633640a 0011 000e");
        int expected = Vectors.referenceChecksum(pseudo, 0, 12, 0);
        long sum = Checksum.pseudoHeaderSum(Ipv4Address.parse("192.168.1.10"), Ipv4Address.parse("198.51.100.10"),
                IpProtocol.UDP, 14);
        assertThat(Checksum.finish(sum)).isEqualTo(expected);
    }

    @Test
    void incrementalUpdatesMatchRecomputation() {
        Random random = new Random(1624);
        for (int round = 0; round < 10000; round++) {
            byte[] data = new byte[20];
            random.nextBytes(data);
            data[10] = 0;
            data[11] = 0;
            int checksum = Vectors.referenceChecksum(data, 0, 20, 0);
            int word = random.nextInt(5) * 2; // 0..8, never the checksum field
            int old = ((data[word] & 0xff) << 8) | (data[word + 1] & 0xff);
            int oldWide = ((data[12] & 0xff) << 24) | ((data[13] & 0xff) << 16) | ((data[14] & 0xff) << 8)
                    | (data[15] & 0xff);
            int value = random.nextInt(4) == 0 ? (random.nextBoolean() ? 0 : 0xffff) : random.nextInt(65536);
            int wide = random.nextInt();
            data[word] = (byte) (value >>> 8);
            data[word + 1] = (byte) value;
            data[12] = (byte) (wide >>> 24);
            data[13] = (byte) (wide >>> 16);
            data[14] = (byte) (wide >>> 8);
            data[15] = (byte) wide;
            int updated = Checksum.update32(Checksum.update16(checksum, old, value), oldWide, wide);
            assertThat(updated).isEqualTo(Vectors.referenceChecksum(data, 0, 20, 0));
        }
    }

    @Test
    void udpZeroRule() {
        assertThat(Checksum.updateUdp16(0, 1, 2)).isZero();
        assertThat(Checksum.updateUdp32(0, 1, 2)).isZero();
        assertThat(Checksum.udpNonZero(0)).isEqualTo(0xffff);
        assertThat(Checksum.udpNonZero(0x1234)).isEqualTo(0x1234);
        // A field going 0 -> 1 under checksum 0x0001 (data summing to 0xfffe) gives 0, sent as 0xffff.
        assertThat(Checksum.update16(0x0001, 0x0000, 0x0001)).isZero();
        assertThat(Checksum.updateUdp16(0x0001, 0x0000, 0x0001)).isEqualTo(0xffff);
    }
}
