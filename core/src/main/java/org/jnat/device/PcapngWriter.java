package org.jnat.device;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes a pcapng stream (draft-ietf-opsawg-pcapng) of Ethernet frames to an {@link OutputStream}:
 * one Section Header Block, one Interface Description Block per interface (named, with nanosecond
 * timestamps), then an Enhanced Packet Block per frame with its interface id and its direction
 * ({@code epb_flags}). Unlike classic pcap ({@link PcapWriter}), a frame says which interface it
 * was on, so one stream holds both sides of the router; tshark and Wireshark read it from a pipe as
 * it arrives. Little-endian, as the byte-order magic says.
 *
 * <pre>
 *   every block:  type (4) | total length (4) | body | options | total length (4)
 *   SHB  0x0A0D0D0A: byte-order magic 0x1A2B3C4D, version 1.0, section length -1 (unknown)
 *   IDB  0x00000001: link type (2), reserved (2), snap length (4)
 *   EPB  0x00000006: interface id (4), timestamp high (4), low (4), captured length (4),
 *                    original length (4), data padded to 4
 *   option: code (2) | length (2) | value padded to 4; the list ends with code 0, length 0
 * </pre>
 *
 * <p>Not thread-safe; not for the packet path (the capture ring hands frames to a control thread).
 */
public final class PcapngWriter {
    private static final int SHB = 0x0A0D0D0A, IDB = 1, EPB = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_END = 0, SHB_USERAPPL = 4, IF_NAME = 2, IF_DESCRIPTION = 3, IF_TSRESOL = 9,
            EPB_FLAGS = 2;
    /** if_tsresol 9: timestamps count nanoseconds. */
    private static final byte NANOSECONDS = 9;

    private final OutputStream out;
    private final ByteBuffer buffer = ByteBuffer.allocate(2 * CaptureRing.SNAP_LENGTH).order(ByteOrder.LITTLE_ENDIAN);

    public PcapngWriter(OutputStream out) {
        this.out = out;
    }

    /** The section header and one interface per name, ids 0, 1, ... in order; {@code descriptions} may hold nulls. */
    public void header(String application, String[] names, String[] descriptions) throws IOException {
        int start = begin(SHB);
        buffer.putInt(BYTE_ORDER_MAGIC);
        buffer.putShort((short) 1).putShort((short) 0);
        buffer.putLong(-1L);
        option(SHB_USERAPPL, application.getBytes(StandardCharsets.UTF_8));
        end(start);
        for (int i = 0; i < names.length; i++) {
            start = begin(IDB);
            buffer.putShort((short) Pcap.LINKTYPE_ETHERNET).putShort((short) 0);
            buffer.putInt(CaptureRing.SNAP_LENGTH);
            option(IF_NAME, names[i].getBytes(StandardCharsets.UTF_8));
            if (descriptions[i] != null) {
                option(IF_DESCRIPTION, descriptions[i].getBytes(StandardCharsets.UTF_8));
            }
            option(IF_TSRESOL, new byte[] {NANOSECONDS});
            end(start);
        }
    }

    /** One frame of interface {@code iface}: {@code bytes[0..captured)} of a frame {@code original} bytes long. */
    public void frame(int iface, long timestampNanos, byte[] bytes, int captured, int original, int direction)
            throws IOException {
        if (buffer.remaining() < captured + 64) {
            drain();
        }
        int start = begin(EPB);
        buffer.putInt(iface);
        long stamp = Math.max(0, timestampNanos);
        buffer.putInt((int) (stamp >>> 32)).putInt((int) stamp);
        buffer.putInt(captured).putInt(original);
        buffer.put(bytes, 0, captured);
        pad(captured);
        buffer.putShort((short) EPB_FLAGS).putShort((short) 4).putInt(direction & 3);
        end(start);
    }

    /** A frame of a {@link CaptureRing}. */
    public void frame(CaptureRing.Frame f) throws IOException {
        frame(f.iface, f.timestampNanos, f.bytes, f.capturedLength, f.originalLength, f.direction);
    }

    /** Sends what is buffered and flushes the stream, so that a reader sees it now. */
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void drain() throws IOException {
        if (buffer.position() > 0) {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
    }

    private int begin(int type) {
        int start = buffer.position();
        buffer.putInt(type).putInt(0); // the length, set by end()
        return start;
    }

    private void end(int start) {
        buffer.putShort((short) OPT_END).putShort((short) 0);
        int length = buffer.position() - start + 4;
        buffer.putInt(length);
        buffer.putInt(start + 4, length);
    }

    private void option(int code, byte[] value) {
        buffer.putShort((short) code).putShort((short) value.length).put(value);
        pad(value.length);
    }

    private void pad(int length) {
        for (int i = length; (i & 3) != 0; i++) {
            buffer.put((byte) 0);
        }
    }
}
