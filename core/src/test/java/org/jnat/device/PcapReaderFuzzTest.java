package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.jnat.testing.Pcaps;
import org.junit.jupiter.api.Test;

/**
 * No file, however damaged, makes the reader throw anything but {@link PcapFormatException}, and
 * what it reads always fits the slot. The {@code @FuzzTest} runs its corpus in a normal build and
 * explores with {@code JAZZER_FUZZ=1}; the seeded test mutates the reference captures every build.
 */
class PcapReaderFuzzTest {

    /** Records read from {@code file}, or -1 if it was refused. */
    private static long readAll(byte[] file) throws IOException {
        Path path = Files.createTempFile("fuzz", ".pcap");
        try {
            Files.write(path, file);
            try (PcapReader reader = PcapReader.open(path)) {
                PacketBuffer slot = PacketBuffer.allocate(java.lang.foreign.Arena.ofAuto(), 2048);
                long records = 0;
                while (reader.next(slot)) {
                    records++;
                    assertThat(slot.length()).isBetween(0, 2048);
                    assertThat(reader.capturedLength()).isGreaterThanOrEqualTo(slot.length());
                }
                assertThat(reader.recordsRead()).isEqualTo(records);
                return records;
            } catch (PcapFormatException expected) {
                assertThat(expected.getMessage()).contains(path.toString()).doesNotContain("\n");
                return -1;
            }
        } finally {
            Files.delete(path);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void anyBytesAreReadOrRefusedCleanly(byte @NotNull [] file) throws IOException {
        readAll(file);
    }

    /**
     * The fuzz target's seeds (in {@code PcapReaderFuzzTestInputs/}) reach both paths: files with
     * records that are read, and files that are refused, so a plain build runs the target on more
     * than the empty input.
     */
    @Test
    void theSeedsAreReadAndRefused() throws IOException {
        Path seeds = Path.of("src", "test", "resources", "org", "jnat", "device", "PcapReaderFuzzTestInputs",
                "anyBytesAreReadOrRefusedCleanly");
        int withRecords = 0;
        int refused = 0;
        try (var files = Files.list(seeds)) {
            for (Path seed : files.sorted().toList()) {
                long records = readAll(Files.readAllBytes(seed));
                withRecords += records > 0 ? 1 : 0;
                refused += records < 0 ? 1 : 0;
            }
        }
        System.out.printf("pcap seeds: %d with records read, %d refused%n", withRecords, refused);
        assertThat(withRecords).as("seeds with records read").isGreaterThanOrEqualTo(3);
        assertThat(refused).as("seeds refused").isGreaterThanOrEqualTo(3);
    }

    @Test
    void mutatedReferenceCapturesAreReadOrRefusedCleanly() throws IOException {
        Random random = new Random(20261124);
        for (Path capture : Pcaps.allLinuxNat()) {
            byte[] original = Files.readAllBytes(capture);
            for (int i = 0; i < 20; i++) {
                byte[] mutated = original.clone();
                switch (random.nextInt(3)) {
                    case 0 -> { // flip bytes, often in the headers
                        for (int k = 0; k < 1 + random.nextInt(8); k++) {
                            int at = random.nextInt(Math.min(mutated.length, random.nextBoolean() ? 64 : mutated.length));
                            mutated[at] = (byte) random.nextInt(256);
                        }
                    }
                    case 1 -> mutated = java.util.Arrays.copyOf(mutated, random.nextInt(mutated.length + 1));
                    default -> { // a record length set to something huge or negative
                        if (mutated.length >= 24 + 16) {
                            int at = 24 + 8 + random.nextInt(2) * 4;
                            mutated[at + 3] = (byte) (random.nextBoolean() ? 0x7f : 0xff);
                        }
                    }
                }
                readAll(mutated);
            }
        }
    }
}
