package org.jnat.router;

import java.lang.foreign.MemorySegment;

/**
 * A UDP service the router itself runs on its inside address, answered by jnat's own stack as it
 * answers ICMP echo: the PCP and NAT-PMP server ({@code org.jnat.pcp.PcpServer}, the one
 * implementation). The router hands it each request from an inside host and sends what it answers;
 * it asks it for its unsolicited messages (announcements to all hosts) and runs its timers. Calls
 * come from the data-plane thread only, and none may allocate or throw.
 */
public interface LocalService {
    /** The UDP port it listens on. */
    int port();

    /** The port its unsolicited messages go to, at {@code 224.0.0.1}. */
    int announcePort();

    /** The router starts (or restarts) at {@code now}: its epoch begins, its announcements are due. */
    void start(long now);

    /**
     * A request from inside host {@code source}:{@code sourcePort}, {@code length} bytes at
     * {@code in}/{@code inOffset}. Writes the answer at {@code out}/{@code outOffset} (which may
     * overlap the request: read it first) and returns its length, or 0 for none (dropped, counted).
     */
    int answer(MemorySegment in, long inOffset, int length, int source, int sourcePort, MemorySegment out,
               long outOffset, long now);

    /** A request that came from the outside, or to an address other than the inside one: counted, then refused as a closed port is. */
    void refused();

    /** A request whose UDP checksum is wrong: counted and dropped. */
    void malformed();

    /** The next unsolicited message due by {@code now}, written at {@code out}/{@code outOffset}: its length, or 0. */
    int announcement(MemorySegment out, long outOffset, long now);

    /** Its timers (mapping lifetimes) up to {@code now}. */
    void poll(long now);

    /** When {@link #poll} or {@link #announcement} next has work; {@link org.jnat.runtime.Deadlines#NONE} if never. */
    long nextDeadline();
}
