package org.jnat.device;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a classic libpcap file of Ethernet frames (link type 1), in either byte order, with
 * microsecond ({@code 0xa1b2c3d4}) or nanosecond ({@code 0xa1b23c4d}) timestamps; timestamps are
 * given in nanoseconds since the epoch either way. Layout: {@link Pcap}.
 *
 * <p>The file is memory-mapped; {@link #next(PacketBuffer)} copies one record into a slot and
 * allocates nothing, so a replay can feed frames at full speed. Not thread-safe.
 */
public final class PcapReader implements AutoCloseable {
    private final Path file;
    private final Arena arena;
    private final MemorySegment data;
    private final ValueLayout.OfInt u32;
    private final ValueLayout.OfShort u16;
    private final boolean nanosecond;
    private final int snapLength;
    private final int linkType;
    private long offset = Pcap.FILE_HEADER_LENGTH;
    private long records;
    private long timestampNanos;
    private int capturedLength;
    private int originalLength;

    private PcapReader(Path file, Arena arena, MemorySegment data) throws PcapFormatException {
        this.file = file;
        this.arena = arena;
        this.data = data;
        int magic = data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        ByteOrder order;
        if (magic == Pcap.MAGIC_MICROSECONDS || magic == Pcap.MAGIC_NANOSECONDS) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if (Integer.reverseBytes(magic) == Pcap.MAGIC_MICROSECONDS
                || Integer.reverseBytes(magic) == Pcap.MAGIC_NANOSECONDS) {
            order = ByteOrder.BIG_ENDIAN;
            magic = Integer.reverseBytes(magic);
        } else if (magic == Pcap.MAGIC_PCAPNG) {
            throw new PcapFormatException(file + " is a pcapng file, but jnat reads classic pcap only;"
                    + " convert it with: editcap -F pcap " + file + " out.pcap");
        } else {
            throw new PcapFormatException(file + " is not a pcap file (its first four bytes are "
                    + String.format("0x%08x", Integer.reverseBytes(magic))
                    + ", not a pcap magic number); give a classic libpcap capture");
        }
        u32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
        u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
        nanosecond = magic == Pcap.MAGIC_NANOSECONDS;
        snapLength = data.get(u32, 16);
        int network = data.get(u32, 20);
        linkType = network & 0xffff;
        if (linkType != Pcap.LINKTYPE_ETHERNET) {
            throw new PcapFormatException(file + " has link type " + linkType
                    + ", but jnat reads only Ethernet captures (link type 1); capture on an Ethernet interface,"
                    + " not 'any'");
        }
        if ((network & Pcap.FCS_PRESENT) != 0) {
            throw new PcapFormatException(file + " has frames that end with a frame check sequence, which jnat"
                    + " does not read; capture without FCS");
        }
    }

    /** Opens {@code file}; the header is checked here, so a wrong file fails at once. */
    public static PcapReader open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < Pcap.FILE_HEADER_LENGTH) {
                throw new PcapFormatException(file + " is not a pcap file: it has " + size
                        + " bytes, fewer than the 24-byte pcap file header");
            }
            MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new PcapReader(file, arena, data);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new NoSuchFileException(file.toString(), null, "no such pcap file; check the path");
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** {@link ByteOrder} the file was written in. */
    public ByteOrder byteOrder() {
        return u32.order();
    }

    /** True for the nanosecond format ({@code 0xa1b23c4d}), false for microseconds. */
    public boolean nanosecondResolution() {
        return nanosecond;
    }

    public int snapLength() {
        return snapLength;
    }

    public int linkType() {
        return linkType;
    }

    public int versionMajor() {
        return data.get(u16, 4) & 0xffff;
    }

    public int versionMinor() {
        return data.get(u16, 6) & 0xffff;
    }

    /**
     * Copies the next record into {@code into}: frame bytes, length and {@code timestampNanos};
     * offload metadata is cleared. A record longer than the slot is cut to the slot's capacity
     * (see {@link #capturedLength()}). Returns false at the end of the file.
     *
     * @throws PcapFormatException if the file ends in the middle of a record
     */
    public boolean next(PacketBuffer into) throws PcapFormatException {
        if (!advance()) {
            return false;
        }
        int length = Math.min(capturedLength, into.capacity());
        MemorySegment.copy(data, offset - capturedLength, into.segment(), 0, length);
        into.length(length);
        into.clearOffload();
        into.timestampNanos = timestampNanos;
        return true;
    }

    /** Like {@link #next(PacketBuffer)}, but returns a fresh copy of the frame, or null at the end. Allocates. */
    public byte[] nextBytes() throws PcapFormatException {
        if (!advance()) {
            return null;
        }
        return data.asSlice(offset - capturedLength, capturedLength).toArray(ValueLayout.JAVA_BYTE);
    }

    private boolean advance() throws PcapFormatException {
        long remaining = data.byteSize() - offset;
        if (remaining == 0) {
            return false;
        }
        if (remaining < Pcap.RECORD_HEADER_LENGTH) {
            throw cutShort(Pcap.RECORD_HEADER_LENGTH);
        }
        long seconds = Integer.toUnsignedLong(data.get(u32, offset));
        long fraction = Integer.toUnsignedLong(data.get(u32, offset + 4));
        long captured = Integer.toUnsignedLong(data.get(u32, offset + 8));
        long original = Integer.toUnsignedLong(data.get(u32, offset + 12));
        if (Pcap.RECORD_HEADER_LENGTH + captured > remaining) {
            throw cutShort(Pcap.RECORD_HEADER_LENGTH + captured);
        }
        offset += Pcap.RECORD_HEADER_LENGTH + captured;
        records++;
        timestampNanos = seconds * 1_000_000_000L + (nanosecond ? fraction : fraction * 1000);
        capturedLength = (int) captured;
        originalLength = (int) Math.min(original, Integer.MAX_VALUE);
        return true;
    }

    private PcapFormatException cutShort(long needed) {
        return new PcapFormatException(file + " is cut short: record " + (records + 1) + " at byte " + offset
                + " needs " + needed + " bytes but the file ends at byte " + data.byteSize()
                + "; the capture was probably interrupted");
    }

    /** Timestamp of the record last read, in nanoseconds since the epoch. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** Bytes of the record last read that are in the file. */
    public int capturedLength() {
        return capturedLength;
    }

    /** Length of the frame last read as it was on the wire (more than captured if cut by the snap length). */
    public int originalLength() {
        return originalLength;
    }

    /** Records read so far. */
    public long recordsRead() {
        return records;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
