package org.jnat.wire;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum: the ones' complement of the ones' complement sum of 16-bit words
 * (RFC 1071), its pseudo-header for TCP and UDP (RFC 9293 section 3.1, RFC 768), and incremental
 * updates when a field changes (RFC 1624).
 *
 * <p>Partial sums are carried as a {@code long} accumulator: {@link #add} adds a range of bytes to
 * it, {@link #fold} reduces it to 16 bits, {@link #finish} folds and complements it into the value
 * that goes into a header. Because 2^16 = 1 (mod 2^16 - 1), adding 32-bit big-endian words and
 * folding at the end gives the same ones' complement sum as adding 16-bit words (RFC 1071 section
 * 2 (B), "byte order independence" and "parallel summation"), so the sum reads 8 bytes at a time.
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * Adds {@code length} bytes at {@code offset} as big-endian 16-bit words to {@code sum}. An odd
     * last byte is padded with a zero byte on its right (RFC 1071 section 4.1).
     */
    public static long add(MemorySegment segment, long offset, int length, long sum) {
        long p = offset;
        long end = offset + length;
        // Each 64-bit load contributes two 32-bit halves; a long holds 2^31 of them without
        // overflowing, far more than any frame.
        while (p + 8 <= end) {
            long v = segment.get(NetworkOrder.U64, p);
            sum += (v >>> 32) + (v & 0xffff_ffffL);
            p += 8;
        }
        if (p + 4 <= end) {
            sum += NetworkOrder.i32(segment, p) & 0xffff_ffffL;
            p += 4;
        }
        if (p + 2 <= end) {
            sum += NetworkOrder.u16(segment, p);
            p += 2;
        }
        if (p < end) {
            sum += NetworkOrder.u8(segment, p) << 8;
        }
        return sum;
    }

    /** The ones' complement sum of a byte range, not complemented (see {@link #finish}). */
    public static long sum(MemorySegment segment, long offset, int length) {
        return add(segment, offset, length, 0);
    }

    /** Folds an accumulator to 16 bits with end-around carry. A non-zero sum never folds to 0. */
    public static int fold(long sum) {
        sum = (sum >>> 32) + (sum & 0xffff_ffffL);
        sum = (sum >>> 16) + (sum & 0xffff);
        sum = (sum >>> 16) + (sum & 0xffff);
        sum = (sum >>> 16) + (sum & 0xffff);
        return (int) sum;
    }

    /** The checksum field value for an accumulated sum: the complement of its fold. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /**
     * The TCP/UDP pseudo-header sum (RFC 768, RFC 9293 section 3.1): source, destination, zero,
     * protocol, and the transport length (header plus data).
     */
    public static long pseudoHeaderSum(int source, int destination, int protocol, int length) {
        return (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff)
                + protocol + length;
    }

    /**
     * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after a 16-bit field changed from
     * {@code oldValue} to {@code newValue}. Unlike eqn. 2 of RFC 1141, this never turns a checksum
     * into the negative zero that a full recomputation cannot produce: the result equals a full
     * recomputation whenever the covered data is not all zero bytes, which holds for every IPv4
     * header and, thanks to the pseudo-header, every TCP and UDP checksum. (An all-zero ICMP
     * message is the exception; {@link IcmpPacket#identifierUpdatingChecksum} handles it.)
     */
    public static int update16(int checksum, int oldValue, int newValue) {
        return apply(checksum, delta16(oldValue, newValue));
    }

    /** {@link #update16} for a 32-bit field (an IPv4 address, a TCP sequence number). */
    public static int update32(int checksum, int oldValue, int newValue) {
        return apply(checksum, delta32(oldValue, newValue));
    }

    /**
     * The {@code ~m + m'} term of RFC 1624 eqn. 3 for a 16-bit field. Deltas of several fields
     * add up (as plain ints, up to thousands of them) and go into the checksum with one
     * {@link #apply}: a NAT changes an address and a port under the same transport checksum.
     */
    public static int delta16(int oldValue, int newValue) {
        return (~oldValue & 0xffff) + (newValue & 0xffff);
    }

    /** {@link #delta16} for a 32-bit field: its two 16-bit halves. */
    public static int delta32(int oldValue, int newValue) {
        return (~oldValue >>> 16) + (~oldValue & 0xffff) + (newValue >>> 16) + (newValue & 0xffff);
    }

    /** Applies a sum of deltas to a checksum: HC' = ~(~HC + delta) (RFC 1624 eqn. 3). */
    public static int apply(int checksum, int delta) {
        int sum = (~checksum & 0xffff) + delta;
        // Two folds reduce any unsigned 32-bit sum to 16 bits; a non-zero sum stays non-zero.
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return ~sum & 0xffff;
    }

    /**
     * UDP's zero rule for incremental updates (RFC 768; RFC 1624 section 3 caveat): a received 0
     * means "no checksum" and stays 0; a result of 0 is sent as 0xFFFF, its other representation.
     */
    public static int updateUdp16(int checksum, int oldValue, int newValue) {
        if (checksum == 0) {
            return 0;
        }
        return udpNonZero(update16(checksum, oldValue, newValue));
    }

    /** {@link #updateUdp16} for a 32-bit field. */
    public static int updateUdp32(int checksum, int oldValue, int newValue) {
        if (checksum == 0) {
            return 0;
        }
        return udpNonZero(update32(checksum, oldValue, newValue));
    }

    /** A computed UDP checksum of 0 is transmitted as all ones (RFC 768). */
    public static int udpNonZero(int checksum) {
        return checksum == 0 ? 0xffff : checksum;
    }

    /**
     * The header checksum of the IPv4 header at {@code offset} (RFC 791 section 3.1), computed as if
     * its checksum field were zero. Does not write it.
     */
    public static int ipv4Header(MemorySegment segment, long offset, int headerLength) {
        return finish(addSkipping(segment, offset, headerLength, Ipv4Packet.CHECKSUM, 0));
    }

    /**
     * The TCP or UDP checksum of {@code length} transport bytes at {@code offset} (header and
     * data), with the pseudo-header, as if the checksum field at {@code offset + checksumField}
     * were zero. For UDP apply {@link #udpNonZero} before writing it.
     */
    public static int transport(MemorySegment segment, long offset, int length, int source, int destination,
            int protocol, int checksumField) {
        long sum = pseudoHeaderSum(source, destination, protocol, length);
        return finish(addSkipping(segment, offset, length, checksumField, sum));
    }

    /** The TCP checksum of a segment (RFC 9293 section 3.1), computed afresh. */
    public static int tcp(MemorySegment segment, long offset, int length, int source, int destination) {
        return transport(segment, offset, length, source, destination, IpProtocol.TCP, TcpSegment.CHECKSUM);
    }

    /** The UDP checksum of a datagram (RFC 768), computed afresh, 0 already sent as 0xFFFF. */
    public static int udp(MemorySegment segment, long offset, int length, int source, int destination) {
        return udpNonZero(
                transport(segment, offset, length, source, destination, IpProtocol.UDP, UdpDatagram.CHECKSUM));
    }

    /** The ICMP checksum of a message (RFC 792: no pseudo-header), computed afresh. */
    public static int icmp(MemorySegment segment, long offset, int length) {
        return finish(addSkipping(segment, offset, length, IcmpPacket.CHECKSUM, 0));
    }

    /**
     * {@link #add} of a range whose 16-bit checksum field at relative {@code field} (even) counts
     * as zero: the sum of the bytes before it and after it.
     */
    static long addSkipping(MemorySegment segment, long offset, int length, int field, long sum) {
        sum = add(segment, offset, Math.min(field, length), sum);
        int after = field + 2;
        if (length > after) {
            sum = add(segment, offset + after, length - after, sum);
        }
        return sum;
    }

    /** True if a byte range including its checksum field sums to all ones (RFC 1071 section 1). */
    public static boolean verifies(long sum) {
        return fold(sum) == 0xffff;
    }
}
