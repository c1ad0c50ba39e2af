package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jnat.runtime.ManualClock;
import org.jnat.testing.Pcaps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapturingDeviceTest {
    @TempDir
    Path dir;

    private static byte[] frame(int marker) {
        byte[] frame = new byte[60];
        java.util.Arrays.fill(frame, (byte) marker);
        return frame;
    }

    @Test
    void receivedAndTransmittedFramesGoToTheirFiles() throws IOException {
        MemoryDevice.Pair link = MemoryDevice.pair("cap", 1500, 4, Offloads.NONE);
        ManualClock clock = new ManualClock(1_000_000_000_000L);
        Path rx = dir.resolve("rx.pcap");
        Path tx = dir.resolve("tx.pcap");
        try (CapturingDevice captured = CapturingDevice.open(link.a(), rx, tx, clock)) {
            assertThat(captured.name()).isEqualTo(link.a().name());
            assertThat(captured.mtu()).isEqualTo(1500);

            PacketBuffer out = PacketBuffer.allocate();
            for (int i = 1; i <= 5; i++) {
                java.lang.foreign.MemorySegment.copy(java.lang.foreign.MemorySegment.ofArray(frame(i)), 0,
                        out.segment(), 0, 60);
                out.length(60);
                clock.advance(1_000);
                boolean sent = captured.transmit(out);
                assertThat(sent).isEqualTo(i <= 4); // the fifth finds the ring full
            }
            link.b().send(frame(10));
            link.b().send(frame(11));
            clock.advance(5_000);
            FrameBatch batch = new FrameBatch(4);
            assertThat(captured.receive(batch)).isEqualTo(2);
            captured.flush();
            assertThat(Pcaps.read(rx)).hasSize(2);
        }
        List<Pcaps.Record> sent = Pcaps.read(tx);
        assertThat(sent).extracting(Pcaps.Record::frame).containsExactly(frame(1), frame(2), frame(3), frame(4));
        assertThat(sent).extracting(Pcaps.Record::timestampNanos)
                .containsExactly(1_000_000_001_000L, 1_000_000_002_000L, 1_000_000_003_000L, 1_000_000_004_000L);
        List<Pcaps.Record> received = Pcaps.read(rx);
        assertThat(received).extracting(Pcaps.Record::frame).containsExactly(frame(10), frame(11));
        assertThat(received).extracting(Pcaps.Record::timestampNanos)
                .containsOnly(1_000_000_010_000L);
    }

    @Test
    void oneFileTakesBothDirectionsInterleaved() throws IOException {
        MemoryDevice.Pair link = MemoryDevice.pair("cap", 1500);
        ManualClock clock = new ManualClock(0);
        Path file = dir.resolve("both.pcap");
        try (CapturingDevice captured = CapturingDevice.open(link.a(), file, clock)) {
            link.b().send(frame(1));
            captured.receive(new FrameBatch(4));
            PacketBuffer out = PacketBuffer.allocate();
            out.length(60);
            captured.transmit(out);
            link.b().send(frame(3));
            captured.receive(new FrameBatch(4));
        }
        assertThat(Pcaps.frames(file)).containsExactly(frame(1), new byte[60], frame(3));
        assertThat(link.a().dropped()).isZero();
    }

    @Test
    void closingClosesTheInnerDevice() throws IOException {
        MemoryDevice.Pair link = MemoryDevice.pair("cap", 1500);
        CapturingDevice captured = new CapturingDevice(link.a(), null,
                PcapWriter.create(dir.resolve("tx.pcap")), new ManualClock());
        captured.close();
        captured.close();
        assertThat(link.a().send(new byte[60])).isFalse();
    }
}
