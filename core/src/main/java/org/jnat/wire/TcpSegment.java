package org.jnat.wire;

/**
 * A view of a TCP segment header (RFC 9293 section 3.1; ECE and CWR from RFC 3168).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           [Options]                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               :
 * :                             Data                              :
 * :                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Sequence and acknowledgment numbers are unsigned 32-bit values carried in an {@code int};
 * compare them with sequence arithmetic ({@code a - b < 0}), RFC 9293 section 3.4.
 */
public final class TcpSegment extends TransportHeader<TcpSegment> {
    public static final int SEQUENCE_NUMBER = 4;
    public static final int ACKNOWLEDGMENT_NUMBER = 8;
    public static final int DATA_OFFSET = 12;
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT_POINTER = 18;
    public static final int MIN_HEADER_LENGTH = 20;
    /** The part of the header an ICMP error is sure to quote (RFC 792): ports and sequence. */
    public static final int QUOTED_LENGTH = 8;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** Option kinds (RFC 9293 section 3.2). */
    public static final int OPTION_END = 0;
    public static final int OPTION_NOP = 1;
    public static final int OPTION_MSS = 2;

    public TcpSegment() {
        super(CHECKSUM, false);
    }

    /**
     * True if {@code length} bytes (the IPv4 payload length) hold the header: at least 20 bytes,
     * Data Offset at least 5 and the whole header, options included, present.
     */
    public boolean check(int length) {
        if (length < MIN_HEADER_LENGTH || !NetworkOrder.fits(segment, offset, length)) {
            return false;
        }
        int headerLength = headerLength();
        return headerLength >= MIN_HEADER_LENGTH && headerLength <= length;
    }

    /**
     * True if the first 8 bytes are present, the part an ICMP error always quotes. After it only
     * the ports and {@link #sequenceNumber()} may be read or written.
     */
    public boolean checkQuoted(int length) {
        return length >= QUOTED_LENGTH && NetworkOrder.fits(segment, offset, length);
    }

    public int sequenceNumber() {
        return NetworkOrder.i32(segment, offset + SEQUENCE_NUMBER);
    }

    public TcpSegment sequenceNumber(int value) {
        NetworkOrder.i32(segment, offset + SEQUENCE_NUMBER, value);
        return this;
    }

    public int acknowledgmentNumber() {
        return NetworkOrder.i32(segment, offset + ACKNOWLEDGMENT_NUMBER);
    }

    public TcpSegment acknowledgmentNumber(int value) {
        NetworkOrder.i32(segment, offset + ACKNOWLEDGMENT_NUMBER, value);
        return this;
    }

    /** Header length in bytes (Data Offset times 4). */
    public int headerLength() {
        return (NetworkOrder.u8(segment, offset + DATA_OFFSET) >>> 4) * 4;
    }

    /** Writes the Data Offset, given in bytes (a multiple of 4); clears the reserved bits. */
    public TcpSegment headerLength(int bytes) {
        NetworkOrder.u8(segment, offset + DATA_OFFSET, (bytes >>> 2) << 4);
        return this;
    }

    /** The eight control bits, {@link #FIN} to {@link #CWR}. */
    public int flags() {
        return NetworkOrder.u8(segment, offset + FLAGS);
    }

    public TcpSegment flags(int value) {
        NetworkOrder.u8(segment, offset + FLAGS, value);
        return this;
    }

    public boolean fin() {
        return (flags() & FIN) != 0;
    }

    public boolean syn() {
        return (flags() & SYN) != 0;
    }

    public boolean rst() {
        return (flags() & RST) != 0;
    }

    public boolean ack() {
        return (flags() & ACK) != 0;
    }

    public int window() {
        return NetworkOrder.u16(segment, offset + WINDOW);
    }

    public TcpSegment window(int value) {
        NetworkOrder.u16(segment, offset + WINDOW, value);
        return this;
    }

    public int urgentPointer() {
        return NetworkOrder.u16(segment, offset + URGENT_POINTER);
    }

    public TcpSegment urgentPointer(int value) {
        NetworkOrder.u16(segment, offset + URGENT_POINTER, value);
        return this;
    }

    /** Absolute offset of the options (right after the fixed 20 bytes). */
    public long optionsOffset() {
        return offset + MIN_HEADER_LENGTH;
    }

    public int optionsLength() {
        return headerLength() - MIN_HEADER_LENGTH;
    }

    /** Absolute offset of the data. */
    public long payloadOffset() {
        return offset + headerLength();
    }

    /**
     * Absolute offset of the 16-bit value of the MSS option, or -1 if there is none. Walks the
     * options within the header only: a malformed option list ends the walk, never throws.
     */
    public long mssValueOffset() {
        long p = optionsOffset();
        long end = offset + headerLength();
        while (p < end) {
            int kind = NetworkOrder.u8(segment, p);
            if (kind == OPTION_END) {
                return -1;
            }
            if (kind == OPTION_NOP) {
                p++;
                continue;
            }
            if (p + 1 >= end) {
                return -1;
            }
            int length = NetworkOrder.u8(segment, p + 1);
            if (length < 2 || p + length > end) {
                return -1;
            }
            if (kind == OPTION_MSS) {
                return length == 4 ? p + 2 : -1;
            }
            p += length;
        }
        return -1;
    }

    /** The Maximum Segment Size option's value (RFC 9293 section 3.7.1), or -1 if absent. */
    public int mss() {
        long at = mssValueOffset();
        return at < 0 ? -1 : NetworkOrder.u16(segment, at);
    }

    /** Overwrites the MSS option's value if there is one (the checksum is left alone). */
    public TcpSegment mss(int value) {
        long at = mssValueOffset();
        if (at >= 0) {
            NetworkOrder.u16(segment, at, value);
        }
        return this;
    }

    /**
     * MSS clamping: lowers the MSS option to {@code maximum} if it is larger, updating the
     * checksum incrementally. Returns true if the segment changed.
     */
    public boolean clampMss(int maximum) {
        long at = mssValueOffset();
        if (at < 0) {
            return false;
        }
        int old = NetworkOrder.u16(segment, at);
        if (old <= maximum) {
            return false;
        }
        NetworkOrder.u16(segment, at, maximum);
        // The option may start at an odd offset within the header, so the value may straddle two
        // of the 16-bit words the checksum adds: update the two words it touches.
        long relative = at - offset;
        if ((relative & 1) == 0) {
            checksum(Checksum.update16(checksum(), old, maximum));
        } else {
            checksum(Checksum.update16(checksum(), old >>> 8, maximum >>> 8));
            checksum(Checksum.update16(checksum(), (old & 0xff) << 8, (maximum & 0xff) << 8));
        }
        return true;
    }

    /** Computes the checksum afresh over {@code length} bytes (header and data) and writes it. */
    public TcpSegment fillChecksum(int sourceAddress, int destinationAddress, int length) {
        return checksum(Checksum.tcp(segment, offset, length, sourceAddress, destinationAddress));
    }

    /** True if {@code length} bytes with the pseudo-header sum to all ones. */
    public boolean checksumValid(int sourceAddress, int destinationAddress, int length) {
        long sum = Checksum.pseudoHeaderSum(sourceAddress, destinationAddress, IpProtocol.TCP, length);
        return Checksum.verifies(Checksum.add(segment, offset, length, sum));
    }
}
