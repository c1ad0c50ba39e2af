package org.jnat.device;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a classic libpcap file of Ethernet frames (link type 1), little-endian, with microsecond
 * timestamps ({@code 0xa1b2c3d4}, what every tool reads) unless {@link Resolution#NANOSECONDS} is
 * asked for ({@code 0xa1b23c4d}, read by tshark and libpcap 1.5 and later). Layout: {@link Pcap}.
 *
 * <p>Usable on the packet path: records are copied into one reused direct buffer that goes to a
 * {@link FileChannel} when it fills, so {@code write} allocates nothing. An I/O error does not
 * throw there: the write returns false and is counted; {@link #flush()} and {@link #close()}
 * report it. Frames longer than {@link #SNAP_LENGTH} are cut to it, keeping their original length.
 * Not thread-safe: one thread writes.
 */
public final class PcapWriter implements AutoCloseable {
    /** The snap length written in the header, as tcpdump's default. */
    public static final int SNAP_LENGTH = 262144;
    private static final int BUFFER_SIZE = 2 * SNAP_LENGTH;

    /** Timestamp resolution of the file. */
    public enum Resolution { MICROSECONDS, NANOSECONDS }

    private final Path file;
    private final FileChannel channel;
    private final Resolution resolution;
    private final ByteBuffer buffer;
    private final MemorySegment bufferSegment;
    private long written;
    private long errors;
    private IOException firstError;
    private boolean closed;

    private PcapWriter(Path file, FileChannel channel, Resolution resolution) {
        this.file = file;
        this.channel = channel;
        this.resolution = resolution;
        this.buffer = ByteBuffer.allocateDirect(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        this.bufferSegment = MemorySegment.ofBuffer(buffer);
    }

    /** Creates (or truncates) {@code file} with microsecond timestamps and writes the file header. */
    public static PcapWriter create(Path file) throws IOException {
        return create(file, Resolution.MICROSECONDS);
    }

    public static PcapWriter create(Path file, Resolution resolution) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        PcapWriter writer = new PcapWriter(file, channel, resolution);
        ByteBuffer b = writer.buffer;
        b.putInt(resolution == Resolution.NANOSECONDS ? Pcap.MAGIC_NANOSECONDS : Pcap.MAGIC_MICROSECONDS);
        b.putShort((short) Pcap.VERSION_MAJOR);
        b.putShort((short) Pcap.VERSION_MINOR);
        b.putInt(0); // reserved (thiszone): timestamps are UTC
        b.putInt(0); // reserved (sigfigs)
        b.putInt(SNAP_LENGTH);
        b.putInt(Pcap.LINKTYPE_ETHERNET);
        try {
            writer.drain();
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return writer;
    }

    public Path file() {
        return file;
    }

    public Resolution resolution() {
        return resolution;
    }

    /** Appends the frame in {@code frame} (bytes 0..length), stamped {@code timestampNanos} since the epoch. */
    public boolean write(PacketBuffer frame, long timestampNanos) {
        return write(frame.segment(), 0, frame.length(), timestampNanos);
    }

    /** Appends {@code length} bytes of {@code segment} from {@code offset} as one frame. */
    public boolean write(MemorySegment segment, long offset, int length, long timestampNanos) {
        if (closed || firstError != null) {
            errors++;
            return false;
        }
        int captured = Math.min(length, SNAP_LENGTH);
        if (buffer.remaining() < Pcap.RECORD_HEADER_LENGTH + captured && !tryDrain()) {
            return false;
        }
        // pcap seconds are unsigned: a time before the epoch (a clock that starts below zero) shows as 0.
        long stamp = Math.max(0, timestampNanos);
        long seconds = stamp / 1_000_000_000L;
        long nanos = stamp % 1_000_000_000L;
        buffer.putInt((int) seconds);
        buffer.putInt((int) (resolution == Resolution.NANOSECONDS ? nanos : nanos / 1000));
        buffer.putInt(captured);
        buffer.putInt(length);
        int position = buffer.position();
        MemorySegment.copy(segment, offset, bufferSegment, position, captured);
        buffer.position(position + captured);
        written++;
        return true;
    }

    /** Appends {@code frame}. A convenience for tests: wraps the array, so it allocates. */
    public boolean write(byte[] frame, long timestampNanos) {
        return write(MemorySegment.ofArray(frame), 0, frame.length, timestampNanos);
    }

    private boolean tryDrain() {
        try {
            drain();
            return true;
        } catch (IOException e) {
            firstError = e;
            errors++;
            return false;
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Frames written so far. */
    public long written() {
        return written;
    }

    /** Frames that could not be written because of an I/O error or because the writer was closed. */
    public long errors() {
        return errors;
    }

    /** Pushes buffered records to the file, so that readers see them. */
    public void flush() {
        if (closed) {
            return;
        }
        if (firstError == null) {
            tryDrain();
        }
        if (firstError != null) {
            throw failure();
        }
    }

    private UncheckedIOException failure() {
        return new UncheckedIOException("Could not write pcap file " + file + " (" + firstError.getMessage()
                + "); check free space and permissions", firstError);
    }

    /** Flushes and closes the file. Idempotent. Throws if any write failed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (firstError == null) {
                tryDrain();
            }
        } finally {
            closed = true;
            try {
                channel.close();
            } catch (IOException e) {
                if (firstError == null) {
                    firstError = e;
                }
            }
        }
        if (firstError != null) {
            throw failure();
        }
    }
}
