package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jnat.testing.Pcaps;
import org.jnat.testing.Tshark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcapReaderTest {
    @TempDir
    Path dir;

    private static final byte[] FRAME_1 = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0, 0x45};
    private static final byte[] FRAME_2 = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, 1, 2, 3, 4, 5, 6, 8, 6};

    /** A pcap file written by hand: the format as the spec gives it, not as our writer does it. */
    private static byte[] handMade(ByteOrder order, int magic, int linkType, long... secondsFractionPairs) {
        ByteBuffer b = ByteBuffer.allocate(24 + 2 * 16 + FRAME_1.length + FRAME_2.length).order(order);
        b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        byte[][] frames = {FRAME_1, FRAME_2};
        for (int i = 0; i < 2; i++) {
            b.putInt((int) secondsFractionPairs[2 * i]).putInt((int) secondsFractionPairs[2 * i + 1]);
            b.putInt(frames[i].length).putInt(frames[i].length + (i == 1 ? 50 : 0));
            b.put(frames[i]);
        }
        return b.array();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "LITTLE_ENDIAN, MICROSECONDS",
            "BIG_ENDIAN, MICROSECONDS",
            "LITTLE_ENDIAN, NANOSECONDS",
            "BIG_ENDIAN, NANOSECONDS",
    })
    void readsBothByteOrdersAndBothTimeFormats(String orderName, PcapWriter.Resolution resolution) throws IOException {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        boolean nanos = resolution == PcapWriter.Resolution.NANOSECONDS;
        // 0xf0000000 seconds checks that seconds are unsigned (year 2097).
        byte[] bytes = handMade(order, nanos ? 0xa1b23c4d : 0xa1b2c3d4, 1,
                1_700_000_000L, nanos ? 123_456_789 : 123_456, 0xf000_0000L, nanos ? 999_999_999 : 999_999);
        Path file = dir.resolve("hand.pcap");
        Files.write(file, bytes);

        try (PcapReader reader = PcapReader.open(file)) {
            assertThat(reader.byteOrder()).isEqualTo(order);
            assertThat(reader.nanosecondResolution()).isEqualTo(nanos);
            assertThat(reader.linkType()).isEqualTo(1);
            assertThat(reader.snapLength()).isEqualTo(65535);
            assertThat(reader.versionMajor()).isEqualTo(2);
            assertThat(reader.versionMinor()).isEqualTo(4);

            PacketBuffer slot = PacketBuffer.allocate();
            slot.flags = PacketBuffer.F_NEEDS_CSUM;
            assertThat(reader.next(slot)).isTrue();
            assertThat(slot.segment().asSlice(0, slot.length()).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .isEqualTo(FRAME_1);
            assertThat(slot.timestampNanos).isEqualTo(1_700_000_000_123_456_789L - (nanos ? 0 : 789));
            assertThat(slot.flags).as("offload metadata cleared").isZero();
            assertThat(reader.originalLength()).isEqualTo(FRAME_1.length);

            assertThat(reader.nextBytes()).isEqualTo(FRAME_2);
            assertThat(reader.timestampNanos()).isEqualTo(0xf000_0000L * 1_000_000_000L + 999_999_999L - (nanos ? 0 : 999));
            assertThat(reader.capturedLength()).isEqualTo(FRAME_2.length);
            assertThat(reader.originalLength()).isEqualTo(FRAME_2.length + 50);

            assertThat(reader.next(slot)).isFalse();
            assertThat(reader.recordsRead()).isEqualTo(2);
        }
    }

    @Test
    void aRecordLongerThanTheSlotIsCutToTheSlot() throws IOException {
        Path file = dir.resolve("hand.pcap");
        Files.write(file, handMade(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 1, 0, 2, 0));
        try (PcapReader reader = PcapReader.open(file)) {
            PacketBuffer small = PacketBuffer.allocate(java.lang.foreign.Arena.ofAuto(), 4);
            assertThat(reader.next(small)).isTrue();
            assertThat(small.length()).isEqualTo(4);
            assertThat(reader.capturedLength()).isEqualTo(FRAME_1.length);
        }
    }

    @Test
    void anotherLinkTypeIsRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("sll.pcap");
        Files.write(file, handMade(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 113, 1, 0, 2, 0));
        assertThatThrownBy(() -> PcapReader.open(file))
                .isInstanceOf(PcapFormatException.class)
                .hasMessage(file + " has link type 113, but jnat reads only Ethernet captures (link type 1);"
                        + " capture on an Ethernet interface, not 'any'");
    }

    @Test
    void framesWithFcsAreRefused() throws IOException {
        Path file = dir.resolve("fcs.pcap");
        Files.write(file, handMade(ByteOrder.BIG_ENDIAN, 0xa1b2c3d4, 1 | (1 << 28) | (2 << 29), 1, 0, 2, 0));
        assertThatThrownBy(() -> PcapReader.open(file)).isInstanceOf(PcapFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("frame check sequence");
    }

    @Test
    void aTextFileIsNotPcap() throws IOException {
        Path file = dir.resolve("notes.pcap");
        Files.writeString(file, "these are not the packets you are looking for", StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> PcapReader.open(file))
                .isInstanceOf(PcapFormatException.class)
                .hasMessage(file + " is not a pcap file (its first four bytes are 0x74686573, not a pcap magic"
                        + " number); give a classic libpcap capture");
    }

    @Test
    void pcapngIsRecognisedAndTheFixIsSuggested() throws IOException {
        Path file = dir.resolve("capture.pcapng");
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x0a0d0d0a).putInt(28).putInt(0x1a2b3c4d);
        Files.write(file, b.array());
        assertThatThrownBy(() -> PcapReader.open(file)).isInstanceOf(PcapFormatException.class)
                .hasMessageStartingWith(file + " is a pcapng file").hasMessageContaining("editcap -F pcap");
    }

    @Test
    void aFileShorterThanTheHeaderIsNotPcap() throws IOException {
        Path file = dir.resolve("short.pcap");
        Files.write(file, new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1});
        assertThatThrownBy(() -> PcapReader.open(file)).isInstanceOf(PcapFormatException.class)
                .hasMessage(file + " is not a pcap file: it has 4 bytes, fewer than the 24-byte pcap file header");
    }

    @Test
    void aMissingFileSaysSo() {
        Path file = dir.resolve("absent.pcap");
        assertThatThrownBy(() -> PcapReader.open(file)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("no such pcap file");
    }

    @Test
    void aFileCutInTheMiddleOfARecordSaysWhere() throws IOException {
        byte[] whole = handMade(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 1, 1, 0, 2, 0);
        Path file = dir.resolve("cut.pcap");
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 3));
        try (PcapReader reader = PcapReader.open(file)) {
            assertThat(reader.nextBytes()).isEqualTo(FRAME_1);
            assertThatThrownBy(reader::nextBytes).isInstanceOf(PcapFormatException.class)
                    .hasMessage(file + " is cut short: record 2 at byte 55 needs 30 bytes but the file ends at byte 82;"
                            + " the capture was probably interrupted");
        }
    }

    /** Frames per reference capture, as tshark counted them when the captures were added. */
    private static final java.util.Map<String, Integer> REFERENCE_COUNTS = java.util.Map.ofEntries(
            java.util.Map.entry("icmp-echo-inside.pcap", 6), java.util.Map.entry("icmp-echo-outside.pcap", 6),
            java.util.Map.entry("icmp-frag-needed-inside.pcap", 2), java.util.Map.entry("icmp-frag-needed-outside.pcap", 2),
            java.util.Map.entry("pmtu-upload-inside.pcap", 103), java.util.Map.entry("pmtu-upload-outside.pcap", 103),
            java.util.Map.entry("tcp-closed-port-inside.pcap", 2), java.util.Map.entry("tcp-closed-port-outside.pcap", 2),
            java.util.Map.entry("tcp-http-inside.pcap", 12), java.util.Map.entry("tcp-http-outside.pcap", 12),
            java.util.Map.entry("tcp-port-forward-inside.pcap", 12), java.util.Map.entry("tcp-port-forward-outside.pcap", 12),
            java.util.Map.entry("traceroute-inside.pcap", 24), java.util.Map.entry("traceroute-outside.pcap", 22),
            java.util.Map.entry("two-hosts-same-port-inside.pcap", 6), java.util.Map.entry("two-hosts-same-port-outside.pcap", 4),
            java.util.Map.entry("udp-closed-port-inside.pcap", 2), java.util.Map.entry("udp-closed-port-outside.pcap", 2),
            java.util.Map.entry("udp-echo-inside.pcap", 2), java.util.Map.entry("udp-echo-outside.pcap", 2),
            java.util.Map.entry("udp-fragmented-inside.pcap", 6), java.util.Map.entry("udp-fragmented-outside.pcap", 6),
            java.util.Map.entry("unsolicited-inbound-inside.pcap", 0), java.util.Map.entry("unsolicited-inbound-outside.pcap", 6));

    @Test
    void everyFrameOfEveryReferenceCaptureParses() throws IOException, InterruptedException {
        List<Path> files = Pcaps.allLinuxNat();
        assertThat(files).hasSize(REFERENCE_COUNTS.size());
        boolean tshark = Tshark.available();
        if (!tshark) {
            System.out.println("PcapReaderTest: tshark not found on PATH; comparing frame counts with the"
                    + " recorded counts only");
        }
        int total = 0;
        for (Path file : files) {
            int count = 0;
            long previous = Long.MIN_VALUE;
            try (PcapReader reader = PcapReader.open(file)) {
                PacketBuffer slot = PacketBuffer.allocate();
                while (reader.next(slot)) {
                    count++;
                    assertThat(slot.length()).as(file + " record " + count).isGreaterThanOrEqualTo(14)
                            .isEqualTo(reader.originalLength());
                    int etherType = Short.toUnsignedInt(slot.segment().get(
                            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 12));
                    assertThat(etherType).as(file + " record " + count).isIn(0x0800, 0x0806, 0x86dd);
                    assertThat(slot.timestampNanos).as("timestamps in order").isGreaterThanOrEqualTo(previous);
                    previous = slot.timestampNanos;
                }
            }
            assertThat(count).as(file.getFileName().toString())
                    .isEqualTo(REFERENCE_COUNTS.get(file.getFileName().toString()));
            if (tshark) {
                assertThat(count).as(file + " frames, jnat vs tshark").isEqualTo(Tshark.frameCount(file));
            }
            total += count;
        }
        assertThat(total).isEqualTo(356);
    }

    @Test
    void theFirstReferenceFrameMatchesItsBytes() throws IOException {
        // udp-echo-inside.pcap, frame 1: cl (16:6e:36:a4:8d:ef) to rt inside (5a:75:f7:80:43:b1), IPv4.
        try (PcapReader reader = PcapReader.open(Pcaps.linuxNat("udp-echo-inside"));
             InputStream raw = Files.newInputStream(Pcaps.linuxNat("udp-echo-inside"))) {
            byte[] frame = reader.nextBytes();
            assertThat(java.util.HexFormat.of().formatHex(frame, 0, 14)).isEqualTo("5a75f78043b1166e36a48def0800");
            byte[] file = raw.readAllBytes();
            assertThat(java.util.Arrays.copyOfRange(file, 40, 40 + frame.length)).isEqualTo(frame);
        }
    }
}
