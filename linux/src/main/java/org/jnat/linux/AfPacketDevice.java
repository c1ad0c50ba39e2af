package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.jnat.linux.PacketRing.TX_DATA;

import java.lang.foreign.MemorySegment;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.wire.EtherType;
import org.jnat.wire.EthernetFrame;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.NetworkOrder;
import org.jnat.wire.TcpSegment;
import org.jnat.wire.UdpDatagram;

/**
 * {@code afpacket:IFNAME}: raw Ethernet frames on an existing interface through an AF_PACKET
 * socket (packet(7), Documentation/networking/packet_mmap.rst), with memory-mapped rings both
 * ways and no system call per received frame. The device composes three parts: the sockets and
 * their set-up ({@link AfPacketSocket}), a view over each TPACKET_V2 ring ({@link PacketRing}),
 * and GRO on the interface ({@link GroControl}); it moves frames between the rings and the
 * router's batches.
 *
 * <h2>Set-up</h2>
 * {@link #open(String, boolean, Counters)} looks the interface up, reads its MTU and MAC, brings
 * the link up if it is down, turns GRO on with offloads, and opens the socket with an RX ring and
 * a TX ring of fixed slots ({@link PacketRing#rxSize}, {@link PacketRing#txSize}): without a vnet
 * header, slots for one MTU-sized frame; with one ({@code vnetHeader}), RX slots for a whole
 * 64 KiB GSO super-packet, the TX ring as without (a larger frame goes by the second socket, see
 * Transmit). Not TPACKET_V3: its RX blocks are handed over only when full or when the
 * block-retire timeout (at least 1 ms, rounded to the timer tick) fires, which put 1.4 ms on
 * every ping through a quiet router; V2 hands over each frame as it lands and wakes {@code poll}
 * per frame.
 *
 * <h2>Receive</h2>
 * The kernel writes each frame into the next RX slot and hands it over ({@code TP_STATUS_USER});
 * {@link #receive} lends the ready slots in ring order to the batch without copying them (a
 * {@link PacketBuffer} view per slot, made at open; {@link FrameBatch#lend}) and returns them to
 * the kernel ({@code TP_STATUS_KERNEL}) at the next {@code receive}, once the router is done
 * with them: so a batch holds at most its capacity of slots. Batching still happens: one
 * {@code receive} takes every frame that arrived since the last one.
 * <p>Offloads with a vnet header: {@code tpacket_rcv} (Linux 5.8 and later; older kernels take
 * the option but write no header, so jnat opens them without one) writes a 10-byte
 * {@code struct virtio_net_hdr} just before the frame in the slot ({@code tp_mac} − 10), and
 * {@link #receive} copies it into the slot's offload fields ({@link VirtioNetHeader}): a GSO
 * super-packet (TCPV4, TCPV6 or UDP_L4 with its gso_size), a partial checksum (NEEDS_CSUM with
 * csum_start from the Ethernet header), or DATA_VALID. Super-packets come from a peer that
 * segments late (a veth peer with TSO hands its 64 KiB frames over whole) or from GRO on this
 * interface, which {@link #open(String, boolean, Counters)} turns on ({@code ethtool -K IFNAME gro on},
 * through SIOCETHTOOL) so that a peer's wire-sized segments are coalesced too; if it cannot (no
 * CAP_NET_ADMIN), {@link #setupNote()} says what to run. (GSO types the vnet header cannot carry,
 * such as GRO fraglist, make the kernel drop the frame: leave {@code rx-gro-list} off.)
 * <p>Without a vnet header ({@link #open(String, Counters)}), a frame whose checksum the sender
 * left partial (veth, local senders: {@code TP_STATUS_CSUMNOTREADY}) is returned with
 * {@link PacketBuffer#F_NEEDS_CSUM} and {@code checksumStart}/{@code checksumOffset} worked out
 * for IPv4 TCP and UDP, with the same meaning as on a TAP. A GSO super-packet cannot be described
 * without the header and is dropped and counted ({@code rx_gso_dropped}): turn the offloads off
 * ({@code ethtool -K IFNAME gro off} here and {@code ethtool -K PEER tso off gso off} on a veth
 * peer) or open with the vnet header.
 *
 * <h2>Transmit</h2>
 * {@link #transmit} copies the frame into the next free TX slot (after a vnet header, if any) and
 * marks it {@code TP_STATUS_SEND_REQUEST}; one {@code sendto} in {@link #flush()} (or when half
 * the ring waits) sends all queued frames. {@link PollLoop} flushes after every round; anyone
 * else must call {@link #flush()}. Without a vnet header frames must be complete (no partial
 * checksum, no GSO). With one, the kernel turns the header into the skb's offload state
 * ({@code virtio_net_hdr_to_skb}): partial checksums are completed by the device or the kernel,
 * and TCPV4 super-packets (and UDP_L4 from Linux 6.2, where the vnet header learnt USO) are
 * segmented by the device if it has TSO/USO, else by the kernel's software GSO on the way out
 * ({@link #offloads()}). A frame larger than a TX slot (a super-packet) is sent, after the
 * queued slots, by one {@code writev} on the second socket ({@link AfPacketSocket#sendOversize}).
 *
 * <h2>MAC addresses</h2>
 * {@link #macAddress()} is the interface's MAC. The router may use it, or a MAC of its own thanks
 * to the promiscuous membership. On a veth pair the peer's kernel answers ARP for its own
 * addresses only; the router must answer ARP for its address with whichever MAC it uses, and
 * the interface itself should carry no IP address (or the host's stack will answer too).
 *
 * <h2>VLANs</h2>
 * The kernel strips an 802.1Q tag into the ring's metadata ({@code tp_vlan_tci}); jnat does not
 * put it back, so tagged frames arrive untagged. Bind to the VLAN interface ({@code eth0.10})
 * instead of its parent.
 *
 * <p>Threads: {@link #receive}, {@link #transmit}, {@link #flush()} from the data-plane thread
 * only; {@link #kernelDrops()} from any thread; {@link #close()} once that thread has stopped using the device (it unmaps the rings).
 */
public final class AfPacketDevice implements PollableDevice {
    /** At most this many queued TX frames trigger a send without waiting for {@link #flush()}. */
    public static final int TX_KICK_THRESHOLD = 64;

    /** The counters of one device, {@code linux.afpacket.IFNAME.*}: registered once, at open. */
    static final class Count {
        final int rxFrames, rxTruncated, rxGsoDropped, rxRingFull, rxErrors, txFrames, txGso, txLarge, txDropped, txErrors,
                txKickFailed, txKickPartial;

        Count(Counters counters, String interfaceName) {
            String prefix = "linux.afpacket." + interfaceName + ".";
            String name = "afpacket:" + interfaceName;
            rxFrames = counters.register(prefix + "rx_frames", "frames taken from the RX ring of " + name);
            rxTruncated = counters.register(prefix + "rx_truncated", "frames on " + name + " cut short by the ring or larger than the slot, dropped");
            rxGsoDropped = counters.register(prefix + "rx_gso_dropped", "GSO super-packets on " + name
                    + " dropped because the socket has no vnet header: turn off GRO/TSO or enable the vnet header");
            rxRingFull = counters.register(prefix + "rx_ring_full", "frames the kernel dropped because the RX ring of "
                    + name + " was full (the data plane fell behind)");
            rxErrors = counters.register(prefix + "rx_errors", "socket errors reported on " + name);
            txFrames = counters.register(prefix + "tx_frames", "frames queued on the TX ring of " + name);
            txGso = counters.register(prefix + "tx_gso", "GSO super-packets sent on " + name
                    + " for the kernel or the device to segment");
            txLarge = counters.register(prefix + "tx_large", "frames larger than a TX slot (super-packets) sent on " + name
                    + " by a system call of their own");
            txDropped = counters.register(prefix + "tx_dropped", "frames for " + name + " dropped because the TX ring was full");
            txErrors = counters.register(prefix + "tx_errors", "frames for " + name + " that do not fit a TX slot or carry offloads it cannot take");
            txKickFailed = counters.register(prefix + "tx_kick_failed", "sends of the TX ring of " + name
                    + " that failed; the frames stay queued for the next one");
            txKickPartial = counters.register(prefix + "tx_kick_partial", "sends of the TX ring of " + name
                    + " that stopped before the last queued frame (socket send budget); the rest go with the next");
        }
    }

    private final String name;
    private final AfPacketSocket socket;
    private final AfPacketSocket.Link link;
    private final GroControl gro;
    private final boolean vnetHeader;
    private final Offloads offloads;
    private final String setupNote;

    private final PacketRing rx;
    private final PacketRing tx;
    /** Where the kernel puts an Ethernet frame in an RX slot ({@code tp_mac}): {@link PacketRing#rxMacOffset}. */
    private final int rxMacOffset;
    /** One view per RX slot, over the frame at {@link #rxMacOffset}: lent to the batch, not copied. */
    private final PacketBuffer[] rxViews;
    /** The RX slots lent in the last receive, given back to the kernel at the next one. */
    private final long[] lent;
    private int lentCount;
    /** Longest frame accepted on receive without a vnet header: MTU + Ethernet + one VLAN tag. */
    private final int plainFrameLimit;
    private final int txKickThreshold;
    /** Frames queued on the TX ring since the last send. */
    private int txPending;
    // Views for the headers the device reads to describe offload work (packet path: reused).
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();

    private final Counters counters;
    private final Count count;
    private volatile boolean closed;

    private AfPacketDevice(AfPacketSocket socket, boolean vnetHeader, boolean uso, GroControl gro, String setupNote,
                           Counters counters) {
        this.socket = socket;
        this.link = socket.link;
        this.name = "afpacket:" + link.name();
        this.vnetHeader = vnetHeader;
        // With the header the kernel completes checksums and segments super-packets (the device
        // if it can, else software GSO in validate_xmit_skb): all of it costs us one slot.
        this.offloads = vnetHeader ? new Offloads(true, true, true, uso) : Offloads.NONE;
        this.gro = gro;
        this.setupNote = setupNote;
        this.rx = socket.rx;
        this.tx = socket.tx;
        this.txKickThreshold = Math.max(1, Math.min(TX_KICK_THRESHOLD, tx.frames / 2));
        this.plainFrameLimit = link.mtu() + EthernetFrame.TAGGED_HEADER_LENGTH;
        this.rxMacOffset = PacketRing.rxMacOffset(vnetHeader);
        this.rxViews = new PacketBuffer[rx.frames];
        for (int i = 0; i < rxViews.length; i++) {
            rxViews[i] = new PacketBuffer(rx.memory.asSlice(rx.slot(i) + rxMacOffset, rx.frameSize - rxMacOffset));
        }
        this.lent = new long[rx.frames];
        this.counters = counters;
        this.count = new Count(counters, link.name());
    }

    /** Opens {@code interfaceName} without a vnet header. */
    public static AfPacketDevice open(String interfaceName, Counters counters) {
        return open(interfaceName, false, counters);
    }

    /**
     * Opens an AF_PACKET socket on the existing interface {@code interfaceName} (in the calling
     * thread's network namespace); with {@code vnetHeader}, with offloads: PACKET_VNET_HDR, rings
     * with slots for 64 KiB super-packets, and GRO turned on for the interface (see the class
     * comment; on a kernel older than 5.8 it opens without, and {@link #setupNote()} says so).
     * Throws {@link SystemCallException} or {@link IllegalArgumentException} with a message that
     * says what to do; nothing stays half-started, not even the GRO setting.
     */
    public static AfPacketDevice open(String interfaceName, boolean vnetHeader, Counters counters) {
        InterfaceName.check(interfaceName);
        KernelRelease kernel = KernelRelease.running();
        String note = null;
        if (vnetHeader && !GroControl.vnetHeaderOnRings(kernel)) {
            vnetHeader = false;
            note = GroControl.tooOldForOffloads(kernel, interfaceName);
        }
        int index = AfPacketSocket.interfaceIndex(interfaceName);
        AfPacketSocket.Link link;
        GroControl gro = GroControl.UNTOUCHED;
        try (InterfaceControl control = new InterfaceControl(interfaceName)) {
            link = new AfPacketSocket.Link(interfaceName, index, control.mtu(), control.hardwareAddress());
            control.up();
            if (vnetHeader) {
                gro = GroControl.turnOn(control, interfaceName);
                note = gro.note();
            }
        }
        try {
            AfPacketSocket socket = AfPacketSocket.open(link, vnetHeader, PacketRing.rxSize(vnetHeader),
                    PacketRing.txSize(link.mtu(), vnetHeader));
            try {
                return new AfPacketDevice(socket, vnetHeader, GroControl.udpSegmentation(kernel), gro, note, counters);
            } catch (RuntimeException e) {
                socket.close();
                throw e;
            }
        } catch (RuntimeException e) {
            gro.undo();
            throw e;
        }
    }

    /**
     * What the user should know about how the device was set up (GRO turned on, or how to turn
     * it on; offloads left off on an old kernel), or null. One line.
     */
    @Override
    public String setupNote() {
        return setupNote;
    }

    @Override
    public String name() {
        return name;
    }

    public String interfaceName() {
        return link.name();
    }

    /** The interface index the socket is bound to. */
    public int interfaceIndex() {
        return link.index();
    }

    @Override
    public int fd() {
        return socket.fd;
    }

    /**
     * Hands the frames the kernel has handed over to the batch, up to its capacity, without
     * copying them: each is lent to the batch as a view of its RX slot ({@link FrameBatch#lend}),
     * which goes back to the kernel at the next receive, when the router is done with it. (A
     * frame the kernel placed elsewhere in its slot than usual is copied into the batch's own
     * slot instead, and its slot given back at once.) Never blocks, throws or allocates.
     */
    @Override
    public int receive(FrameBatch batch) {
        if (closed) {
            // The rings are unmapped: touching them would crash the JVM.
            batch.count(0);
            return 0;
        }
        giveBackLent();
        int n = 0;
        int capacity = batch.capacity();
        int limit = batch.slotCapacity();
        int losing = 0;
        // At most one lap of the ring: a slot lent in this round still reads TP_STATUS_USER.
        for (int taken = 0; n < capacity && taken < rxViews.length; taken++) {
            long h = rx.head();
            int status = rx.status(h);
            if ((status & PacketRing.TP_STATUS_USER) == 0) {
                break;
            }
            losing |= status;
            int snaplen = rx.snapLength(h);
            int length = rx.length(h);
            int macOffset = rx.macOffset(h);
            boolean keep = false;
            // tp_len is the frame's length on the wire; the kernel cut it to the RX slot (snaplen),
            // so a super-packet is recognised by tp_len before the cut is counted.
            if (!vnetHeader && length > plainFrameLimit) {
                counters.increment(count.rxGsoDropped);
            } else if (snaplen != length || snaplen > limit || snaplen < EthernetFrame.HEADER_LENGTH) {
                counters.increment(count.rxTruncated);
            } else {
                PacketBuffer slot;
                if (macOffset == rxMacOffset) {
                    slot = rxViews[rx.headIndex()];
                    batch.lend(n, slot);
                    keep = true;
                } else {
                    slot = batch.own(n);
                    MemorySegment.copy(rx.memory, h + macOffset, slot.segment(), 0, snaplen);
                }
                slot.length(snaplen);
                if (vnetHeader) {
                    VirtioNetHeader.read(rx.memory, h + macOffset - VirtioNetHeader.LEGACY_SIZE, slot);
                } else {
                    slot.clearOffload();
                    if ((status & PacketRing.TP_STATUS_CSUMNOTREADY) != 0) {
                        describePartialChecksum(slot);
                    }
                }
                n++;
            }
            if (keep) {
                lent[lentCount++] = h;
            } else {
                // Copied or dropped: the slot goes back to the kernel now.
                rx.status(h, PacketRing.TP_STATUS_KERNEL);
            }
            rx.advance();
        }
        batch.count(n);
        if (n > 0) {
            counters.add(count.rxFrames, n);
        }
        if ((losing & PacketRing.TP_STATUS_LOSING) != 0) {
            // The kernel marks frames TP_STATUS_LOSING while it has dropped frames for a full
            // ring since the statistics were last read: a system call only after drops.
            counters.add(count.rxRingFull, socket.readDrops());
        }
        return n;
    }

    /** Gives the slots lent in the last receive back to the kernel: the batch is done with them. */
    private void giveBackLent() {
        for (int i = 0; i < lentCount; i++) {
            rx.status(lent[i], PacketRing.TP_STATUS_KERNEL);
        }
        lentCount = 0;
    }

    /**
     * The kernel says the transport checksum is partial but, without a vnet header, not where it
     * is: for untagged IPv4 TCP and UDP it is where virtio_net_hdr would put it.
     */
    private void describePartialChecksum(PacketBuffer slot) {
        MemorySegment f = slot.segment();
        int length = slot.length();
        if (length < EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH
                || NetworkOrder.u16(f, EthernetFrame.ETHER_TYPE) != EtherType.IPV4) {
            return;
        }
        ip.wrap(f, EthernetFrame.HEADER_LENGTH);
        int headerLength = ip.headerLength();
        int protocol = ip.protocol();
        int offset = protocol == IpProtocol.TCP ? TcpSegment.CHECKSUM : protocol == IpProtocol.UDP ? UdpDatagram.CHECKSUM : -1;
        int start = EthernetFrame.HEADER_LENGTH + headerLength;
        if (offset < 0 || headerLength < Ipv4Packet.MIN_HEADER_LENGTH || start + offset + 2 > length) {
            return;
        }
        slot.flags = PacketBuffer.F_NEEDS_CSUM;
        slot.checksumStart = start;
        slot.checksumOffset = offset;
    }

    /**
     * Queues the frame in the next TX slot; it leaves on the next {@link #flush()} (or at once
     * when half the ring waits). False when the ring is full, the frame does not fit a slot, or
     * it carries offload work without a vnet header to describe it.
     */
    @Override
    public boolean transmit(PacketBuffer frame) {
        if (closed) {
            counters.increment(count.txErrors);
            return false;
        }
        int header = vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0;
        int length = frame.length();
        if (TX_DATA + header + length > tx.frameSize) {
            return vnetHeader ? transmitLarge(frame, length) : error();
        }
        if (!vnetHeader && frame.hasOffload()) {
            return error();
        }
        long slot = tx.head();
        int status = tx.status(slot);
        if (status != PacketRing.TP_STATUS_AVAILABLE) {
            // Full: push what is queued, then look again once.
            flush();
            status = tx.status(slot);
            if (status != PacketRing.TP_STATUS_AVAILABLE && (status & PacketRing.TP_STATUS_WRONG_FORMAT) == 0) {
                counters.increment(count.txDropped);
                return false;
            }
        }
        MemorySegment ring = tx.memory;
        if (vnetHeader) {
            VirtioNetHeader.writeLegacy(frame, ring, slot + TX_DATA);
            ring.set(JAVA_SHORT_UNALIGNED, slot + TX_DATA + VirtioNetHeader.HDR_LEN, (short) linearLength(frame, length));
            if (frame.gsoType != PacketBuffer.GSO_NONE) {
                counters.increment(count.txGso);
            }
        }
        MemorySegment.copy(frame.segment(), 0, ring, slot + TX_DATA + header, length);
        tx.length(slot, header + length);
        tx.status(slot, PacketRing.TP_STATUS_SEND_REQUEST);
        tx.advance();
        counters.increment(count.txFrames);
        if (++txPending >= txKickThreshold) {
            flush();
        }
        return true;
    }

    private boolean error() {
        counters.increment(count.txErrors);
        return false;
    }

    /**
     * A frame larger than a TX slot (a GSO super-packet) goes by a {@code writev} of its own on
     * the second socket, after the frames queued before it (so a flow's frames keep their order).
     */
    private boolean transmitLarge(PacketBuffer frame, int length) {
        flush();
        int errno = socket.sendOversize(frame, linearLength(frame, length));
        if (errno != 0) {
            counters.increment(errno == Errno.EAGAIN || errno == Errno.ENOBUFS ? count.txDropped : count.txErrors);
            return false;
        }
        counters.increment(count.txFrames);
        counters.increment(count.txLarge);
        if (frame.gsoType != PacketBuffer.GSO_NONE) {
            counters.increment(count.txGso);
        }
        return true;
    }

    /**
     * The vnet header's {@code hdr_len} for a transmitted frame: how much of it
     * {@code tpacket_snd} copies into the skb's linear part (the rest is attached from the ring's
     * pages). The headers up to the end of the transport header, when the partial checksum says
     * where that is (TCP: its data offset; UDP: 8 bytes); else 0, which the kernel raises to what
     * it needs. Not the received {@code hdr_len}: that is the sender's linear length, up to the
     * whole 64 KiB, which would make the kernel allocate and copy it all.
     */
    private int linearLength(PacketBuffer frame, int length) {
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) == 0) {
            return 0;
        }
        int start = frame.checksumStart;
        int end;
        if (frame.checksumOffset == TcpSegment.CHECKSUM && start + TcpSegment.DATA_OFFSET + 1 <= length) {
            end = start + tcp.wrap(frame.segment(), start).headerLength();
        } else if (frame.checksumOffset == UdpDatagram.CHECKSUM) {
            end = start + UdpDatagram.HEADER_LENGTH;
        } else {
            return 0;
        }
        return end <= length ? end : 0;
    }

    /**
     * Asks the kernel to send every queued TX slot, without waiting. If it stops early (the
     * socket's send budget is spent), the rest stays queued and {@link #transmitPending()} says
     * so, so that the next round sends it even if nothing else is transmitted.
     */
    @Override
    public void flush() {
        if (txPending == 0 || closed) {
            return;
        }
        // A failed kick keeps the frames queued; the next flush tries again.
        if (!socket.kick()) {
            counters.increment(count.txKickFailed);
            return;
        }
        // tpacket_snd takes the slots in order and returns once it cannot take one more: if the
        // newest is still waiting, it stopped early.
        int head = tx.headIndex();
        int newest = head == 0 ? tx.frames - 1 : head - 1;
        if (tx.status(tx.slot(newest)) == PacketRing.TP_STATUS_SEND_REQUEST) {
            counters.increment(count.txKickPartial);
            txPending = 1;
            return;
        }
        txPending = 0;
    }

    @Override
    public boolean transmitPending() {
        return txPending != 0;
    }

    /**
     * Reads and counts the socket's pending error ({@code rx_errors}). False when the interface
     * is gone, so that the loop stops and says so ({@link AfPacketSocket#clearError()}).
     */
    @Override
    public boolean clearError() {
        counters.increment(count.rxErrors);
        return socket.clearError();
    }

    /**
     * Frames the kernel dropped because the RX ring was full, as far as the data plane has seen
     * (counted when the next frame arrives marked TP_STATUS_LOSING): {@code rx_ring_full}. Any thread.
     */
    public long kernelDrops() {
        return counters.get(count.rxRingFull);
    }

    /** The interface's MTU, read when the device was opened. */
    @Override
    public int mtu() {
        return link.mtu();
    }

    /** The interface's MAC, read when the device was opened. */
    @Override
    public long macAddress() {
        return link.mac();
    }

    /**
     * Without a vnet header: none. With one: partial checksums and TCPV4 super-packets (the
     * device or the kernel completes and segments them), UDP_L4 from Linux 6.2.
     */
    @Override
    public Offloads offloads() {
        return offloads;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            // Before its sockets close: the GRO ioctl goes through one of them.
            gro.restore(socket.fd);
            socket.close();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
