package org.jnat.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.jnat.testing.Allocations;
import org.junit.jupiter.api.Test;

class MemoryDeviceTest {

    private static byte[] frame(int length, int marker) {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) {
            frame[i] = (byte) (marker + i);
        }
        return frame;
    }

    private static void fill(PacketBuffer slot, int length, int marker) {
        for (int i = 0; i < length; i++) {
            slot.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (marker + i));
        }
        slot.length(length);
    }

    @Test
    void whatOneEndTransmitsTheOtherReceivesInOrder() {
        MemoryDevice.Pair link = MemoryDevice.pair("inside", 1500);
        MemoryDevice a = link.a();
        MemoryDevice b = link.b();
        assertThat(a.peer()).isSameAs(b);
        assertThat(b.peer()).isSameAs(a);
        assertThat(a.name()).isEqualTo("memory:inside.a");
        assertThat(b.name()).isEqualTo("memory:inside.b");
        assertThat(a.mtu()).isEqualTo(1500);
        assertThat(a.offloads()).isEqualTo(Offloads.NONE);

        PacketBuffer out = PacketBuffer.allocate();
        for (int i = 0; i < 3; i++) {
            fill(out, 60 + i, i);
            assertThat(a.transmit(out)).isTrue();
        }
        assertThat(b.pending()).isEqualTo(3);
        assertThat(a.pending()).as("nothing comes back to the sender").isZero();

        FrameBatch batch = new FrameBatch(8);
        assertThat(b.receive(batch)).isEqualTo(3);
        assertThat(batch.count()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            PacketBuffer got = batch.get(i);
            assertThat(got.segment().asSlice(0, got.length()).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(frame(60 + i, i));
        }
        assertThat(b.receive(batch)).isZero();
        assertThat(batch.count()).isZero();
        assertThat(a.transmitted()).isEqualTo(3);
        assertThat(b.received()).isEqualTo(3);

        // And the other way.
        assertThat(b.send(frame(64, 9))).isTrue();
        assertThat(a.poll()).isEqualTo(frame(64, 9));
        assertThat(a.poll()).isNull();
    }

    @Test
    void offloadMetadataAndTimestampTravelWithTheFrame() {
        MemoryDevice.Pair link = MemoryDevice.pair("gso", 1500, 4, Offloads.ALL);
        PacketBuffer out = PacketBuffer.allocate();
        fill(out, 20_000, 3); // a TCP GSO super-packet, longer than the MTU
        out.flags = PacketBuffer.F_NEEDS_CSUM;
        out.gsoType = PacketBuffer.GSO_TCPV4;
        out.headerLength = 66;
        out.gsoSize = 1448;
        out.checksumStart = 34;
        out.checksumOffset = 16;
        out.timestampNanos = 123_456_789L;
        assertThat(link.a().transmit(out)).isTrue();

        PacketBuffer in = PacketBuffer.allocate();
        assertThat(link.b().poll(in)).isTrue();
        assertThat(in.length()).isEqualTo(20_000);
        assertThat(in.segment().get(ValueLayout.JAVA_BYTE, 19_999)).isEqualTo((byte) (3 + 19_999));
        assertThat(in.flags).isEqualTo(PacketBuffer.F_NEEDS_CSUM);
        assertThat(in.gsoType).isEqualTo(PacketBuffer.GSO_TCPV4);
        assertThat(in.headerLength).isEqualTo(66);
        assertThat(in.gsoSize).isEqualTo(1448);
        assertThat(in.checksumStart).isEqualTo(34);
        assertThat(in.checksumOffset).isEqualTo(16);
        assertThat(in.timestampNanos).isEqualTo(123_456_789L);
    }

    @Test
    void aFullRingRefusesAndCountsTheDrop() {
        MemoryDevice.Pair link = MemoryDevice.pair("small", 1500, 4, Offloads.NONE);
        for (int i = 0; i < 4; i++) {
            assertThat(link.a().send(frame(60, i))).isTrue();
        }
        assertThat(link.a().send(frame(60, 99))).isFalse();
        assertThat(link.a().droppedFull()).isEqualTo(1);
        assertThat(link.a().dropped()).isEqualTo(1);
        assertThat(link.b().pending()).isEqualTo(4);

        assertThat(link.b().poll()).isEqualTo(frame(60, 0));
        assertThat(link.a().send(frame(60, 4))).as("room again after one was received").isTrue();
        assertThat(link.b().drain()).containsExactly(frame(60, 1), frame(60, 2), frame(60, 3), frame(60, 4));
    }

    @Test
    void aBatchTakesAtMostItsCapacityAndTheRestWaits() {
        MemoryDevice.Pair link = MemoryDevice.pair("batch", 1500);
        for (int i = 0; i < 10; i++) {
            link.b().send(frame(60, i));
        }
        FrameBatch batch = new FrameBatch(Arena.ofAuto(), 4, 2048);
        assertThat(link.a().receive(batch)).isEqualTo(4);
        assertThat(link.a().pending()).isEqualTo(6);
        assertThat(link.a().receive(batch)).isEqualTo(4);
        assertThat(batch.get(0).segment().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 4);
        assertThat(link.a().receive(batch)).isEqualTo(2);
    }

    @Test
    void theLinkEnforcesItsMtu() {
        MemoryDevice.Pair link = MemoryDevice.pair("mtu", 1400);
        assertThat(link.a().maxFrameLength()).isEqualTo(1418);
        assertThat(link.a().send(frame(1400 + 14, 0))).isTrue();
        assertThat(link.a().send(frame(1400 + 18, 0))).as("room for one VLAN tag").isTrue();
        assertThat(link.a().send(frame(1400 + 19, 0))).isFalse();
        assertThat(link.a().droppedOversize()).isEqualTo(1);

        // With segmentation offload a GSO packet may be long; a plain frame still may not.
        MemoryDevice.Pair gso = MemoryDevice.pair("gso", 1400, 4, Offloads.ALL);
        PacketBuffer big = PacketBuffer.allocate();
        fill(big, 9000, 0);
        assertThat(gso.a().transmit(big)).as("plain frame over the MTU").isFalse();
        big.gsoType = PacketBuffer.GSO_UDP_L4;
        big.gsoSize = 1372;
        assertThat(gso.a().transmit(big)).isTrue();
    }

    @Test
    void aFrameTooBigForTheBatchSlotIsDroppedAndCounted() {
        MemoryDevice.Pair link = MemoryDevice.pair("slots", 1500);
        link.b().send(frame(1000, 0));
        link.b().send(frame(100, 1));
        FrameBatch batch = new FrameBatch(Arena.ofAuto(), 4, 512);
        assertThat(link.a().receive(batch)).isEqualTo(1);
        assertThat(batch.get(0).length()).isEqualTo(100);
        assertThat(link.a().droppedBatchSlotTooSmall()).isEqualTo(1);
    }

    @Test
    void afterCloseNothingMoves() {
        MemoryDevice.Pair link = MemoryDevice.pair("closed", 1500);
        link.b().close();
        assertThat(link.a().send(frame(60, 0))).isFalse();
        assertThat(link.a().droppedClosed()).isEqualTo(1);
        link.a().close();
        link.a().close(); // idempotent
        assertThat(link.a().receive(new FrameBatch(2))).isZero();
    }

    @Test
    void injectPutsAFrameInThisEndsReceiveQueue() {
        MemoryDevice.Pair link = MemoryDevice.pair("inject", 1500);
        link.a().inject(frame(70, 5));
        assertThat(link.a().pending()).isEqualTo(1);
        assertThat(link.a().poll()).isEqualTo(frame(70, 5));
        assertThat(link.a().macAddress()).isEqualTo(-1);
        assertThat(link.a().macAddress(0x02_00_00_00_00_01L).macAddress()).isEqualTo(0x02_00_00_00_00_01L);
    }

    @Test
    void badArgumentsAreRefusedAtSetUp() {
        assertThatThrownBy(() -> MemoryDevice.pair("x", 1500, 3, Offloads.NONE))
                .hasMessageContaining("power of two");
        assertThatThrownBy(() -> MemoryDevice.pair("x", 20)).hasMessageContaining("MTU");
    }

    @Test
    void steadyStateSendAndReceiveAllocateNothing() {
        MemoryDevice.Pair link = MemoryDevice.pair("alloc", 1500);
        PacketBuffer out = PacketBuffer.allocate();
        fill(out, 1514, 0);
        FrameBatch batch = new FrameBatch(32);
        long[] moved = new long[1];
        Runnable sixteenFrames = () -> {
            for (int i = 0; i < 16; i++) {
                link.a().transmit(out);
            }
            moved[0] += link.b().receive(batch);
        };
        // 100 000 frames, then 1 000 000.
        Allocations.assertSteadyStateAllocatesNothing("MemoryDevice, 16 frames", sixteenFrames, 100_000 / 16);
        assertThat(link.a().dropped()).as("every frame arrived").isZero();
        assertThat(moved[0]).isEqualTo(link.a().transmitted()).isPositive();
    }

    @Test
    void oneThreadTransmitsWhileAnotherReceives() throws InterruptedException {
        MemoryDevice.Pair link = MemoryDevice.pair("threads", 1500, 64, Offloads.NONE);
        int frames = 200_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread producer = Thread.ofPlatform().start(() -> {
            PacketBuffer out = PacketBuffer.allocate(Arena.ofAuto(), 64);
            out.length(64);
            for (int i = 0; i < frames; i++) {
                out.segment().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                out.timestampNanos = i;
                while (!link.a().transmit(out)) {
                    Thread.onSpinWait();
                }
            }
        });
        FrameBatch batch = new FrameBatch(Arena.ofAuto(), 16, 2048);
        int expected = 0;
        try {
            while (expected < frames) {
                int n = link.b().receive(batch);
                for (int i = 0; i < n; i++) {
                    int seq = batch.get(i).segment().get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                    if (seq != expected || batch.get(i).timestampNanos != expected) {
                        failure.compareAndSet(null, new AssertionError("frame " + seq + " where " + expected
                                + " was due"));
                    }
                    expected++;
                }
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        } finally {
            producer.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(link.a().transmitted()).isEqualTo(frames);
        assertThat(link.b().pending()).isZero();
    }
}
