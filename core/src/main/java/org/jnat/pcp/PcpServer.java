package org.jnat.pcp;

import java.lang.foreign.MemorySegment;
import org.jnat.config.PcpConfig;
import org.jnat.config.RouterConfig;
import org.jnat.nat.NatTable;
import org.jnat.router.LocalService;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.NatPmpMessage;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.PcpMessage;

/**
 * The router's PCP (RFC 6887) and NAT-PMP (RFC 6886) server, on UDP 5351 of its inside address: told
 * apart by the version byte (0 NAT-PMP, 2 PCP, anything else UNSUPP_VERSION), answered by
 * {@link PcpRequests} and {@link NatPmpRequests} over the NAT's pinned mappings, whose lifetimes
 * {@link PcpMappings} keeps. At start, and so after a restart, the epoch begins again and the server
 * announces itself to 224.0.0.1:5350: an unsolicited PCP ANNOUNCE (section 14.1.3) and the NAT-PMP
 * address message (RFC 6886 section 3.2.1), ten times, 250 ms apart at first, doubling.
 *
 * <p>Data-plane thread only; {@link #settings} (a reload) and {@link #mappings()}'s listing are run
 * there through the control queue. Per request: no allocation, no exception; a datagram shorter than
 * 2 bytes, or a response, is counted and dropped.
 */
public final class PcpServer implements LocalService {
    /** Announcements sent at start, and the first interval (RFC 6886 section 3.2.1). */
    static final int ANNOUNCEMENTS = 10;
    static final long FIRST_INTERVAL_NANOS = 250_000_000L;

    private final PcpCounters count;
    private final PcpMappings mappings;
    private final PcpRequests pcp;
    private final NatPmpRequests natPmp;
    private final PcpMessage announce = new PcpMessage();
    /** The request, copied before the answer is written (which may be over it). */
    private final MemorySegment scratch = MemorySegment.ofArray(new byte[PcpMessage.MAX_LENGTH]);
    /** The answer, written here first: the caller's buffer may be too small for it (a link with a small MTU). */
    private final MemorySegment reply = MemorySegment.ofArray(new byte[PcpMessage.MAX_LENGTH]);
    private long startNanos;
    private int announced = ANNOUNCEMENTS;
    private boolean natPmpNext;
    private long nextAnnouncement = Deadlines.NONE;

    public PcpServer(PcpConfig config, NatTable table, int publicAddress, int insideAddress, int insidePrefixLength,
                     Counters counters) {
        this.count = new PcpCounters(counters);
        this.mappings = new PcpMappings(table);
        this.pcp = new PcpRequests(table, mappings, count, config, publicAddress, insideAddress, insidePrefixLength);
        this.natPmp = new NatPmpRequests(table, mappings, count, config, publicAddress);
    }

    /** The server for a router's configuration and NAT table, or null when {@code [pcp] enabled} is false. */
    public static PcpServer of(RouterConfig config, NatTable table, Counters counters) {
        if (!config.pcp().enabled()) {
            return null;
        }
        // One public address (the config refuses [pcp] with a pool of several): the pool's only one.
        return new PcpServer(config.pcp(), table, config.pool().addresses().getFirst(), config.inside().address(),
                config.inside().prefixLength(), counters);
    }

    /** New {@code max-lifetime}, {@code max-mappings-per-host} and {@code allow-third-party} (a reload): for requests from now on. */
    public void settings(PcpConfig config) {
        pcp.settings(config);
        natPmp.settings(config);
    }

    /** The mappings made through PCP and NAT-PMP, with their lifetimes. */
    public PcpMappings mappings() {
        return mappings;
    }

    @Override
    public int port() {
        return PcpMessage.SERVER_PORT;
    }

    @Override
    public int announcePort() {
        return PcpMessage.CLIENT_PORT;
    }

    @Override
    public void start(long now) {
        startNanos = now;
        announced = 0;
        natPmpNext = false;
        nextAnnouncement = now;
    }

    /** Seconds since the epoch began (section 8.5), as the 32-bit field carries them. */
    private long epoch(long now) {
        return ((now - startNanos) / 1_000_000_000L) & 0xffffffffL;
    }

    @Override
    public int answer(MemorySegment in, long inOffset, int length, int source, int sourcePort, MemorySegment out,
                      long outOffset, long now) {
        if (length < 2) {
            count.increment(count.malformed); // nothing to answer (RFC 6887 section 8.3)
            return 0;
        }
        int copied = Math.min(length, PcpMessage.MAX_LENGTH);
        MemorySegment.copy(in, inOffset, scratch, 0, copied);
        if ((NetworkOrder.u8(scratch, 1) & PcpMessage.RESPONSE) != 0) {
            count.increment(count.malformed); // a response (R bit; NAT-PMP's OP from 128): never answered
            return 0;
        }
        int n = NetworkOrder.u8(scratch, 0) == NatPmpMessage.VERSION
                ? natPmp.answer(scratch, copied, source, reply, 0, epoch(now), now)
                : pcp.answer(scratch, length, source, reply, 0, epoch(now), now);
        if (!NetworkOrder.fits(out, outOffset, n)) {
            count.increment(count.malformed); // cannot happen on a link whose MTU carries 1100 bytes
            return 0;
        }
        MemorySegment.copy(reply, 0, out, outOffset, n);
        return n;
    }

    @Override
    public void refused() {
        count.increment(count.refusedOutside);
    }

    @Override
    public void malformed() {
        count.increment(count.malformed);
    }

    @Override
    public int announcement(MemorySegment out, long outOffset, long now) {
        if (!Deadlines.isDue(nextAnnouncement, now)) {
            return 0;
        }
        count.increment(count.announcements);
        if (natPmpNext) {
            natPmpNext = false;
            announced++;
            nextAnnouncement = announced == ANNOUNCEMENTS ? Deadlines.NONE
                    : now + (FIRST_INTERVAL_NANOS << (announced - 1));
            return natPmp.announcement(out, outOffset, epoch(now));
        }
        natPmpNext = true;
        // An unsolicited ANNOUNCE response: SUCCESS, lifetime 0, the epoch (RFC 6887 section 14.1.3).
        announce.wrap(out, outOffset).version(PcpMessage.VERSION).opcode(PcpMessage.ANNOUNCE, true)
                .resultCode(PcpMessage.SUCCESS).lifetime(0).epochTime(epoch(now));
        return PcpMessage.HEADER_LENGTH;
    }

    @Override
    public void poll(long now) {
        int n = mappings.expire(now);
        if (n > 0) {
            count.counters.add(count.expired, n);
        }
    }

    @Override
    public long nextDeadline() {
        return Deadlines.earliest(mappings.nextDeadline(), nextAnnouncement);
    }
}
