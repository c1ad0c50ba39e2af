package org.jnat.nat;

import java.util.List;
import org.jnat.config.ForwardRule;
import org.jnat.config.NatConfig.Unmatched;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.runtime.Deadlines;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.TcpSegment;

/**
 * What becomes of an inbound TCP or UDP packet that no session and no mapping takes: a port forward
 * makes a session to its inside server (the client's address kept), else the DMZ host gets one,
 * else {@code unmatched} drops it or has the router reject it (a TCP RST or an ICMP port
 * unreachable); an unsolicited SYN is first held 6 s (RFC 5382 REQ-4, {@link SynHold}), and an
 * outbound SYN of the same connection in that time wins (a simultaneous open).
 *
 * <p>The control plane (and PCP) change the policy at run time through
 * {@link #addForward}, {@link #removeForward}, {@link #dmz(int)} and {@link #unmatched(Unmatched)},
 * called on the data-plane thread between packets, after it takes a change off its queue; they may
 * allocate, the packet path does not.
 */
public final class InboundPolicy {
    /** Slots for unsolicited SYNs waiting out their 6 s. */
    private static final int SYN_HOLD_SLOTS = 64;

    private final NatTable table;
    private final Counters counters;
    private final NatCounters count;
    private final Forwards forwards;
    private final PublicAddresses pool;
    private final SynHold synHold = new SynHold(SYN_HOLD_SLOTS);
    private int dmz;
    /** The index of the public address the DMZ takes traffic on, or -1 for every one. */
    private final int dmzAddressIndex;
    private boolean reject;

    /** {@code dmzAddress}: the public address the DMZ host is on, or 0 for every one. */
    InboundPolicy(NatTable table, NatCounters count, PublicAddresses pool, List<ForwardRule> forwards, int dmz,
            int dmzAddress, Unmatched unmatched) {
        this.table = table;
        this.counters = count.counters;
        this.count = count;
        this.pool = pool;
        this.forwards = new Forwards(pool);
        for (ForwardRule rule : forwards) {
            addForward(rule);
        }
        this.dmz = dmz;
        this.dmzAddressIndex = dmzAddress == 0 ? -1 : pool.indexOf(dmzAddress);
        if (dmzAddress != 0 && dmzAddressIndex < 0) {
            throw new IllegalArgumentException("the DMZ's address must be one of the public addresses");
        }
        this.reject = unmatched == Unmatched.REJECT;
    }

    /**
     * A session for an inbound packet from {@code remote} to {@code external} (public address index
     * {@code << 16 |} port), which no mapping holds: the forward's of that address and port, else
     * the DMZ host's; a negative {@link NatTable} reason if neither makes one.
     */
    int admit(int external, long remote, int tcpFlags, long now) {
        ForwardRule rule = forwards.find(Endpoint.protocol(remote), external);
        if (rule != null) {
            long inside = Endpoint.of(rule.protocol(), rule.toAddress(), rule.insidePort(PublicAddresses.port(external)));
            int id = table.forward(external, inside, remote, tcpFlags, now);
            if (id >= 0) {
                counters.increment(count.forwarded);
            }
            return id;
        }
        if (dmz == 0 || dmzAddressIndex >= 0 && PublicAddresses.indexOfExternal(external) != dmzAddressIndex) {
            return NatTable.NO_MAPPING;
        }
        int id = table.dmz(external, dmz, remote, tcpFlags, now);
        if (id >= 0) {
            counters.increment(count.dmz);
        }
        return id;
    }

    /**
     * The verdict for an inbound TCP or UDP packet ({@code ip}; {@code tcp} wraps its header when it
     * is TCP) that no session takes, {@code reason} being why ({@link NatTable}'s reasons).
     */
    int unmatched(int reason, Ipv4Packet ip, TcpSegment tcp, long now) {
        count.refused(reason);
        counters.increment(count.droppedUnmatched);
        boolean isTcp = ip.protocol() == IpProtocol.TCP;
        int flags = isTcp ? tcp.flags() : 0;
        if (!reject || (flags & TcpSegment.RST) != 0) {
            return NatVerdict.DROP;
        }
        if (isTcp && (flags & (TcpSegment.SYN | TcpSegment.ACK)) == TcpSegment.SYN) {
            if (synHold.hold(ip, tcp, now)) {
                counters.increment(count.synHeld);
                return NatVerdict.CONSUMED;
            }
            counters.increment(count.synHoldFull);
            return NatVerdict.DROP;
        }
        counters.increment(count.rejected);
        return NatVerdict.REJECT;
    }

    /** An outbound SYN left {@code externalPort} for {@code remoteAddress:remotePort}: it wins over a held one. */
    void outboundSyn(int externalPort, int remoteAddress, int remotePort) {
        if (synHold.cancel(externalPort, remoteAddress, remotePort)) {
            counters.increment(count.synOutboundWon);
        }
    }

    /** The next held SYN whose 6 s are over, for the router to reject (counted); null if none is due. */
    PacketBuffer nextHeldReject(long now) {
        PacketBuffer due = synHold.nextDue(now);
        if (due != null) {
            counters.increment(count.rejected);
        }
        return due;
    }

    /** When the next held SYN comes due, or {@link Deadlines#NONE}. */
    long nextDeadline() {
        return synHold.nextDeadline();
    }

    // ---------------------------------------------------------------- run-time changes

    /**
     * As new: these forwards (the allocator reset first, so no reservation is left), this DMZ host
     * and unmatched answer, nothing held ({@link NatEngine#reset}). The DMZ's public address stays.
     */
    void reset(List<ForwardRule> rules, int dmzAddress, Unmatched unmatched) {
        forwards.clear();
        for (ForwardRule rule : rules) {
            addForward(rule);
        }
        synHold.reset();
        this.dmz = dmzAddress;
        this.reject = unmatched == Unmatched.REJECT;
    }


    /**
     * Adds a port forward, after those there are (where they overlap, the earlier one keeps the
     * port). Its ports are kept from new mappings from now on; a port an outbound mapping holds now
     * is forwarded once that mapping ends. Throws IllegalArgumentException for a rule that is not
     * TCP or UDP within ports 1-65535.
     */
    public void addForward(ForwardRule rule) {
        forwards.add(rule);
        for (int a = 0; a < pool.count(); a++) {
            for (int port = rule.portLow(); forwards.appliesTo(rule, a) && port <= rule.portHigh(); port++) {
                table.ports().reserve(rule.protocol(), PublicAddresses.external(a, port));
            }
        }
    }

    /**
     * Removes the first forward equal to {@code rule}; false if there is none. The sessions it made
     * go with it (connections through the forward are cut: their ports return to the allocator, and
     * an outbound mapping there beside them would overload the port, RFC 4787 REQ-3); so do the
     * ports no other forward covers, held from other hosts as if the rule's target had released them
     * ({@link PortAllocator}). Walks the session table once: the control plane, which must keep each
     * command short, takes the same three steps in as many commands as it likes
     * ({@link #withdrawForward}, {@link #cutForwardSessions}, {@link #releaseForwardPorts}).
     */
    public boolean removeForward(ForwardRule rule, long now) {
        if (!withdrawForward(rule)) {
            return false;
        }
        cutForwardSessions(rule, 0, table.sessions().capacity(), now);
        releaseForwardPorts(rule, now);
        return true;
    }

    /**
     * The first step of removing a forward: it takes no new connection; its ports stay reserved
     * (no mapping takes them while its sessions are being cut). False if there is no such forward.
     */
    public boolean withdrawForward(ForwardRule rule) {
        return forwards.remove(rule);
    }

    /**
     * The second step, over session rows {@code from} to {@code from + rows - 1}: deletes the
     * sessions {@code rule} made there (unless a forward in force now sends their port to the same
     * place). Returns the next row to look at, or -1 when the table is done.
     */
    public int cutForwardSessions(ForwardRule rule, int from, int rows, long now) {
        SessionTable sessions = table.sessions();
        int end = (int) Math.min(sessions.capacity(), (long) from + rows);
        for (int id = from; id < end; id++) {
            if (sessions.isLive(id) && (sessions.flags(id) & NatTable.FORWARD) != 0
                    && rule.matches(sessions.protocol(id), sessions.externalPort(id))
                    && forwards.appliesTo(rule, sessions.externalAddressIndex(id))
                    && !forwardedTo(id, forwards.find(rule.protocol(), sessions.external(id)))) {
                table.delete(id, now, SessionLog.Reason.FORWARD_REMOVED);
            }
        }
        return end == sessions.capacity() ? -1 : end;
    }

    /** The last step: the reservation of {@code rule}'s ports that no forward in force covers ends. */
    public void releaseForwardPorts(ForwardRule rule, long now) {
        for (int a = 0; a < pool.count(); a++) {
            for (int port = rule.portLow(); forwards.appliesTo(rule, a) && port <= rule.portHigh(); port++) {
                int external = PublicAddresses.external(a, port);
                if (forwards.find(rule.protocol(), external) == null) {
                    table.ports().unreserve(rule.protocol(), external, rule.toAddress(), now);
                }
            }
        }
    }

    /** True if forward session {@code id} goes where {@code rule} (maybe null) sends its port. */
    private boolean forwardedTo(int id, ForwardRule rule) {
        SessionTable sessions = table.sessions();
        return rule != null && rule.toAddress() == sessions.insideAddress(id)
                && rule.insidePort(sessions.externalPort(id)) == sessions.insidePort(id);
    }

    /** The port forwards, in order. */
    public List<ForwardRule> forwards() {
        return forwards.rules();
    }

    /** Makes {@code address} the DMZ host, or none with 0. Sessions already made for the old one stay. */
    public void dmz(int address) {
        this.dmz = address;
    }

    /** The DMZ host, or 0. */
    public int dmz() {
        return dmz;
    }

    /**
     * What becomes of inbound traffic nothing takes. Going to {@link Unmatched#DROP} forgets the SYNs
     * held for a reject: they are dropped, as the policy now says.
     */
    public void unmatched(Unmatched unmatched) {
        this.reject = unmatched == Unmatched.REJECT;
        if (!reject) {
            synHold.clear();
        }
    }

    public Unmatched unmatched() {
        return reject ? Unmatched.REJECT : Unmatched.DROP;
    }
}
