package org.jnat.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frames from the Linux NAT reference captures ({@code vectors/linux-nat}, see the README there).
 * A minimal reader of classic little-endian pcap files (24-byte global header, then 16-byte record
 * headers), private to the wire tests so that they do not depend on the device package.
 */
final class Vectors {
    private Vectors() {
    }

    /** All frames of {@code vectors/linux-nat/NAME.pcap}, in capture order. */
    static List<byte[]> frames(String name) {
        String resource = "/vectors/linux-nat/" + name + ".pcap";
        try (InputStream in = Vectors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            ByteBuffer file = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            if (file.getInt(0) != 0xa1b2c3d4) {
                throw new IllegalStateException(resource + " is not a little-endian classic pcap file");
            }
            List<byte[]> frames = new ArrayList<>();
            int p = 24;
            while (p + 16 <= file.limit()) {
                int captured = file.getInt(p + 8);
                byte[] frame = new byte[captured];
                file.get(p + 16, frame);
                frames.add(frame);
                p += 16 + captured;
            }
            return frames;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Frame {@code number} (1-based, as tshark numbers them) of a capture. */
    static byte[] frame(String name, int number) {
        return frames(name).get(number - 1);
    }

    /** A heap segment over a copy of the frame, so that tests may write to it. */
    static MemorySegment segment(byte[] frame) {
        return MemorySegment.ofArray(Arrays.copyOf(frame, frame.length));
    }

    /** Parses hex with optional whitespace. */
    static byte[] hex(String text) {
        String s = text.replaceAll("\\s+", "");
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** The RFC 1071 checksum done the slow, obvious way: 16-bit words, one at a time. */
    static int referenceChecksum(byte[] data, int from, int to, long initial) {
        long sum = initial;
        for (int i = from; i < to; i += 2) {
            int hi = data[i] & 0xff;
            int lo = i + 1 < to ? data[i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static byte[] bytes(MemorySegment segment, long offset, int length) {
        return segment.asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
