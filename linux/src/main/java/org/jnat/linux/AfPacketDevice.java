package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

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
 * {@code socket(AF_PACKET, SOCK_RAW)} with {@code TPACKET_V2}; with offloads
 * ({@code vnetHeader}), {@code PACKET_VNET_HDR} before the rings exist (the kernel refuses it
 * afterwards with EBUSY); an RX ring of fixed frames ({@code PACKET_RX_RING},
 * {@code struct tpacket_req}) and a TX ring of fixed frames ({@code PACKET_TX_RING}), both mapped
 * with one {@code mmap}. Ring sizes ({@link Geometry}):
 * <ul>
 * <li>without a vnet header, slots for one MTU-sized frame: RX 32 blocks of 256 KiB (8 MiB: 4096
 *     slots of 2 KiB, a burst of 4096 full-size frames while the data plane is busy), TX 8 blocks
 *     of 64 KiB (256 slots of 2 KiB at MTU 1500);</li>
 * <li>with one, RX slots for a whole 64 KiB GSO super-packet ({@link #VNET_FRAME_SIZE}: the
 *     slot header, the vnet header and 65 549 bytes of Ethernet frame, rounded up), 15 to a
 *     1 MiB block: 16 MiB (240 slots) of kernel memory per device; small frames take a whole
 *     slot too, the price of V2's fixed slots. The TX ring stays as without (its slots hold a
 *     vnet header and an MTU-sized frame); a larger frame goes by a second packet socket without
 *     rings (see Transmit).</li>
 * </ul>
 * Not TPACKET_V3: its RX blocks are handed over only when full or when the block-retire timeout
 * (at least 1 ms, rounded to the timer tick) fires, which put 1.4 ms on every ping through a
 * quiet router; V2 hands over each frame as it lands and wakes {@code poll} per frame.
 * {@code PACKET_IGNORE_OUTGOING} so frames leaving this interface (ours and the host's own) are
 * not read back; {@code PACKET_MR_PROMISC} membership so frames for the router's MAC arrive even
 * when it is not the interface's MAC; {@code PACKET_LOSS} so one malformed frame cannot stall
 * the TX ring; {@code SO_SNDBUFFORCE} (else {@code SO_SNDBUF}) to twice the TX ring, so that
 * the socket's send budget never stops a kick half-way; then {@code bind} to the interface with
 * {@code ETH_P_ALL}. The link is brought up if it is down.
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
 * queued slots, by one {@code writev} (vnet header, frame) on a second AF_PACKET socket with
 * PACKET_VNET_HDR and no rings, bound with protocol 0 so that it receives nothing: one copy into
 * an skb, where a TX ring of 64 KiB slots cost a copy into the ring and, on a veth, a second one
 * when the kernel detached the skb from the ring's pages ({@code skb_copy_ubufs}), plus 64 KiB
 * of ring per queued ACK.
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
    static final int SO_SNDBUF = 7, SO_SNDBUFFORCE = 32;
    static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_LOSING = 1 << 2, TP_STATUS_CSUMNOTREADY = 1 << 3;
    static final int TP_STATUS_AVAILABLE = 0, TP_STATUS_SEND_REQUEST = 1, TP_STATUS_WRONG_FORMAT = 4;

    /** At most this many queued TX frames trigger a send without waiting for {@link #flush()}. */
    public static final int TX_KICK_THRESHOLD = 64;

    // struct tpacket2_hdr: tp_status, tp_len, tp_snaplen, tp_mac, tp_net, ...
    private static final int H_STATUS = 0, H_LEN = 4, H_SNAPLEN = 8, H_MAC = 12;
    /** TPACKET_ALIGN(sizeof(struct tpacket2_hdr)): where TX frame data starts in a slot. */
    private static final int TX_DATA = 32;

    /**
     * A slot for a whole GSO super-packet: on receive {@code tp_mac} is 76 (the 32-byte slot
     * header and the 20-byte sockaddr_ll, aligned, then the 10-byte vnet header, 16 − 14 bytes
     * from alignment) and the frame at most 65 549 bytes (an IPv4 datagram of 65 535 and its
     * Ethernet header; GRO and TSO stop there without BIG TCP); on transmit the data starts at
     * 32 + 10. A multiple of TPACKET_ALIGNMENT (16); 15 fit a 1 MiB block.
     */
    static final int VNET_FRAME_SIZE = (1 << 16) + 128;

    /** The send budget of the socket for super-packets: 32 of them in flight. */
    static final int LARGE_SEND_BUDGET = 32 << 16;

    /** Vnet headers on V2 rings: {@code tpacket_rcv} writes them from Linux 5.8. */
    static final int VNET_RX_MAJOR = 5, VNET_RX_MINOR = 8;
    /** UDP_L4 (USO) in {@code virtio_net_hdr_to_skb}: Linux 6.2. */
    static final int USO_MAJOR = 6, USO_MINOR = 2;

    /**
     * The ring sizes: {@code rxBlocks} blocks of {@code rxBlockSize} bytes, cut into slots of
     * {@code rxFrameSize}; the same for TX. Block sizes are powers of two (the kernel allocates
     * each block as 2^order pages), frame sizes multiples of 16.
     */
    record Geometry(int rxBlockSize, int rxBlocks, int rxFrameSize, int txBlockSize, int txBlocks, int txFrameSize) {
        static Geometry of(int mtu, boolean vnetHeader) {
            if (vnetHeader) {
                return new Geometry(1 << 20, 16, VNET_FRAME_SIZE, 1 << 16, 8, AfPacketDevice.txFrameSize(mtu, true));
            }
            return new Geometry(1 << 18, 32, 2048, 1 << 16, 8, AfPacketDevice.txFrameSize(mtu, false));
        }

        int rxFramesPerBlock() {
            return rxBlockSize / rxFrameSize;
        }

        int rxFrames() {
            return rxFramesPerBlock() * rxBlocks;
        }

        int txFrames() {
            return txBlockSize / txFrameSize * txBlocks;
        }

        long rxBytes() {
            return (long) rxBlockSize * rxBlocks;
        }

        long txBytes() {
            return (long) txBlockSize * txBlocks;
        }
    }

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final String interfaceName;
    private final String name;
    private final int fd;
    /** With a vnet header: a second packet socket, without rings, for frames larger than a TX slot. */
    private final int sendFd;
    private final int ifindex;
    private final int mtu;
    private final long mac;
    private final boolean vnetHeader;
    private final Offloads offloads;
    private final String setupNote;
    /** GRO was off and open turned it on: close turns it off again. */
    private final boolean groTurnedOn;

    private final MemorySegment ring;
    private final long ringAddress;
    private final long ringSize;
    private final long txBase;
    private final int txBlockSize;
    private final int txFramesPerBlock;
    private final int rxBlockSize;
    private final int rxBlocks;
    private final int rxFrameSize;
    private final int rxFramesPerBlock;
    private final int txFrameSize;
    private final int txFrames;
    private final int txKickThreshold;
    /**
     * Where the kernel puts an Ethernet frame in an RX slot ({@code tp_mac}):
     * TPACKET_ALIGN(TPACKET2_HDRLEN + 16), plus the vnet header, minus the 14-byte link header.
     */
    private final int rxMacOffset;
    /** One view per RX slot, over the frame at {@link #rxMacOffset}: lent to the batch, not copied. */
    private final PacketBuffer[] rxViews;
    /** The RX slots lent in the last receive, given back to the kernel at the next one. */
    private final long[] lent;
    private int lentCount;
    /** Longest frame accepted on receive without a vnet header: MTU + Ethernet + one VLAN tag. */
    private final int plainFrameLimit;

    private final CallState sendState;
    private final MemorySegment sendIov;
    private final MemorySegment sendHeader;
    private final MemorySegment stats;
    private final MemorySegment statsLength;
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
    private final int rxFrames, rxTruncated, rxGsoDropped, rxRingFull, rxErrors, txFramesSent, txGso, txLarge, txDropped, txErrors,
            txKickFailed, txKickPartial;
    private volatile boolean closed;

    // Restricted: the rings are the kernel's mmap of ringSize bytes, unmapped only by close().
    @SuppressWarnings("restricted")
    private AfPacketDevice(String interfaceName, int fd, int sendFd, int ifindex, int mtu, long mac, boolean vnetHeader,
                           boolean uso, String setupNote, boolean groTurnedOn, long ringAddress, long ringSize, Geometry geometry,
                           Counters counters) {
        this.interfaceName = interfaceName;
        this.name = "afpacket:" + interfaceName;
        this.fd = fd;
        this.sendFd = sendFd;
        this.ifindex = ifindex;
        this.mtu = mtu;
        this.mac = mac;
        this.vnetHeader = vnetHeader;
        // With the header the kernel completes checksums and segments super-packets (the device
        // if it can, else software GSO in validate_xmit_skb): all of it costs us one slot.
        this.offloads = vnetHeader ? new Offloads(true, true, true, uso) : Offloads.NONE;
        this.setupNote = setupNote;
        this.groTurnedOn = groTurnedOn;
        this.ringAddress = ringAddress;
        this.ringSize = ringSize;
        this.ring = MemorySegment.ofAddress(ringAddress).reinterpret(ringSize);
        this.txBase = geometry.rxBytes();
        this.txBlockSize = geometry.txBlockSize();
        this.txFramesPerBlock = geometry.txBlockSize() / geometry.txFrameSize();
        this.rxBlockSize = geometry.rxBlockSize();
        this.rxBlocks = geometry.rxBlocks();
        this.rxFrameSize = geometry.rxFrameSize();
        this.rxFramesPerBlock = geometry.rxFramesPerBlock();
        this.txFrameSize = geometry.txFrameSize();
        this.txFrames = geometry.txFrames();
        this.txKickThreshold = Math.max(1, Math.min(TX_KICK_THRESHOLD, txFrames / 2));
        this.plainFrameLimit = mtu + 14 + 4;
        this.rxMacOffset = rxMacOffset(vnetHeader);
        this.rxViews = new PacketBuffer[geometry.rxFrames()];
        for (int i = 0; i < rxViews.length; i++) {
            long slotStart = (long) (i / rxFramesPerBlock) * rxBlockSize + (long) (i % rxFramesPerBlock) * rxFrameSize;
            rxViews[i] = new PacketBuffer(ring.asSlice(slotStart + rxMacOffset, rxFrameSize - rxMacOffset));
        }
        this.lent = new long[geometry.rxFrames()];
        Arena arena = Arena.ofAuto();
        sendState = new CallState(arena);
        sendHeader = arena.allocate(VirtioNetHeader.LEGACY_SIZE, 8);
        sendIov = arena.allocate(32, 8);
        // struct iovec[2]: the vnet header, then the frame (its address is set per send).
        sendIov.set(JAVA_LONG, 0, sendHeader.address());
        sendIov.set(JAVA_LONG, 8, VirtioNetHeader.LEGACY_SIZE);
        stats = arena.allocate(12, 4);
        statsLength = arena.allocate(JAVA_INT);
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
        rxRingFull = counters.register(prefix + "rx_ring_full", "frames the kernel dropped because the RX ring of "
                + name + " was full (the data plane fell behind)");
        rxErrors = counters.register(prefix + "rx_errors", "socket errors reported on " + name);
        txFramesSent = counters.register(prefix + "tx_frames", "frames queued on the TX ring of " + name);
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
     * says what to do.
     */
    public static AfPacketDevice open(String interfaceName, boolean vnetHeader, Counters counters) {
        InterfaceName.check(interfaceName);
        CallState st = new CallState();
        KernelRelease kernel = KernelRelease.running();
        String note = null;
        if (vnetHeader && !kernel.atLeast(VNET_RX_MAJOR, VNET_RX_MINOR)) {
            vnetHeader = false;
            note = "Linux " + kernel + " writes no vnet header into AF_PACKET rings (5.8 does): " + interfaceName
                    + " runs without offloads, so turn GRO and TSO off on it and its peer (ethtool -K)";
        }
        try (Arena arena = Arena.ofConfined()) {
            // First the interface, so that a wrong name is reported as such even without privileges.
            int ifindex = LibC.ifNameToIndex(st.segment, LibC.cString(arena, interfaceName));
            if (ifindex == 0) {
                throw new SystemCallException("if_nametoindex(" + interfaceName + ")", st.errno(),
                        Errno.onInterface(interfaceName, "CAP_NET_RAW").forErrno(st.errno()));
            }
            int mtu;
            long mac;
            boolean groTurnedOn = false;
            try (InterfaceControl control = new InterfaceControl(interfaceName)) {
                mtu = control.mtu();
                mac = control.hardwareAddress();
                control.up();
                if (vnetHeader) {
                    GroSetup gro = enableGro(control, interfaceName);
                    note = gro.note();
                    groTurnedOn = gro.turnedOn();
                }
            }
            try {
                return openSocket(interfaceName, vnetHeader, counters, st, kernel, note, groTurnedOn, ifindex, mtu, mac, arena);
            } catch (RuntimeException e) {
                // Nothing half-started: not even the GRO setting outlives a failed open.
                if (groTurnedOn) {
                    try (InterfaceControl control = new InterfaceControl(interfaceName)) {
                        control.genericReceiveOffload(false);
                    } catch (RuntimeException ignored) {
                        // Nothing more can be undone; the open's own error is what the user must see.
                    }
                }
                throw e;
            }
        }
    }

    private static AfPacketDevice openSocket(String interfaceName, boolean vnetHeader, Counters counters, CallState st,
                                             KernelRelease kernel, String note, boolean groTurnedOn, int ifindex, int mtu,
                                             long mac, Arena arena) {
        Geometry geometry = Geometry.of(mtu, vnetHeader);
        if (geometry.txFrameSize() > geometry.txBlockSize()) {
            throw new IllegalArgumentException("MTU " + mtu + " is too large for the AF_PACKET TX ring: use an MTU of at most "
                    + (geometry.txBlockSize() - TX_DATA - (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0) - 18));
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
        int sendFd = -1;
        try {
            MemorySegment value = arena.allocate(JAVA_INT);
            setInt(st, fd, PACKET_VERSION, TPACKET_V2, value, "PACKET_VERSION", interfaceName);
            if (vnetHeader) {
                // Before the rings: packet_setsockopt refuses it with EBUSY once they exist.
                setInt(st, fd, PACKET_VNET_HDR, 1, value, "PACKET_VNET_HDR", interfaceName);
            }
            setInt(st, fd, PACKET_LOSS, 1, value, "PACKET_LOSS", interfaceName);

            MemorySegment req = arena.allocate(16, 4);
            ring(st, fd, req, PACKET_RX_RING, "PACKET_RX_RING", geometry.rxBlockSize(), geometry.rxBlocks(),
                    geometry.rxFrameSize(), geometry.rxFrames(), geometry.rxBytes(), interfaceName);
            ring(st, fd, req, PACKET_TX_RING, "PACKET_TX_RING", geometry.txBlockSize(), geometry.txBlocks(),
                    geometry.txFrameSize(), geometry.txFrames(), geometry.txBytes(), interfaceName);

            ringSize = geometry.rxBytes() + geometry.txBytes();
            ringAddress = LibC.mmap(st.segment, ringSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
            final long size = ringSize;
            st.check(ringAddress, "mmap(packet rings, " + ringSize + " bytes)", errno -> errno == Errno.ENOMEM || errno == Errno.EPERM
                    ? "could not map " + size + " bytes for the packet rings: raise the memlock limit (ulimit -l) or free memory"
                    : null);

            // Every queued TX frame is charged to the send budget until the kernel frees it;
            // a budget smaller than the ring ends a kick early (tx_kick_partial). FORCE needs
            // CAP_NET_ADMIN; without it the budget stays at most twice net.core.wmem_max.
            int budget = (int) Math.min(Integer.MAX_VALUE / 2, 2 * geometry.txBytes());
            value.set(JAVA_INT, 0, budget);
            if (LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUFFORCE, value, 4) != 0) {
                LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUF, value, 4);
            }

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

            if (vnetHeader) {
                sendFd = openSendSocket(st, arena, ifindex, interfaceName);
            }
            return new AfPacketDevice(interfaceName, fd, sendFd, ifindex, mtu, mac, vnetHeader,
                    kernel.atLeast(USO_MAJOR, USO_MINOR), note, groTurnedOn, ringAddress, ringSize, geometry, counters);
        } catch (RuntimeException e) {
            if (ringAddress != -1) {
                LibC.munmap(st.segment, ringAddress, ringSize);
            }
            if (sendFd != -1) {
                LibC.close(st.segment, sendFd);
            }
            LibC.close(st.segment, fd);
            throw e;
        }
    }

    /**
     * The socket for frames larger than a TX slot: AF_PACKET with PACKET_VNET_HDR and no rings,
     * bound to the interface with protocol 0 so that it receives nothing (no receive hook). One
     * {@code writev} per super-packet copies it once into an skb ({@code packet_snd}); a TX ring
     * of 64 KiB slots would cost a copy into the ring and, on a veth, another
     * ({@code skb_copy_ubufs}: ring pages must not reach another namespace's sockets).
     */
    private static int openSendSocket(CallState st, Arena arena, int ifindex, String interfaceName) {
        int fd = st.check(LibC.socket(st.segment, LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0),
                "socket(AF_PACKET, SOCK_RAW)", Errno.privileged("CAP_NET_RAW"));
        try {
            MemorySegment value = arena.allocate(JAVA_INT);
            setInt(st, fd, PACKET_VNET_HDR, 1, value, "PACKET_VNET_HDR", interfaceName);
            // Room for a few dozen super-packets in flight before a send is refused (EAGAIN).
            value.set(JAVA_INT, 0, LARGE_SEND_BUDGET);
            if (LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUFFORCE, value, 4) != 0) {
                LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUF, value, 4);
            }
            MemorySegment sll = arena.allocate(20, 4);
            sll.set(JAVA_SHORT, 0, (short) LibC.AF_PACKET);
            sll.set(JAVA_INT, 4, ifindex);
            st.check(LibC.bind(st.segment, fd, sll, 20), "bind(AF_PACKET, " + interfaceName + ")",
                    Errno.onInterface(interfaceName, "CAP_NET_RAW"));
            return fd;
        } catch (RuntimeException e) {
            LibC.close(st.segment, fd);
            throw e;
        }
    }

    /**
     * What {@link #enableGro} did: the note for the user, and whether GRO was off and jnat turned
     * it on (then {@link #close()} turns it off again, so that jnat leaves the interface as it
     * found it).
     */
    private record GroSetup(String note, boolean turnedOn) {
    }

    /**
     * Turns GRO on for the interface unless it is on already, so that the kernel hands over a
     * flow's segments as one super-packet. Says what the user should know: that jnat turned it on
     * while it runs, or how to do it when jnat could not; no note when it was on already.
     */
    private static GroSetup enableGro(InterfaceControl control, String interfaceName) {
        try {
            if (control.genericReceiveOffload()) {
                return new GroSetup(null, false);
            }
            control.genericReceiveOffload(true);
            return control.genericReceiveOffload()
                    ? new GroSetup("turned GRO on for " + interfaceName + " while jnat runs (as ethtool -K " + interfaceName
                      + " gro on) so that the kernel coalesces segments into super-packets; it is turned off again"
                      + " when jnat stops", true)
                    : new GroSetup("GRO stays off on " + interfaceName + ": the driver refused it; frames arrive"
                      + " wire-sized (slower)", false);
        } catch (SystemCallException e) {
            return new GroSetup("GRO is off on " + interfaceName + " and jnat could not turn it on (" + e.getMessage()
                    + "): run ethtool -K " + interfaceName + " gro on, or TCP through jnat stays slow", false);
        }
    }

    /**
     * Turns GRO off again if this device turned it on; best effort (the interface may be gone).
     * Through {@code socket}, one of the device's, so that the interface is found in the device's
     * namespace even when another thread, elsewhere, closes it.
     */
    private static void restoreGro(String interfaceName, boolean turnedOn, int socket) {
        if (!turnedOn) {
            return;
        }
        try (InterfaceControl control = new InterfaceControl(interfaceName, socket)) {
            control.genericReceiveOffload(false);
        } catch (RuntimeException e) {
            // Deleted with its namespace, or the privilege dropped: nothing left to restore.
        }
    }

    private static Errno.Hint ringHint(long bytes) {
        return errno -> errno == Errno.ENOMEM
                ? "the kernel could not allocate " + (bytes >> 20) + " MiB for the packet ring: free memory or open without offloads"
                : null;
    }

    private static void setInt(CallState st, int fd, int option, int v, MemorySegment value, String what, String interfaceName) {
        value.set(JAVA_INT, 0, v);
        st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, option, value, 4),
                "setsockopt(" + what + ", " + interfaceName + ")", errno -> errno == Errno.ENOPROTOOPT || errno == Errno.EINVAL
                        ? "the kernel does not support " + what + ": jnat needs Linux 4.20 or newer"
                        : null);
    }

    /** Sets up one ring with {@code struct tpacket_req}: block size, blocks, frame size, frames. */
    private static void ring(CallState st, int fd, MemorySegment req, int option, String what, int blockSize,
                             int blocks, int frameSize, int frames, long bytes, String interfaceName) {
        req.set(JAVA_INT, 0, blockSize);
        req.set(JAVA_INT, 4, blocks);
        req.set(JAVA_INT, 8, frameSize);
        req.set(JAVA_INT, 12, frames);
        st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, option, req, 16),
                "setsockopt(" + what + ", " + interfaceName + ")", ringHint(bytes));
    }

    /** TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + vnet header − Ethernet header: 66, or 76 with the header. */
    static int rxMacOffset(boolean vnetHeader) {
        int tpacket2HeaderLength = TX_DATA + 20; // TPACKET_ALIGN(sizeof(tpacket2_hdr)) + sizeof(sockaddr_ll)
        int aligned = (tpacket2HeaderLength + 16 + 15) & ~15;
        return aligned + (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0) - 14;
    }

    /** A power of two holding the slot header, the vnet header if any, and an MTU-sized frame with a VLAN tag. */
    static int txFrameSize(int mtu, boolean vnetHeader) {
        int need = TX_DATA + (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0) + mtu + 14 + 4;
        int size = 2048;
        while (size < need) {
            size <<= 1;
        }
        return size;
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
            long h = (long) rxBlock * rxBlockSize + (long) rxSlot * rxFrameSize;
            int status = (int) INT.getAcquire(ring, h + H_STATUS);
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            losing |= status;
            int snaplen = ring.get(JAVA_INT, h + H_SNAPLEN);
            int length = ring.get(JAVA_INT, h + H_LEN);
            int macOffset = Short.toUnsignedInt(ring.get(JAVA_SHORT, h + H_MAC));
            boolean keep = false;
            // tp_len is the frame's length on the wire; the kernel cut it to the RX slot (snaplen),
            // so a super-packet is recognised by tp_len before the cut is counted.
            if (!vnetHeader && length > plainFrameLimit) {
                counters.increment(rxGsoDropped);
            } else if (snaplen != length || snaplen > limit || snaplen < 14) {
                counters.increment(rxTruncated);
            } else {
                PacketBuffer slot;
                if (macOffset == rxMacOffset) {
                    slot = rxViews[rxBlock * rxFramesPerBlock + rxSlot];
                    batch.lend(n, slot);
                    keep = true;
                } else {
                    slot = batch.own(n);
                    MemorySegment.copy(ring, h + macOffset, slot.segment(), 0, snaplen);
                }
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
            if (keep) {
                lent[lentCount++] = h;
            } else {
                // Copied or dropped: the slot goes back to the kernel now.
                INT.setRelease(ring, h + H_STATUS, TP_STATUS_KERNEL);
            }
            if (++rxSlot == rxFramesPerBlock) {
                rxSlot = 0;
                rxBlock = rxBlock + 1 == rxBlocks ? 0 : rxBlock + 1;
            }
        }
        batch.count(n);
        if (n > 0) {
            counters.add(rxFrames, n);
        }
        if ((losing & TP_STATUS_LOSING) != 0) {
            countKernelDrops();
        }
        return n;
    }

    /** Gives the slots lent in the last receive back to the kernel: the batch is done with them. */
    private void giveBackLent() {
        for (int i = 0; i < lentCount; i++) {
            INT.setRelease(ring, lent[i] + H_STATUS, TP_STATUS_KERNEL);
        }
        lentCount = 0;
    }

    /**
     * The kernel marks frames TP_STATUS_LOSING while it has dropped frames for a full ring since
     * PACKET_STATISTICS was last read; reading it (which clears it) adds them to
     * {@code rx_ring_full}. A system call only after drops.
     */
    private void countKernelDrops() {
        statsLength.set(JAVA_INT, 0, 12);
        // struct tpacket_stats: tp_packets, tp_drops (the kernel fills 8 of the 12 bytes).
        if (LibC.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, statsLength) == 0) {
            counters.add(rxRingFull, Integer.toUnsignedLong(stats.get(JAVA_INT, 4)));
        }
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
     * when half the ring waits). False when the ring is full, the frame does not fit a slot, or
     * it carries offload work without a vnet header to describe it.
     */
    @Override
    public boolean transmit(PacketBuffer frame) {
        if (closed) {
            counters.increment(txErrors);
            return false;
        }
        int header = vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0;
        int length = frame.length();
        if (TX_DATA + header + length > txFrameSize) {
            return vnetHeader ? transmitLarge(frame, length) : error();
        }
        if (!vnetHeader && frame.hasOffload()) {
            return error();
        }
        long slot = txSlot(txHead);
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
            ring.set(JAVA_SHORT_UNALIGNED, slot + TX_DATA + VirtioNetHeader.HDR_LEN, (short) linearLength(frame, length));
            if (frame.gsoType != PacketBuffer.GSO_NONE) {
                counters.increment(txGso);
            }
        }
        MemorySegment.copy(frame.segment(), 0, ring, slot + TX_DATA + header, length);
        ring.set(JAVA_INT, slot + H_LEN, header + length);
        ring.set(JAVA_INT, slot + H_SNAPLEN, header + length);
        INT.setRelease(ring, slot + H_STATUS, TP_STATUS_SEND_REQUEST);
        txHead = txHead + 1 == txFrames ? 0 : txHead + 1;
        counters.increment(txFramesSent);
        if (++txPending >= txKickThreshold) {
            flush();
        }
        return true;
    }

    private boolean error() {
        counters.increment(txErrors);
        return false;
    }

    /**
     * A frame larger than a TX slot (a GSO super-packet) goes by a {@code writev} of its own on
     * {@link #sendFd}, after the frames queued before it (so a flow's frames keep their order).
     */
    private boolean transmitLarge(PacketBuffer frame, int length) {
        flush();
        VirtioNetHeader.writeLegacy(frame, sendHeader, 0);
        sendHeader.set(JAVA_SHORT_UNALIGNED, VirtioNetHeader.HDR_LEN, (short) linearLength(frame, length));
        sendIov.set(JAVA_LONG, 16, frame.segment().address());
        sendIov.set(JAVA_LONG, 24, length);
        if (LibC.writev(sendState.segment, sendFd, sendIov, 2) < 0) {
            int errno = sendState.errno();
            counters.increment(errno == Errno.EAGAIN || errno == Errno.ENOBUFS ? txDropped : txErrors);
            return false;
        }
        counters.increment(txFramesSent);
        counters.increment(txLarge);
        if (frame.gsoType != PacketBuffer.GSO_NONE) {
            counters.increment(txGso);
        }
        return true;
    }

    /**
     * Where TX slot {@code index} starts in the mapping: slots do not cross blocks, and a block
     * may end in a gap smaller than a slot (packet_lookup_frame).
     */
    private long txSlot(int index) {
        return txBase + (long) (index / txFramesPerBlock) * txBlockSize + (long) (index % txFramesPerBlock) * txFrameSize;
    }

    /**
     * The vnet header's {@code hdr_len} for a transmitted frame: how much of it
     * {@code tpacket_snd} copies into the skb's linear part (the rest is attached from the ring's
     * pages). The headers up to the end of the transport header, when the partial checksum says
     * where that is (16: TCP, its data offset; 6: UDP, 8 bytes); else 0, which the kernel raises
     * to what it needs. Not the received {@code hdr_len}: that is the sender's linear length, up
     * to the whole 64 KiB, which would make the kernel allocate and copy it all.
     */
    private static int linearLength(PacketBuffer frame, int length) {
        if ((frame.flags & PacketBuffer.F_NEEDS_CSUM) == 0) {
            return 0;
        }
        int start = frame.checksumStart;
        int end;
        if (frame.checksumOffset == 16 && start + 13 <= length) {
            end = start + ((Byte.toUnsignedInt(frame.segment().get(JAVA_BYTE, start + 12)) >>> 4) << 2);
        } else if (frame.checksumOffset == 6) {
            end = start + 8;
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
        // Without errno: the kick is rare enough that a capturing call would run uncompiled and
        // allocate. A failed kick keeps the frames queued; the next flush tries again.
        if (LibC.sendto(fd, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, 0) < 0) {
            counters.increment(txKickFailed);
            return;
        }
        // tpacket_snd takes the slots in order and returns once it cannot take one more: if the
        // newest is still waiting, it stopped early.
        int newest = txHead == 0 ? txFrames - 1 : txHead - 1;
        if ((int) INT.getAcquire(ring, txSlot(newest) + H_STATUS) == TP_STATUS_SEND_REQUEST) {
            counters.increment(txKickPartial);
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
     * Frames the kernel dropped because the RX ring was full, as far as the data plane has seen
     * (counted when the next frame arrives marked TP_STATUS_LOSING): {@code rx_ring_full}. Any thread.
     */
    public long kernelDrops() {
        return counters.get(rxRingFull);
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
            CallState st = new CallState();
            // Before its sockets close: the GRO ioctl goes through one of them.
            restoreGro(interfaceName, groTurnedOn, fd);
            LibC.munmap(st.segment, ringAddress, ringSize);
            LibC.close(st.segment, fd);
            if (sendFd != -1) {
                LibC.close(st.segment, sendFd);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
