package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;

/**
 * {@code afpacket:IFNAME}: raw Ethernet frames on an existing interface through an AF_PACKET
 * socket (packet(7), Documentation/networking/packet_mmap.rst), with memory-mapped rings both
 * ways and no system call per received frame.
 *
 * <h2>Set-up</h2>
 * {@code socket(AF_PACKET, SOCK_RAW)} with {@code TPACKET_V2}; an RX ring of fixed frames
 * ({@code PACKET_RX_RING}, {@code struct tpacket_req}) and a TX ring of fixed frames
 * ({@code PACKET_TX_RING}), both mapped with one {@code mmap}. The RX ring is 32 blocks of
 * 256 KiB (8 MiB: 4096 slots of 2 KiB, a burst of 4096 full-size frames while the data plane is
 * busy; with a vnet header 96 slots of 64 KiB + 256 so that a GSO super-packet fits), the TX
 * ring 8 blocks of 64 KiB (256 slots of 2 KiB at MTU 1500). Not TPACKET_V3: its RX blocks are
 * handed over only when full or when the block-retire timeout (at least 1 ms, rounded to the
 * timer tick) fires, which put 1.4 ms on every ping through a quiet router; V2 hands over each
 * frame as it lands and wakes {@code poll} per frame. {@code PACKET_IGNORE_OUTGOING} so
 * frames leaving this interface (ours and the host's own) are not read back;
 * {@code PACKET_MR_PROMISC} membership so frames for the router's MAC arrive even when it is not
 * the interface's MAC; {@code PACKET_LOSS} so one malformed frame cannot stall the TX ring; then
 * {@code bind} to the interface with {@code ETH_P_ALL}. The link is brought up if it is down.
 *
 * <h2>Receive</h2>
 * The kernel writes each frame into the next RX slot and hands it over ({@code TP_STATUS_USER});
 * {@link #receive} copies the ready slots in ring order into the batch slots and returns each
 * slot to the kernel ({@code TP_STATUS_KERNEL}) once copied. Batching still happens: one
 * {@code receive} takes every frame that arrived since the last one.
 * <p>Offloads: without a vnet header ({@link #open(String, Counters)}), a frame whose checksum
 * the sender left partial (veth, local senders: {@code TP_STATUS_CSUMNOTREADY}) is returned with
 * {@link PacketBuffer#F_NEEDS_CSUM} and {@code checksumStart}/{@code checksumOffset} worked out
 * for IPv4 TCP and UDP, with the same meaning as on a TAP (see {@link VirtioNetHeader}). A GSO
 * super-packet (longer than the MTU; e.g. from a veth peer with TSO, or GRO on a real NIC) cannot
 * be described without the header and is dropped and counted ({@code rx_gso_dropped}): turn the
 * offloads off ({@code ethtool -K IFNAME gro off} here and {@code ethtool -K PEER tso off gso off}
 * on a veth peer) or open with {@code vnetHeader = true}, which enables {@code PACKET_VNET_HDR}
 * and fills every offload field from the kernel's {@code virtio_net_hdr}.
 *
 * <h2>Transmit</h2>
 * {@link #transmit} copies the frame into the next free TX slot and marks it
 * {@code TP_STATUS_SEND_REQUEST}; one {@code sendto} in {@link #flush()} (or when
 * {@link #TX_KICK_THRESHOLD} frames wait) sends all queued frames. {@link PollLoop} flushes after
 * every round; anyone else must call {@link #flush()}. Without a vnet header frames must be
 * complete (no partial checksum, no GSO); with one, partial checksums are taken but not GSO
 * (a TX slot holds one MTU-sized frame): see {@link #offloads()}.
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
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10, PACKET_TX_RING = 13,
            PACKET_LOSS = 14, PACKET_VNET_HDR = 15, PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_MR_PROMISC = 1;
    static final int TPACKET_V2 = 1;
    static final int ETH_P_ALL = 0x0003;
    static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_CSUMNOTREADY = 1 << 3;
    static final int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_WRONG_FORMAT = 4;

    /** Queued TX frames that trigger a send without waiting for {@link #flush()}. */
    public static final int TX_KICK_THRESHOLD = 64;

    // struct tpacket2_hdr: tp_status, tp_len, tp_snaplen, tp_mac, tp_net, ...
    private static final int H_STATUS = 0, H_LEN = 4, H_SNAPLEN = 8, H_MAC = 12;
    /** TPACKET_ALIGN(sizeof(struct tpacket2_hdr)): where TX frame data starts in a slot. */
    private static final int TX_DATA = 32;

    private static final int RX_BLOCK_SIZE = 1 << 18, RX_BLOCKS = 32, RX_FRAME_SIZE = 2048;
    /** With a vnet header: a 64 KiB GSO super-packet plus the slot and vnet headers (3 per block). */
    private static final int RX_VNET_FRAME_SIZE = (1 << 16) + 256;
    private static final int TX_BLOCK_SIZE = 1 << 16, TX_BLOCKS = 8;

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final String interfaceName;
    private final String name;
    private final int fd;
    private final int ifindex;
    private final int mtu;
    private final long mac;
    private final boolean vnetHeader;
    private final Offloads offloads;

    private final MemorySegment ring;
    private final long ringAddress;
    private final long ringSize;
    private final long txBase;
    private final int rxFrameSize;
    private final int rxFramesPerBlock;
    private final int txFrameSize;
    private final int txFrames;
    /** Longest frame accepted on receive without a vnet header: MTU + Ethernet + one VLAN tag. */
    private final int plainFrameLimit;

    private final MemorySegment errorValue;
    private final MemorySegment errorLength;
    private final MemorySegment indexRequest;

    // Receive position: the block and the slot within it that the kernel fills next.
    private int rxBlock;
    private int rxSlot;
    // Transmit position and frames queued since the last send.
    private int txHead;
    private int txPending;

    private final Counters counters;
    private final int rxFrames, rxTruncated, rxGsoDropped, rxErrors, txFramesSent, txDropped, txErrors, txKickFailed;
    private volatile boolean closed;
    private long kernelDrops;

    // Restricted: the rings are the kernel's mmap of ringSize bytes, unmapped only by close().
    @SuppressWarnings("restricted")
    private AfPacketDevice(String interfaceName, int fd, int ifindex, int mtu, long mac, boolean vnetHeader,
                           long ringAddress, long ringSize, int txFrameSize, Counters counters) {
        this.interfaceName = interfaceName;
        this.name = "afpacket:" + interfaceName;
        this.fd = fd;
        this.ifindex = ifindex;
        this.mtu = mtu;
        this.mac = mac;
        this.vnetHeader = vnetHeader;
        this.offloads = new Offloads(vnetHeader, vnetHeader, false, false);
        this.ringAddress = ringAddress;
        this.ringSize = ringSize;
        this.ring = MemorySegment.ofAddress(ringAddress).reinterpret(ringSize);
        this.txBase = (long) RX_BLOCK_SIZE * RX_BLOCKS;
        this.rxFrameSize = rxFrameSize(vnetHeader);
        this.rxFramesPerBlock = RX_BLOCK_SIZE / rxFrameSize;
        this.txFrameSize = txFrameSize;
        this.txFrames = TX_BLOCK_SIZE / txFrameSize * TX_BLOCKS;
        this.plainFrameLimit = mtu + 14 + 4;
        Arena arena = Arena.ofAuto();
        errorValue = arena.allocate(JAVA_INT);
        errorLength = arena.allocate(JAVA_INT);
        indexRequest = arena.allocate(InterfaceControl.IFREQ_SIZE, 8);
        byte[] nameBytes = interfaceName.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MemorySegment.copy(nameBytes, 0, indexRequest, JAVA_BYTE, 0, nameBytes.length);
        this.counters = counters;
        String prefix = "linux.afpacket." + interfaceName + ".";
        rxFrames = counters.register(prefix + "rx_frames", "frames taken from the RX ring of " + name);
        rxTruncated = counters.register(prefix + "rx_truncated", "frames on " + name + " cut short by the ring or larger than the slot, dropped");
        rxGsoDropped = counters.register(prefix + "rx_gso_dropped", "GSO super-packets on " + name
                + " dropped because the socket has no vnet header: turn off GRO/TSO or enable the vnet header");
        rxErrors = counters.register(prefix + "rx_errors", "socket errors reported on " + name);
        txFramesSent = counters.register(prefix + "tx_frames", "frames queued on the TX ring of " + name);
        txDropped = counters.register(prefix + "tx_dropped", "frames for " + name + " dropped because the TX ring was full");
        txErrors = counters.register(prefix + "tx_errors", "frames for " + name + " that do not fit a TX slot or carry offloads it cannot take");
        txKickFailed = counters.register(prefix + "tx_kick_failed", "sends of the TX ring of " + name
                + " that failed; the frames stay queued for the next one");
    }

    /** Opens {@code interfaceName} without a vnet header. */
    public static AfPacketDevice open(String interfaceName, Counters counters) {
        return open(interfaceName, false, counters);
    }

    /**
     * Opens an AF_PACKET socket on the existing interface {@code interfaceName} (in the calling
     * thread's network namespace). Throws {@link SystemCallException} or
     * {@link IllegalArgumentException} with a message that says what to do.
     */
    public static AfPacketDevice open(String interfaceName, boolean vnetHeader, Counters counters) {
        InterfaceName.check(interfaceName);
        CallState st = new CallState();
        try (Arena arena = Arena.ofConfined()) {
            // First the interface, so that a wrong name is reported as such even without privileges.
            int ifindex = LibC.ifNameToIndex(st.segment, LibC.cString(arena, interfaceName));
            if (ifindex == 0) {
                throw new SystemCallException("if_nametoindex(" + interfaceName + ")", st.errno(),
                        Errno.onInterface(interfaceName, "CAP_NET_RAW").forErrno(st.errno()));
            }
            int mtu;
            long mac;
            try (InterfaceControl control = new InterfaceControl(interfaceName)) {
                mtu = control.mtu();
                mac = control.hardwareAddress();
                control.up();
            }
            // Protocol 0 until bind: the socket sees nothing before its rings exist.
            int fd = st.check(LibC.socket(st.segment, LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0),
                    "socket(AF_PACKET, SOCK_RAW)", errno -> switch (errno) {
                        case Errno.EPERM, Errno.EACCES -> Errno.needPrivilege("CAP_NET_RAW");
                        case Errno.EAFNOSUPPORT -> "the kernel has no AF_PACKET support: run modprobe af_packet";
                        default -> null;
                    });
            long ringAddress = -1;
            long ringSize = 0;
            try {
                MemorySegment value = arena.allocate(JAVA_INT);
                setInt(st, fd, PACKET_VERSION, TPACKET_V2, value, "PACKET_VERSION", interfaceName);
                if (vnetHeader) {
                    setInt(st, fd, PACKET_VNET_HDR, 1, value, "PACKET_VNET_HDR", interfaceName);
                }
                setInt(st, fd, PACKET_LOSS, 1, value, "PACKET_LOSS", interfaceName);

                // struct tpacket_req: block size, blocks, frame size, frames.
                MemorySegment req = arena.allocate(16, 4);
                int rxFrameSize = rxFrameSize(vnetHeader);
                req.set(JAVA_INT, 0, RX_BLOCK_SIZE);
                req.set(JAVA_INT, 4, RX_BLOCKS);
                req.set(JAVA_INT, 8, rxFrameSize);
                req.set(JAVA_INT, 12, RX_BLOCK_SIZE / rxFrameSize * RX_BLOCKS);
                st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, PACKET_RX_RING, req, 16),
                        "setsockopt(PACKET_RX_RING, " + interfaceName + ")", null);

                int txFrameSize = txFrameSize(mtu, vnetHeader);
                req.fill((byte) 0);
                req.set(JAVA_INT, 0, TX_BLOCK_SIZE);
                req.set(JAVA_INT, 4, TX_BLOCKS);
                req.set(JAVA_INT, 8, txFrameSize);
                req.set(JAVA_INT, 12, TX_BLOCK_SIZE / txFrameSize * TX_BLOCKS);
                st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, PACKET_TX_RING, req, 16),
                        "setsockopt(PACKET_TX_RING, " + interfaceName + ")", null);

                ringSize = (long) RX_BLOCK_SIZE * RX_BLOCKS + (long) TX_BLOCK_SIZE * TX_BLOCKS;
                ringAddress = LibC.mmap(st.segment, ringSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
                final long size = ringSize;
                st.check(ringAddress, "mmap(packet rings, " + ringSize + " bytes)", errno -> errno == Errno.ENOMEM || errno == Errno.EPERM
                        ? "could not map " + size + " bytes for the packet rings: raise the memlock limit (ulimit -l) or free memory"
                        : null);

                setInt(st, fd, PACKET_IGNORE_OUTGOING, 1, value, "PACKET_IGNORE_OUTGOING", interfaceName);

                MemorySegment sll = arena.allocate(20, 4);
                sll.set(JAVA_SHORT, 0, (short) LibC.AF_PACKET);
                sll.set(JAVA_SHORT, 2, Short.reverseBytes((short) ETH_P_ALL));
                sll.set(JAVA_INT, 4, ifindex);
                st.check(LibC.bind(st.segment, fd, sll, 20), "bind(AF_PACKET, " + interfaceName + ")",
                        Errno.onInterface(interfaceName, "CAP_NET_RAW"));

                MemorySegment mreq = arena.allocate(16, 4);
                mreq.set(JAVA_INT, 0, ifindex);
                mreq.set(JAVA_SHORT, 4, (short) PACKET_MR_PROMISC);
                st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, 16),
                        "setsockopt(PACKET_ADD_MEMBERSHIP promiscuous, " + interfaceName + ")",
                        Errno.onInterface(interfaceName, "CAP_NET_RAW"));

                return new AfPacketDevice(interfaceName, fd, ifindex, mtu, mac, vnetHeader, ringAddress, ringSize,
                        txFrameSize, counters);
            } catch (RuntimeException e) {
                if (ringAddress != -1) {
                    LibC.munmap(st.segment, ringAddress, ringSize);
                }
                LibC.close(st.segment, fd);
                throw e;
            }
        }
    }

    private static void setInt(CallState st, int fd, int option, int v, MemorySegment value, String what, String interfaceName) {
        value.set(JAVA_INT, 0, v);
        st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, option, value, 4),
                "setsockopt(" + what + ", " + interfaceName + ")", errno -> errno == Errno.ENOPROTOOPT || errno == Errno.EINVAL
                        ? "the kernel does not support " + what + ": jnat needs Linux 4.20 or newer"
                        : null);
    }

    /** RX slot size: one MTU-sized frame, or with a vnet header a whole GSO super-packet. */
    static int rxFrameSize(boolean vnetHeader) {
        return vnetHeader ? RX_VNET_FRAME_SIZE : RX_FRAME_SIZE;
    }

    /** A power of two holding the slot header, a vnet header and an MTU-sized frame with a VLAN tag. */
    static int txFrameSize(int mtu, boolean vnetHeader) {
        int need = TX_DATA + (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0) + mtu + 14 + 4;
        int size = 2048;
        while (size < need) {
            size <<= 1;
        }
        if (size > TX_BLOCK_SIZE) {
            throw new IllegalArgumentException("MTU " + mtu + " is too large for the AF_PACKET TX ring: use an MTU of at most "
                    + (TX_BLOCK_SIZE - need + mtu));
        }
        return size;
    }

    @Override
    public String name() {
        return name;
    }

    public String interfaceName() {
        return interfaceName;
    }

    /** The interface index the socket is bound to. */
    public int interfaceIndex() {
        return ifindex;
    }

    @Override
    public int fd() {
        return fd;
    }

    /**
     * Copies the frames the kernel has handed over into the batch, up to its capacity, and gives
     * each slot back once it is read. Never blocks, throws or allocates.
     */
    @Override
    public int receive(FrameBatch batch) {
        if (closed) {
            // The rings are unmapped: touching them would crash the JVM.
            batch.count(0);
            return 0;
        }
        int n = 0;
        int capacity = batch.capacity();
        while (n < capacity) {
            long h = (long) rxBlock * RX_BLOCK_SIZE + (long) rxSlot * rxFrameSize;
            int status = (int) INT.getAcquire(ring, h + H_STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            int snaplen = ring.get(JAVA_INT, h + H_SNAPLEN);
            int length = ring.get(JAVA_INT, h + H_LEN);
            int macOffset = Short.toUnsignedInt(ring.get(JAVA_SHORT, h + H_MAC));
            PacketBuffer slot = batch.get(n);
            // tp_len is the frame's length on the wire; the kernel cut it to the RX slot (snaplen),
            // so a super-packet is recognised by tp_len before the cut is counted.
            if (!vnetHeader && length > plainFrameLimit) {
                counters.increment(rxGsoDropped);
            } else if (snaplen != length || snaplen > slot.capacity() || snaplen < 14) {
                counters.increment(rxTruncated);
            } else {
                MemorySegment.copy(ring, h + macOffset, slot.segment(), 0, snaplen);
                slot.length(snaplen);
                if (vnetHeader) {
                    VirtioNetHeader.read(ring, h + macOffset - VirtioNetHeader.LEGACY_SIZE, slot);
                } else {
                    slot.clearOffload();
                    if ((status & TP_STATUS_CSUMNOTREADY) != 0) {
                        describePartialChecksum(slot);
                    }
                }
                n++;
            }
            // The slot goes back to the kernel once copied (or dropped).
            INT.setRelease(ring, h + H_STATUS, TP_STATUS_KERNEL);
            if (++rxSlot == rxFramesPerBlock) {
                rxSlot = 0;
                rxBlock = rxBlock + 1 == RX_BLOCKS ? 0 : rxBlock + 1;
            }
        }
        batch.count(n);
        if (n > 0) {
            counters.add(rxFrames, n);
        }
        return n;
    }

    /**
     * The kernel says the transport checksum is partial but, without a vnet header, not where it
     * is: for untagged IPv4 TCP and UDP it is where virtio_net_hdr would put it.
     */
    private static void describePartialChecksum(PacketBuffer slot) {
        MemorySegment f = slot.segment();
        int length = slot.length();
        if (length < 34 || f.get(JAVA_BYTE, 12) != 0x08 || f.get(JAVA_BYTE, 13) != 0x00) {
            return;
        }
        int ihl = (f.get(JAVA_BYTE, 14) & 0x0f) * 4;
        int protocol = Byte.toUnsignedInt(f.get(JAVA_BYTE, 23));
        int offset = protocol == 6 ? 16 : protocol == 17 ? 6 : -1;
        if (offset < 0 || ihl < 20 || 14 + ihl + offset + 2 > length) {
            return;
        }
        slot.flags = PacketBuffer.F_NEEDS_CSUM;
        slot.checksumStart = 14 + ihl;
        slot.checksumOffset = offset;
    }

    /**
     * Queues the frame in the next TX slot; it leaves on the next {@link #flush()} (or at once
     * when {@link #TX_KICK_THRESHOLD} frames wait). False when the ring is full or the frame does
     * not fit a slot.
     */
    @Override
    public boolean transmit(PacketBuffer frame) {
        if (closed) {
            counters.increment(txErrors);
            return false;
        }
        int header = vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0;
        int length = frame.length();
        if (TX_DATA + header + length > txFrameSize || (!vnetHeader && frame.hasOffload()) || frame.gsoType != 0) {
            counters.increment(txErrors);
            return false;
        }
        long slot = txBase + (long) txHead * txFrameSize;
        int status = (int) INT.getAcquire(ring, slot + H_STATUS);
        if (status != TP_STATUS_AVAILABLE) {
            // Full: push what is queued, then look again once.
            flush();
            status = (int) INT.getAcquire(ring, slot + H_STATUS);
            if (status != TP_STATUS_AVAILABLE && (status & TP_STATUS_WRONG_FORMAT) == 0) {
                counters.increment(txDropped);
                return false;
            }
        }
        if (vnetHeader) {
            VirtioNetHeader.writeLegacy(frame, ring, slot + TX_DATA);
        }
        MemorySegment.copy(frame.segment(), 0, ring, slot + TX_DATA + header, length);
        ring.set(JAVA_INT, slot + H_LEN, header + length);
        ring.set(JAVA_INT, slot + H_SNAPLEN, header + length);
        INT.setRelease(ring, slot + H_STATUS, TP_STATUS_SEND_REQUEST);
        txHead = txHead + 1 == txFrames ? 0 : txHead + 1;
        counters.increment(txFramesSent);
        if (++txPending >= TX_KICK_THRESHOLD) {
            flush();
        }
        return true;
    }

    /** Asks the kernel to send every queued TX slot, without waiting. */
    @Override
    public void flush() {
        if (txPending == 0 || closed) {
            return;
        }
        // Without errno: the kick is rare enough that a capturing call would run uncompiled and
        // allocate. A failed kick keeps the frames queued; the next flush tries again.
        if (LibC.sendto(fd, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, 0) < 0) {
            counters.increment(txKickFailed);
            return;
        }
        txPending = 0;
    }

    /**
     * Reads and counts the socket's pending error. ENETDOWN when the link went down is
     * survivable (frames flow again once it is up); false when the interface is gone (deleted,
     * or moved to another namespace), so that the loop stops and says so. (An interface deleted
     * while already down raises no error: the socket just stays silent.)
     */
    @Override
    public boolean clearError() {
        errorLength.set(JAVA_INT, 0, 4);
        errorValue.set(JAVA_INT, 0, 0);
        int result = LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, errorValue, errorLength);
        counters.increment(rxErrors);
        if (result != 0) {
            return false;
        }
        int error = errorValue.get(JAVA_INT, 0);
        if (error == Errno.ENETDOWN || error == Errno.ENODEV || error == 0) {
            // Asked through the packet socket itself, so in the socket's namespace, whichever
            // namespace this thread is in.
            return LibC.ioctl(fd, InterfaceControl.SIOCGIFINDEX, indexRequest) == 0
                    && indexRequest.get(JAVA_INT, InterfaceControl.IFR_UNION) == ifindex;
        }
        return true;
    }

    /**
     * Frames the kernel dropped because the RX ring was full, since the device was opened.
     * Control plane only (a system call; allocates); any thread.
     */
    public synchronized long kernelDrops() {
        if (closed) {
            return kernelDrops;
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct tpacket_stats: tp_packets, tp_drops (the kernel fills 8 of the 12 bytes). Reading resets them.
            MemorySegment stats = arena.allocate(12, 4);
            MemorySegment length = arena.allocate(JAVA_INT);
            length.set(JAVA_INT, 0, 12);
            CallState st = new CallState(arena);
            if (LibC.getsockopt(st.segment, fd, SOL_PACKET, PACKET_STATISTICS, stats, length) == 0) {
                kernelDrops += Integer.toUnsignedLong(stats.get(JAVA_INT, 4));
            }
        }
        return kernelDrops;
    }

    @Override
    public int mtu() {
        return mtu;
    }

    /** The interface's MAC, read when the device was opened. */
    @Override
    public long macAddress() {
        return mac;
    }

    /**
     * Without a vnet header: none. With one: partial checksums (the kernel completes them), no
     * segmentation (a TX slot holds one MTU-sized frame).
     */
    @Override
    public Offloads offloads() {
        return offloads;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            CallState st = new CallState();
            LibC.munmap(st.segment, ringAddress, ringSize);
            LibC.close(st.segment, fd);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
