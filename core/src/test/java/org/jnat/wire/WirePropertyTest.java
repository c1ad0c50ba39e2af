package org.jnat.wire;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@link WireProperties} over many seeded random inputs, so that every build exercises them
 * broadly even where {@link WireFuzzTest} only replays its seeds: random bytes, real frames from
 * the captures with random bytes flipped, and random NAT edits.
 */
class WirePropertyTest {
    private static final String[] CAPTURES = {"tcp-http-inside", "udp-echo-inside", "icmp-echo-inside",
        "traceroute-inside", "icmp-frag-needed-outside", "udp-fragmented-inside", "two-hosts-same-port-inside",
        "unsolicited-inbound-outside", "tcp-closed-port-inside"};

    @Test
    void viewsAgreeWithRandomBytes() {
        Random random = new Random(792);
        for (int round = 0; round < 3000; round++) {
            byte[] input = new byte[random.nextInt(120)];
            random.nextBytes(input);
            if (input.length > 14 && random.nextBoolean()) {
                // Often an IPv4 EtherType and version, to get past the first checks.
                input[12] = 0x08;
                input[13] = 0x00;
                input[14] = (byte) (0x45 + random.nextInt(3));
            }
            WireProperties.viewsAgreeWithTheirBytes(input);
        }
    }

    @Test
    void viewsAgreeWithMutatedRealFrames() {
        Random random = new Random(791);
        for (String capture : CAPTURES) {
            List<byte[]> frames = Vectors.frames(capture);
            for (byte[] frame : frames) {
                WireProperties.viewsAgreeWithTheirBytes(frame);
                for (int round = 0; round < 40; round++) {
                    byte[] input = frame.clone();
                    int flips = 1 + random.nextInt(4);
                    for (int i = 0; i < flips; i++) {
                        input[random.nextInt(Math.min(input.length, 80))] = (byte) random.nextInt(256);
                    }
                    if (random.nextInt(4) == 0) {
                        input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 1));
                    }
                    WireProperties.viewsAgreeWithTheirBytes(input);
                }
            }
        }
    }

    @Test
    void incrementalChecksumEqualsRecomputationOnRandomEdits() {
        Random random = new Random(1624);
        for (int round = 0; round < 5000; round++) {
            byte[] input = new byte[random.nextInt(700)];
            random.nextBytes(input);
            WireProperties.incrementalEqualsRecomputation(input);
        }
    }
}
