package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jnat.testing.Allocations;
import org.jnat.testing.Frames;
import org.jnat.testing.Pcaps;
import org.jnat.testing.Tshark;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapWriterTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_764_000_000_000_000_000L; // 2025-11-24, in ns since the epoch

    private static List<byte[]> randomFrames(int count, long seed) {
        Random random = new Random(seed);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] frame = new byte[14 + random.nextInt(1500)];
            random.nextBytes(frame);
            frames.add(frame);
        }
        return frames;
    }

    @Test
    void microsecondRoundTripKeepsBytesAndTimestampsToTheMicrosecond() throws IOException {
        Path file = dir.resolve("us.pcap");
        List<byte[]> frames = randomFrames(50, 1);
        try (PcapWriter writer = PcapWriter.create(file)) {
            for (int i = 0; i < frames.size(); i++) {
                assertThat(writer.write(frames.get(i), T0 + i * 1_000_123L)).isTrue();
            }
            assertThat(writer.written()).isEqualTo(50);
        }
        List<Pcaps.Record> records = Pcaps.read(file);
        assertThat(records).hasSize(50);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(records.get(i).frame()).isEqualTo(frames.get(i));
            long t = T0 + i * 1_000_123L;
            assertThat(records.get(i).timestampNanos()).isEqualTo(t - t % 1000);
        }
        try (PcapReader reader = PcapReader.open(file)) {
            assertThat(reader.byteOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            assertThat(reader.nanosecondResolution()).isFalse();
            assertThat(reader.snapLength()).isEqualTo(PcapWriter.SNAP_LENGTH);
        }
        // The file header exactly as libpcap writes it.
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file), 0, 24).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(header.getInt()).isEqualTo(0xa1b2c3d4);
        assertThat(header.getShort()).isEqualTo((short) 2);
        assertThat(header.getShort()).isEqualTo((short) 4);
        assertThat(header.getLong()).isZero();
        assertThat(header.getInt()).isEqualTo(262144);
        assertThat(header.getInt()).isEqualTo(1);
    }

    @Test
    void nanosecondRoundTripIsExact() throws IOException {
        Path file = dir.resolve("ns.pcap");
        List<byte[]> frames = randomFrames(20, 2);
        try (PcapWriter writer = PcapWriter.create(file, PcapWriter.Resolution.NANOSECONDS)) {
            for (int i = 0; i < frames.size(); i++) {
                writer.write(frames.get(i), T0 + i * 7_777L + 3);
            }
        }
        List<Pcaps.Record> records = Pcaps.read(file);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(records.get(i).frame()).isEqualTo(frames.get(i));
            assertThat(records.get(i).timestampNanos()).isEqualTo(T0 + i * 7_777L + 3);
        }
        try (PcapReader reader = PcapReader.open(file)) {
            assertThat(reader.nanosecondResolution()).isTrue();
        }
    }

    @Test
    void packetBufferRoundTripThroughBothApis() throws IOException {
        Path file = dir.resolve("slots.pcap");
        PacketBuffer slot = PacketBuffer.allocate();
        try (PcapWriter writer = PcapWriter.create(file)) {
            for (int i = 0; i < 3000; i++) { // more than the writer's buffer holds, so it drains midway
                for (int j = 0; j < 600; j++) {
                    slot.segment().set(ValueLayout.JAVA_BYTE, j, (byte) (i + j));
                }
                slot.length(600);
                writer.write(slot, T0 + i * 1000L);
            }
            writer.flush();
            assertThat(Pcaps.read(file)).as("flush makes the records visible").hasSize(3000);
        }
        try (PcapReader reader = PcapReader.open(file)) {
            int i = 0;
            while (reader.next(slot)) {
                assertThat(slot.length()).isEqualTo(600);
                assertThat(slot.segment().get(ValueLayout.JAVA_BYTE, 599)).isEqualTo((byte) (i + 599));
                assertThat(slot.timestampNanos).isEqualTo(T0 + i * 1000L);
                i++;
            }
            assertThat(i).isEqualTo(3000);
        }
    }

    @Test
    void framesLongerThanTheSnapLengthAreCutButKeepTheirLength() throws IOException {
        Path file = dir.resolve("big.pcap");
        byte[] huge = new byte[PcapWriter.SNAP_LENGTH + 1000];
        huge[PcapWriter.SNAP_LENGTH - 1] = 42;
        try (PcapWriter writer = PcapWriter.create(file)) {
            writer.write(huge, T0);
        }
        Pcaps.Record record = Pcaps.read(file).getFirst();
        assertThat(record.frame()).hasSize(PcapWriter.SNAP_LENGTH);
        assertThat(record.frame()[PcapWriter.SNAP_LENGTH - 1]).isEqualTo((byte) 42);
        assertThat(record.originalLength()).isEqualTo(huge.length);
    }

    @Test
    void aTimeBeforeTheEpochIsWrittenAsZero() throws IOException {
        Path file = dir.resolve("negative.pcap");
        try (PcapWriter writer = PcapWriter.create(file, PcapWriter.Resolution.NANOSECONDS)) {
            writer.write(new byte[60], -5);
            writer.write(new byte[60], 7);
        }
        assertThat(Pcaps.read(file)).extracting(Pcaps.Record::timestampNanos).containsExactly(0L, 7L);
    }

    @Test
    void writingAfterCloseIsCountedNotThrown() throws IOException {
        PcapWriter writer = PcapWriter.create(dir.resolve("closed.pcap"));
        writer.close();
        assertThat(writer.write(new byte[60], T0)).isFalse();
        assertThat(writer.errors()).isEqualTo(1);
        writer.close(); // idempotent
    }

    @Test
    void anUnwritableFileFailsAtCreate() {
        Path file = dir.resolve("no-such-dir").resolve("x.pcap");
        assertThatThrownBy(() -> PcapWriter.create(file)).isInstanceOf(IOException.class);
    }

    @Test
    void aFullDiskIsReportedAtCloseInOneSentence() throws IOException {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), () -> {
            System.out.println("PcapWriterTest: /dev/full is not writable here; skipping the full-disk test");
            return "/dev/full is not writable";
        });
        // The header is written at create; /dev/full refuses it.
        assertThatThrownBy(() -> PcapWriter.create(full)).isInstanceOf(IOException.class);
    }

    @Test
    void writingFramesAllocatesNothing() throws IOException {
        PacketBuffer slot = PacketBuffer.allocate();
        slot.length(1514);
        MemorySegment.copy(MemorySegment.ofArray(Frames.udpFrame(1, 2, 3, 4, 5, 6, new byte[1472])), 0,
                slot.segment(), 0, 1514);
        // 100 000 frames, then 1 000 000: about 1.7 GB through the channel, so not to a real disk.
        Path sink = Files.isWritable(Path.of("/dev/null")) ? Path.of("/dev/null") : dir.resolve("alloc.pcap");
        try (PcapWriter writer = PcapWriter.create(sink)) {
            long[] t = {T0};
            Allocations.assertSteadyStateAllocatesNothing("PcapWriter, one frame", () -> writer.write(slot, t[0]++),
                    100_000);
            assertThat(writer.errors()).isZero();
        }
    }

    @Test
    void tsharkReadsWhatWeWrite() throws IOException, InterruptedException {
        if (!Tshark.available()) {
            System.out.println("PcapWriterTest: tshark not found on PATH; skipping the tshark check (.ci/run installs it)");
            Assumptions.assumeTrue(false, "tshark not found on PATH");
        }
        long clMac = MacAddress.parse("16:6e:36:a4:8d:ef");
        long rtMac = MacAddress.parse("5a:75:f7:80:43:b1");
        int cl = Ipv4Address.parse("192.168.1.10");
        int sv = Ipv4Address.parse("198.51.100.10");
        for (PcapWriter.Resolution resolution : PcapWriter.Resolution.values()) {
            Path file = dir.resolve("tshark-" + resolution + ".pcap");
            try (PcapWriter writer = PcapWriter.create(file, resolution)) {
                for (int i = 0; i < 5; i++) {
                    writer.write(Frames.udpFrame(clMac, rtMac, cl, 41001 + i, sv, 5353, ("hello " + i).getBytes()),
                            T0 + i * 1_000_000_001L);
                }
                writer.write(Frames.icmpEchoFrame(clMac, rtMac, cl, sv, 0x1234, 1, new byte[56]), T0 + 9_000_000_000L);
            }
            Tshark.Result result = Tshark.run("-r", file.toString(), "-o", "udp.check_checksum:TRUE",
                    "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=,",
                    "-e", "frame.number", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ip.dst",
                    "-e", "udp.srcport", "-e", "udp.dstport", "-e", "ip.checksum.status",
                    "-e", "udp.checksum.status", "-e", "icmp.type");
            assertThat(result.exitCode()).as("tshark exit code; stderr: " + result.errors()).isZero();
            assertThat(result.lines()).hasSize(6);
            for (int i = 0; i < 5; i++) {
                String[] f = result.lines().get(i).split(",", -1);
                assertThat(f[0]).isEqualTo(Integer.toString(i + 1));
                assertThat(f[1]).startsWith(Long.toString(T0 / 1_000_000_000L + i) + ".");
                assertThat(f[2]).isEqualTo("192.168.1.10");
                assertThat(f[3]).isEqualTo("198.51.100.10");
                assertThat(f[4]).isEqualTo(Integer.toString(41001 + i));
                assertThat(f[5]).isEqualTo("5353");
                assertThat(f[6]).as("IP checksum status (1 = good)").isEqualTo("1");
                assertThat(f[7]).as("UDP checksum status (1 = good)").isEqualTo("1");
            }
            assertThat(result.lines().get(5).split(",", -1)[8]).as("ICMP echo request").isEqualTo("8");
            // And the plain invocation the user would type.
            Tshark.Result plain = Tshark.run("-r", file.toString());
            assertThat(plain.exitCode()).as(plain.errors()).isZero();
            assertThat(plain.lines()).hasSize(6);
        }
    }

    @Test
    void writerAndReaderAgreeOnTheFileLayoutByteForByte() throws IOException {
        Path file = dir.resolve("layout.pcap");
        try (PcapWriter writer = PcapWriter.create(file)) {
            writer.write(new byte[] {1, 2, 3}, 5_000_000_006_000L);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).isEqualTo(24 + 16 + 3);
        b.position(24);
        assertThat(b.getInt()).isEqualTo(5000);
        assertThat(b.getInt()).isEqualTo(6);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.getInt()).isEqualTo(3);
        assertThat(b.get()).isEqualTo((byte) 1);
    }
}
