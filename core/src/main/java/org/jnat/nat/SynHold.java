package org.jnat.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;

/**
 * Unsolicited inbound SYNs held before they are refused (RFC 5382 REQ-4): the NAT must not answer
 * one with an error for 6 seconds, and if an outbound SYN for the same connection is translated
 * meanwhile (a simultaneous open, the hole punching of RFC 5128), the held SYN is silently dropped
 * and the connection goes ahead. After 6 seconds the reject policy answers it.
 *
 * <p>A fixed set of slots, each a small {@link PacketBuffer} holding a copy of the SYN's frame up to
 * the end of its TCP header (what a RST needs), allocated once. When every slot is busy a new SYN
 * is not held but dropped silently: never an early answer, which REQ-4 forbids.
 */
final class SynHold {
    static final long HOLD_NANOS = 6_000_000_000L;
    private static final int SLOT_BYTES = 256;

    private final PacketBuffer[] copies;
    private final long[] deadline;
    private final int[] externalPort;
    private final int[] remoteAddress;
    private final int[] remotePort;
    private final boolean[] busy;
    private int held;
    /** No held SYN is due before this (it may be early: one was cancelled); NONE when none is held. */
    private long earliest = Deadlines.NONE;

    SynHold(int slots) {
        Arena arena = Arena.ofAuto();
        this.copies = new PacketBuffer[slots];
        for (int i = 0; i < slots; i++) {
            copies[i] = PacketBuffer.allocate(arena, SLOT_BYTES);
        }
        this.deadline = new long[slots];
        this.externalPort = new int[slots];
        this.remoteAddress = new int[slots];
        this.remotePort = new int[slots];
        this.busy = new boolean[slots];
    }

    /**
     * Nothing held, as new. The copies' bytes stay: a slot is read only after {@link #hold} wrote it.
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(deadline, 0L);
        java.util.Arrays.fill(externalPort, 0);
        java.util.Arrays.fill(remoteAddress, 0);
        java.util.Arrays.fill(remotePort, 0);
        java.util.Arrays.fill(busy, false);
        held = 0;
        earliest = Deadlines.NONE;
    }

    int held() {
        return held;
    }

    /**
     * Holds the SYN whose IP and TCP headers {@code ip} and {@code tcp} wrap (over a frame that starts
     * at offset 0 of its segment). False if no slot is free.
     */
    boolean hold(Ipv4Packet ip, TcpSegment tcp, long now) {
        int bytes = (int) tcp.payloadOffset(); // the frame up to the end of the TCP header
        int dstPort = tcp.destinationPort();
        int srcPort = tcp.sourcePort();
        if (bytes > SLOT_BYTES) {
            return false;
        }
        if (cancelled(dstPort, ip.sourceAddress(), srcPort, false)) {
            return true; // a retransmission of a SYN already held: one answer is enough
        }
        for (int i = 0; i < busy.length; i++) {
            if (!busy[i]) {
                MemorySegment.copy(ip.segment(), 0, copies[i].segment(), 0, bytes);
                copies[i].length(bytes);
                copies[i].clearOffload();
                busy[i] = true;
                deadline[i] = now + HOLD_NANOS;
                earliest = Deadlines.earliest(earliest, deadline[i]);
                externalPort[i] = dstPort;
                remoteAddress[i] = ip.sourceAddress();
                remotePort[i] = srcPort;
                held++;
                return true;
            }
        }
        return false;
    }

    /** An outbound SYN for this connection was translated: forget the held one. True if there was one. */
    boolean cancel(int extPort, int remoteAddr, int remotePortNumber) {
        return cancelled(extPort, remoteAddr, remotePortNumber, true);
    }

    private boolean cancelled(int extPort, int remoteAddr, int remotePortNumber, boolean free) {
        if (held == 0) {
            return false;
        }
        for (int i = 0; i < busy.length; i++) {
            if (busy[i] && externalPort[i] == extPort && remoteAddress[i] == remoteAddr
                    && remotePort[i] == remotePortNumber) {
                if (free) {
                    busy[i] = false;
                    held--;
                }
                return true;
            }
        }
        return false;
    }

    /**
     * The next SYN whose 6 s are over, as a frame copy (valid until the next call), with its slot
     * freed; null if none is due.
     */
    PacketBuffer nextDue(long now) {
        if (held == 0) {
            earliest = Deadlines.NONE;
            return null;
        }
        long next = Deadlines.NONE;
        for (int i = 0; i < busy.length; i++) {
            if (busy[i]) {
                if (deadline[i] - now <= 0) {
                    busy[i] = false;
                    held--;
                    return copies[i];
                }
                next = Deadlines.earliest(next, deadline[i]);
            }
        }
        // None is due: the sweep saw every deadline.
        earliest = next;
        return null;
    }

    /** Forgets every held SYN: none will be answered. */
    void clear() {
        java.util.Arrays.fill(busy, false);
        held = 0;
        earliest = Deadlines.NONE;
    }

    /** When the next held SYN comes due ({@link #nextDue} returns it), or NONE: O(1). */
    long nextDeadline() {
        return held == 0 ? Deadlines.NONE : earliest;
    }
}
