package org.jnat.stack;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.Ipv4Packet;

/**
 * IPv4 reassembly (RFC 791 section 3.2, RFC 815) for the packets the router must look into: the NAT
 * needs the ports, which only the first fragment holds, and fragments may arrive in any order (RFC
 * 4787 REQ-14).
 *
 * <p>Datagrams are keyed by (source, destination, protocol, identification), as RFC 791 says, plus
 * the side they came in on. Each datagram in progress owns one preallocated slot big enough for the
 * largest datagram; its payload is written at its final place, so that completing it is one move.
 *
 * <p>Bounds, so that fragments can not exhaust the router: at most {@code maxDatagrams} in progress,
 * {@code maxBytes} of payload held in all, {@link #MAX_FRAGMENTS} fragments per datagram (FreeBSD's
 * {@code net.inet.ip.maxfragsperpacket} is 16; 64 covers a 64 KiB datagram over 1500-byte links).
 * When a new datagram finds no room, the oldest one in progress is given up (counted).
 *
 * <p>A fragment that overlaps another without being an exact duplicate drops the whole datagram
 * (as Linux does since 2018 and RFC 5722 asks for IPv6): overlaps are how fragment attacks make a
 * middlebox and the receiver see different bytes. An exact duplicate (the network duplicated it) is
 * dropped alone.
 *
 * <p>Incomplete datagrams time out after {@code timeoutNanos}; {@link #DEFAULT_TIMEOUT_NANOS} is
 * Linux's {@code ipfrag_time} of 30 s (RFC 791 suggests 15 s as the initial timer; RFC 1122 section
 * 3.3.2 recommends 60 to 120 s for hosts, which would hold a router's memory too long).
 * {@link #nextDeadline()} says when the next one times out, so that the router sleeps until then.
 */
public final class Fragments {
    public static final int MAX_FRAGMENTS = 64;
    public static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;
    /** Room before the payload for the link header and the largest IPv4 header. */
    private static final int HEAD = 128;
    private static final int MAX_DATAGRAM = 65535;

    /** {@link #add} result when the datagram is not complete (held, or dropped and counted). */
    public static final int INCOMPLETE = -1;

    private final long timeoutNanos;
    private final int maxBytes;

    private final PacketBuffer[] buffers;
    private final boolean[] busy;
    private final boolean[] delivered;
    private final int[] source;
    private final int[] destination;
    private final int[] protocolAndSide;
    private final int[] id;
    private final long[] expires;
    private final long[] started;
    private final int[] received;       // payload bytes held
    private final int[] total;          // payload length once the last fragment is in, else -1
    private final int[] headerLength;   // of the first fragment, 0 until it is in
    private final int[] linkLength;     // bytes before the IPv4 header in the first fragment
    private final int[] count;
    private final int[] largest;        // total length of the largest fragment
    private final int[] starts;         // [slot * MAX_FRAGMENTS + i]
    private final int[] ends;
    private int busyCount;
    private int bytesHeld;
    /** No datagram times out before this (it may be early: datagrams completed or dropped since); NONE if none. */
    private long earliest = Deadlines.NONE;

    private final Ipv4Packet view = new Ipv4Packet();
    private final Counters counters;
    private final Count counted;

    /** What reassembly counts. */
    private static final class Count {
        final int fragments, reassembled, timeout, evicted, overlap, duplicate, badLength, tooMany, tooBig;

        Count(Counters counters) {
            fragments = counters.register("ipv4.fragments.received", "IPv4 fragments received for reassembly");
            reassembled = counters.register("ipv4.fragments.reassembled", "IPv4 datagrams reassembled");
            timeout = counters.register("ipv4.fragments.dropped.timeout", "incomplete IPv4 datagrams given up: the rest never came in time");
            evicted = counters.register("ipv4.fragments.dropped.no_room", "incomplete IPv4 datagrams given up to make room for newer ones");
            overlap = counters.register("ipv4.fragments.dropped.overlap", "IPv4 datagrams dropped because two of their fragments overlapped");
            duplicate = counters.register("ipv4.fragments.dropped.duplicate", "duplicate IPv4 fragments dropped");
            badLength = counters.register("ipv4.fragments.dropped.bad_length", "IPv4 fragments dropped: empty, not a multiple of 8 bytes, or past the end");
            tooMany = counters.register("ipv4.fragments.dropped.too_many", "IPv4 datagrams dropped: more than " + MAX_FRAGMENTS + " fragments");
            tooBig = counters.register("ipv4.fragments.dropped.too_big", "IPv4 datagrams dropped: reassembled they would exceed 65535 bytes");
        }
    }

    public Fragments(int maxDatagrams, int maxBytes, long timeoutNanos, Counters counters) {
        if (maxDatagrams < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("reassembly bounds must be positive");
        }
        this.timeoutNanos = timeoutNanos;
        this.maxBytes = maxBytes;
        Arena arena = Arena.ofAuto();
        buffers = new PacketBuffer[maxDatagrams];
        for (int i = 0; i < maxDatagrams; i++) {
            buffers[i] = PacketBuffer.allocate(arena, HEAD + MAX_DATAGRAM);
        }
        busy = new boolean[maxDatagrams];
        delivered = new boolean[maxDatagrams];
        source = new int[maxDatagrams];
        destination = new int[maxDatagrams];
        protocolAndSide = new int[maxDatagrams];
        id = new int[maxDatagrams];
        expires = new long[maxDatagrams];
        started = new long[maxDatagrams];
        received = new int[maxDatagrams];
        total = new int[maxDatagrams];
        headerLength = new int[maxDatagrams];
        linkLength = new int[maxDatagrams];
        count = new int[maxDatagrams];
        largest = new int[maxDatagrams];
        starts = new int[maxDatagrams * MAX_FRAGMENTS];
        ends = new int[maxDatagrams * MAX_FRAGMENTS];
        this.counters = counters;
        counted = new Count(counters);
    }

    /** 32 datagrams, 1 MiB of payload, Linux's 30 s. */
    public static Fragments withDefaults(Counters counters) {
        return new Fragments(32, 1 << 20, DEFAULT_TIMEOUT_NANOS, counters);
    }

    /**
     * Takes the fragment in {@code frame} whose IPv4 header (already validated: version, lengths,
     * checksum) starts at {@code ipOffset}. Returns the slot of the datagram if this fragment
     * completes it, else {@link #INCOMPLETE}. A complete datagram is in {@link #datagram(int)} as a
     * frame: the link header of its first fragment, then the IPv4 header with MF and the offset
     * cleared, total length and checksum set. The caller must {@link #release(int)} it.
     */
    public int add(PacketBuffer frame, int ipOffset, int side, long now) {
        releaseDelivered();
        counters.increment(counted.fragments);
        MemorySegment in = frame.segment();
        Ipv4Packet ip = view.wrap(in, ipOffset);
        int ihl = ip.headerLength();
        int totalLength = ip.totalLength();
        boolean more = ip.moreFragments();
        int start = ip.fragmentOffset();
        int length = totalLength - ihl;
        int end = start + length;
        if (length <= 0 || (more && (length & 7) != 0)) {
            counters.increment(counted.badLength);
            return INCOMPLETE;
        }
        int src = ip.sourceAddress();
        int dst = ip.destinationAddress();
        int key = ip.protocol() | (side << 8);
        int ident = ip.identification();

        int slot = find(src, dst, key, ident);
        if (ihl + end > MAX_DATAGRAM) {
            // RFC 791 limits a datagram to 65535 octets; more is the "ping of death".
            counters.increment(counted.tooBig);
            if (slot >= 0) {
                free(slot);
            }
            return INCOMPLETE;
        }
        if (slot < 0) {
            slot = open(src, dst, key, ident, now);
            if (slot < 0) {
                return INCOMPLETE;
            }
        }
        // The end is known once the last fragment is in: nothing may pass it, and it may not move.
        if ((total[slot] >= 0 && (end > total[slot] || (!more && end != total[slot])))
                || (!more && received[slot] > 0 && maxEnd(slot) > end)) {
            counters.increment(counted.badLength);
            free(slot);
            return INCOMPLETE;
        }
        int base = slot * MAX_FRAGMENTS;
        for (int i = 0; i < count[slot]; i++) {
            int s = starts[base + i];
            int e = ends[base + i];
            if (s == start && e == end) {
                counters.increment(counted.duplicate);
                return INCOMPLETE;
            }
            if (start < e && s < end) {
                counters.increment(counted.overlap);
                free(slot);
                return INCOMPLETE;
            }
        }
        if (count[slot] == MAX_FRAGMENTS) {
            counters.increment(counted.tooMany);
            free(slot);
            return INCOMPLETE;
        }
        while (bytesHeld + length > maxBytes) {
            int oldest = oldestOtherThan(slot);
            if (oldest < 0) {
                counters.increment(counted.evicted);
                free(slot);
                return INCOMPLETE;
            }
            counters.increment(counted.evicted);
            free(oldest);
        }
        MemorySegment buf = buffers[slot].segment();
        MemorySegment.copy(in, ipOffset + ihl, buf, HEAD + start, length);
        if (start == 0) {
            headerLength[slot] = ihl;
            linkLength[slot] = ipOffset;
            MemorySegment.copy(in, ipOffset, buf, HEAD - ihl, ihl);
            MemorySegment.copy(in, 0, buf, HEAD - ihl - ipOffset, ipOffset);
        }
        if (!more) {
            total[slot] = end;
        }
        starts[base + count[slot]] = start;
        ends[base + count[slot]] = end;
        count[slot]++;
        largest[slot] = Math.max(largest[slot], totalLength);
        received[slot] += length;
        bytesHeld += length;
        if (total[slot] < 0 || headerLength[slot] == 0 || received[slot] != total[slot]) {
            return INCOMPLETE;
        }
        complete(slot);
        return slot;
    }

    /** The reassembled datagram of {@code slot}, as a frame from offset 0. */
    public PacketBuffer datagram(int slot) {
        return buffers[slot];
    }

    /**
     * The total length of the largest fragment the datagram of {@code slot} came in: a router
     * that forwards the datagram fragments it again no larger than this, as Linux does
     * ({@code frag_max_size}), so that reassembly never makes packets bigger than the sender did.
     */
    public int largestFragment(int slot) {
        return largest[slot];
    }

    /** Gives the slot of a delivered datagram back. */
    public void release(int slot) {
        if (busy[slot]) {
            free(slot);
        }
    }

    /** The timer step: gives up datagrams whose time is out. */
    public void expire(long now) {
        releaseDelivered();
        earliest = Deadlines.NONE;
        for (int s = 0; s < busy.length; s++) {
            if (busy[s]) {
                if (now - expires[s] >= 0) {
                    counters.increment(counted.timeout);
                    free(s);
                } else {
                    earliest = Deadlines.earliest(earliest, expires[s]);
                }
            }
        }
    }

    /**
     * When {@link #expire} next has work: the earliest timeout of a datagram in progress, or
     * {@link Deadlines#NONE}. May be earlier than needed, never later. O(1).
     */
    public long nextDeadline() {
        return busyCount == 0 ? Deadlines.NONE : earliest;
    }

    /** Datagrams in progress. */
    public int datagramsHeld() {
        return busyCount;
    }

    /** Payload bytes held in all datagrams in progress. */
    public int bytesHeld() {
        return bytesHeld;
    }

    public int maxDatagrams() {
        return buffers.length;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /**
     * Back to a new store's state, every datagram in progress forgotten (the buffers keep their
     * bytes, as when a slot is reused): a fuzzer reuses one router per configuration. Set-up time only.
     */
    public void reset() {
        Arrays.fill(busy, false);
        Arrays.fill(delivered, false);
        for (int[] a : new int[][] {source, destination, protocolAndSide, id, received, total, headerLength,
                linkLength, count, largest, starts, ends}) {
            Arrays.fill(a, 0);
        }
        Arrays.fill(expires, 0);
        Arrays.fill(started, 0);
        busyCount = 0;
        bytesHeld = 0;
        earliest = Deadlines.NONE;
    }

    // ---- internals ------------------------------------------------------------------------

    private int find(int src, int dst, int key, int ident) {
        for (int s = 0; s < busy.length; s++) {
            if (busy[s] && !delivered[s] && id[s] == ident && source[s] == src && destination[s] == dst
                    && protocolAndSide[s] == key) {
                return s;
            }
        }
        return -1;
    }

    private int open(int src, int dst, int key, int ident, long now) {
        int slot = -1;
        for (int s = 0; s < busy.length; s++) {
            if (!busy[s]) {
                slot = s;
                break;
            }
        }
        if (slot < 0) {
            slot = oldestOtherThan(-1);
            if (slot < 0) {
                return -1;
            }
            counters.increment(counted.evicted);
            free(slot);
        }
        busy[slot] = true;
        delivered[slot] = false;
        busyCount++;
        source[slot] = src;
        destination[slot] = dst;
        protocolAndSide[slot] = key;
        id[slot] = ident;
        started[slot] = now;
        expires[slot] = now + timeoutNanos;
        earliest = Deadlines.earliest(earliest, expires[slot]);
        received[slot] = 0;
        total[slot] = -1;
        headerLength[slot] = 0;
        count[slot] = 0;
        largest[slot] = 0;
        return slot;
    }

    private int oldestOtherThan(int keep) {
        int best = -1;
        for (int s = 0; s < busy.length; s++) {
            if (busy[s] && !delivered[s] && s != keep && (best < 0 || started[s] - started[best] < 0)) {
                best = s;
            }
        }
        return best;
    }

    private int maxEnd(int slot) {
        int max = 0;
        int base = slot * MAX_FRAGMENTS;
        for (int i = 0; i < count[slot]; i++) {
            max = Math.max(max, ends[base + i]);
        }
        return max;
    }

    private void complete(int slot) {
        int ihl = headerLength[slot];
        int link = linkLength[slot];
        int datagramLength = ihl + total[slot];
        MemorySegment buf = buffers[slot].segment();
        int from = HEAD - ihl - link;
        MemorySegment.copy(buf, from, buf, 0, link + datagramLength);
        // DF stays; the reserved flag, MF and the offset go.
        Ipv4Packet ip = view.wrap(buf, link);
        boolean dontFragment = ip.dontFragment();
        ip.totalLength(datagramLength).flagsAndFragmentOffset(0).dontFragment(dontFragment).fillHeaderChecksum();
        buffers[slot].clearOffload();
        buffers[slot].length(link + datagramLength);
        bytesHeld -= received[slot];
        received[slot] = 0;
        delivered[slot] = true;
        counters.increment(counted.reassembled);
    }

    /** A delivered datagram the caller forgot to release is taken back at the next call. */
    private void releaseDelivered() {
        for (int s = 0; s < busy.length; s++) {
            if (busy[s] && delivered[s]) {
                free(s);
            }
        }
    }

    private void free(int slot) {
        bytesHeld -= received[slot];
        received[slot] = 0;
        busy[slot] = false;
        delivered[slot] = false;
        busyCount--;
    }
}
