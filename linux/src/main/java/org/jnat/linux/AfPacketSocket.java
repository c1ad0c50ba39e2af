package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.jnat.device.PacketBuffer;
import org.jnat.wire.EthernetFrame;

/**
 * The AF_PACKET sockets of one {@link AfPacketDevice} (packet(7)): the socket with the TPACKET_V2
 * rings, its options and its mapping (a {@link PacketRing} view over each ring), and with offloads
 * a second socket without rings for frames larger than a TX slot. Set-up throws with a message that says what to do; the calls the packet
 * path makes ({@link #kick()}, {@link #readDrops()}, {@link #clearError()},
 * {@link #sendOversize}) allocate nothing and never throw.
 *
 * <h2>Set-up ({@link #open})</h2>
 * {@code socket(AF_PACKET, SOCK_RAW)} with protocol 0, so that it sees nothing before its rings
 * exist; {@code PACKET_VERSION} {@code TPACKET_V2}; with a vnet header {@code PACKET_VNET_HDR}
 * before the rings (the kernel refuses it afterwards with EBUSY); {@code PACKET_LOSS} so one
 * malformed frame cannot stall the TX ring; the RX and TX rings ({@code PACKET_RX_RING},
 * {@code PACKET_TX_RING}, {@code struct tpacket_req}), both mapped with one {@code mmap};
 * {@code SO_SNDBUFFORCE} (else {@code SO_SNDBUF}) to twice the TX ring, so that the socket's send
 * budget never stops a kick half-way; {@code PACKET_IGNORE_OUTGOING} so frames leaving this
 * interface (ours and the host's own) are not read back; {@code bind} to the interface with
 * {@code ETH_P_ALL} ({@code struct sockaddr_ll}); and {@code PACKET_MR_PROMISC} membership
 * ({@code struct packet_mreq}) so frames for the router's MAC arrive even when it is not the
 * interface's MAC.
 *
 * <h2>The socket for large frames</h2>
 * With a vnet header, a frame larger than a TX slot (a super-packet) is sent by one {@code writev}
 * (vnet header, frame) on a second AF_PACKET socket with PACKET_VNET_HDR and no rings, bound with
 * protocol 0 so that it receives nothing: one copy into an skb ({@code packet_snd}), where a TX
 * ring of 64 KiB slots cost a copy into the ring and, on a veth, a second one when the kernel
 * detached the skb from the ring's pages ({@code skb_copy_ubufs}: ring pages must not reach
 * another namespace's sockets), plus 64 KiB of ring per queued ACK.
 */
final class AfPacketSocket {
    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1, PACKET_RX_RING = 5, PACKET_STATISTICS = 6, PACKET_VERSION = 10, PACKET_TX_RING = 13,
            PACKET_LOSS = 14, PACKET_VNET_HDR = 15, PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_MR_PROMISC = 1;
    static final int TPACKET_V2 = 1;
    static final int ETH_P_ALL = 0x0003;
    static final int SO_SNDBUF = 7, SO_SNDBUFFORCE = 32;

    /** The send budget of the socket for super-packets: 32 of them in flight. */
    static final int LARGE_SEND_BUDGET = 32 << 16;

    /** {@code struct sockaddr_ll} (include/uapi/linux/if_packet.h): 20 bytes, the protocol in network order. */
    static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sll_family"),
            JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sll_protocol"),
            JAVA_INT.withName("sll_ifindex"),
            JAVA_SHORT.withName("sll_hatype"),
            JAVA_BYTE.withName("sll_pkttype"),
            JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sll_addr"));

    /** {@code struct packet_mreq}: 16 bytes. */
    static final StructLayout PACKET_MREQ = MemoryLayout.structLayout(
            JAVA_INT.withName("mr_ifindex"),
            JAVA_SHORT.withName("mr_type"),
            JAVA_SHORT.withName("mr_alen"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("mr_address"));

    /** {@code struct tpacket_req}: one ring's size. */
    static final StructLayout TPACKET_REQ = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_block_size"),
            JAVA_INT.withName("tp_block_nr"),
            JAVA_INT.withName("tp_frame_size"),
            JAVA_INT.withName("tp_frame_nr"));

    /** {@code struct tpacket_stats}, what PACKET_STATISTICS returns for a TPACKET_V2 socket. */
    static final StructLayout TPACKET_STATS = MemoryLayout.structLayout(
            JAVA_INT.withName("tp_packets"),
            JAVA_INT.withName("tp_drops"));
    private static final long TP_DROPS = TPACKET_STATS.byteOffset(MemoryLayout.PathElement.groupElement("tp_drops"));

    /** {@code struct iovec}: where the large-frame writev finds the header and the frame. */
    private static final long IOV_BASE = 0, IOV_LEN = 8, IOVEC_SIZE = 16;

    /** The interface the sockets are bound to, as found at open: name, index, MTU and MAC. */
    record Link(String name, int index, int mtu, long mac) {
    }

    /** The interface the sockets are bound to. */
    final Link link;
    /** The socket with the rings: the one to poll. */
    final int fd;
    /** The RX ring, at the start of the mapping, and the TX ring after it. Valid until {@link #close()}. */
    final PacketRing rx, tx;
    /** With a vnet header: the second socket, without rings, for frames larger than a TX slot; else −1. */
    private final int sendFd;
    private final long mappingAddress;
    private final long mappingSize;

    // Per-call scratch, made once.
    private final CallState sendState;
    private final MemorySegment sendIov;
    private final MemorySegment sendHeader;
    private final MemorySegment stats;
    private final MemorySegment statsLength;
    private final MemorySegment errorValue;
    private final MemorySegment errorLength;
    private final MemorySegment indexRequest;

    // Restricted: the mapping is the kernel's mmap of mappingSize bytes, unmapped only by close().
    @SuppressWarnings("restricted")
    private AfPacketSocket(Link link, int fd, int sendFd, long mappingAddress, PacketRing.Size rxSize, PacketRing.Size txSize) {
        this.link = link;
        this.fd = fd;
        this.sendFd = sendFd;
        this.mappingAddress = mappingAddress;
        this.mappingSize = rxSize.bytes() + txSize.bytes();
        MemorySegment mapping = MemorySegment.ofAddress(mappingAddress).reinterpret(mappingSize);
        this.rx = new PacketRing(mapping.asSlice(0, rxSize.bytes()), rxSize);
        this.tx = new PacketRing(mapping.asSlice(rxSize.bytes(), txSize.bytes()), txSize);
        Arena arena = Arena.ofAuto();
        sendState = new CallState(arena);
        sendHeader = arena.allocate(VirtioNetHeader.LEGACY_SIZE, 8);
        sendIov = arena.allocate(2 * IOVEC_SIZE, 8);
        // struct iovec[2]: the vnet header, then the frame (its address is set per send).
        sendIov.set(JAVA_LONG, IOV_BASE, sendHeader.address());
        sendIov.set(JAVA_LONG, IOV_LEN, VirtioNetHeader.LEGACY_SIZE);
        stats = arena.allocate(TPACKET_STATS);
        statsLength = arena.allocate(JAVA_INT);
        errorValue = arena.allocate(JAVA_INT);
        errorLength = arena.allocate(JAVA_INT);
        indexRequest = arena.allocate(InterfaceControl.IFREQ_SIZE, 8);
        byte[] nameBytes = link.name().getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(nameBytes, 0, indexRequest, JAVA_BYTE, 0, nameBytes.length);
    }

    /**
     * The index of the existing interface {@code interfaceName}, in the calling thread's network
     * namespace: asked first, so that a wrong name is reported as such even without privileges.
     */
    static int interfaceIndex(String interfaceName) {
        CallState st = new CallState();
        try (Arena arena = Arena.ofConfined()) {
            int index = LibC.ifNameToIndex(st.segment, LibC.cString(arena, interfaceName));
            if (index == 0) {
                throw new SystemCallException("if_nametoindex(" + interfaceName + ")", st.errno(),
                        Errno.onInterface(interfaceName, "CAP_NET_RAW").forErrno(st.errno()));
            }
            return index;
        }
    }

    /**
     * Opens the sockets on {@code link} with rings of {@code rx} and {@code tx} (see the class
     * comment); with {@code vnetHeader}, PACKET_VNET_HDR and the socket for large frames. Nothing
     * stays open when it throws.
     */
    static AfPacketSocket open(Link link, boolean vnetHeader, PacketRing.Size rx, PacketRing.Size tx) {
        String interfaceName = link.name();
        if (tx.frameSize() > tx.blockSize()) {
            throw new IllegalArgumentException("MTU " + link.mtu() + " is too large for the AF_PACKET TX ring: use an MTU of at most "
                    + (tx.blockSize() - PacketRing.TX_DATA - (vnetHeader ? VirtioNetHeader.LEGACY_SIZE : 0)
                    - EthernetFrame.TAGGED_HEADER_LENGTH));
        }
        CallState st = new CallState();
        // Protocol 0 until bind: the socket sees nothing before its rings exist.
        int fd = st.check(LibC.socket(st.segment, LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0),
                "socket(AF_PACKET, SOCK_RAW)", errno -> switch (errno) {
                    case Errno.EPERM, Errno.EACCES -> Errno.needPrivilege("CAP_NET_RAW");
                    case Errno.EAFNOSUPPORT -> "the kernel has no AF_PACKET support: run modprobe af_packet";
                    default -> null;
                });
        long mappingAddress = -1;
        long mappingSize = 0;
        int sendFd = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            setInt(st, fd, PACKET_VERSION, TPACKET_V2, value, "PACKET_VERSION", interfaceName);
            if (vnetHeader) {
                // Before the rings: packet_setsockopt refuses it with EBUSY once they exist.
                setInt(st, fd, PACKET_VNET_HDR, 1, value, "PACKET_VNET_HDR", interfaceName);
            }
            setInt(st, fd, PACKET_LOSS, 1, value, "PACKET_LOSS", interfaceName);

            MemorySegment req = arena.allocate(TPACKET_REQ);
            ring(st, fd, req, PACKET_RX_RING, "PACKET_RX_RING", rx, interfaceName);
            ring(st, fd, req, PACKET_TX_RING, "PACKET_TX_RING", tx, interfaceName);

            mappingSize = rx.bytes() + tx.bytes();
            mappingAddress = LibC.mmap(st.segment, mappingSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
            final long size = mappingSize;
            st.check(mappingAddress, "mmap(packet rings, " + mappingSize + " bytes)", errno -> errno == Errno.ENOMEM || errno == Errno.EPERM
                    ? "could not map " + size + " bytes for the packet rings: raise the memlock limit (ulimit -l) or free memory"
                    : null);

            // Every queued TX frame is charged to the send budget until the kernel frees it;
            // a budget smaller than the ring ends a kick early (tx_kick_partial). FORCE needs
            // CAP_NET_ADMIN; without it the budget stays at most twice net.core.wmem_max.
            sendBudget(st, fd, (int) Math.min(Integer.MAX_VALUE / 2, 2 * tx.bytes()), value);

            setInt(st, fd, PACKET_IGNORE_OUTGOING, 1, value, "PACKET_IGNORE_OUTGOING", interfaceName);

            bind(st, fd, arena, link, ETH_P_ALL);

            MemorySegment mreq = promiscuousMembership(arena, link.index());
            st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, (int) PACKET_MREQ.byteSize()),
                    "setsockopt(PACKET_ADD_MEMBERSHIP promiscuous, " + interfaceName + ")",
                    Errno.onInterface(interfaceName, "CAP_NET_RAW"));

            if (vnetHeader) {
                sendFd = openSendSocket(st, arena, link);
            }
            return new AfPacketSocket(link, fd, sendFd, mappingAddress, rx, tx);
        } catch (RuntimeException e) {
            if (mappingAddress != -1) {
                LibC.munmap(st.segment, mappingAddress, mappingSize);
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
     * bound to the interface with protocol 0 so that it receives nothing (no receive hook).
     */
    private static int openSendSocket(CallState st, Arena arena, Link link) {
        int fd = st.check(LibC.socket(st.segment, LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0),
                "socket(AF_PACKET, SOCK_RAW)", Errno.privileged("CAP_NET_RAW"));
        try {
            MemorySegment value = arena.allocate(JAVA_INT);
            setInt(st, fd, PACKET_VNET_HDR, 1, value, "PACKET_VNET_HDR", link.name());
            // Room for a few dozen super-packets in flight before a send is refused (EAGAIN).
            sendBudget(st, fd, LARGE_SEND_BUDGET, value);
            bind(st, fd, arena, link, 0);
            return fd;
        } catch (RuntimeException e) {
            LibC.close(st.segment, fd);
            throw e;
        }
    }

    /** SO_SNDBUFFORCE, or SO_SNDBUF without CAP_NET_ADMIN; best effort. */
    private static void sendBudget(CallState st, int fd, int bytes, MemorySegment value) {
        value.set(JAVA_INT, 0, bytes);
        if (LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUFFORCE, value, 4) != 0) {
            LibC.setsockopt(st.segment, fd, LibC.SOL_SOCKET, SO_SNDBUF, value, 4);
        }
    }

    /** Binds {@code fd} to the interface for {@code protocol} (host order; 0: receive nothing). */
    private static void bind(CallState st, int fd, Arena arena, Link link, int protocol) {
        MemorySegment sll = bindAddress(arena, link.index(), protocol);
        st.check(LibC.bind(st.segment, fd, sll, (int) SOCKADDR_LL.byteSize()), "bind(AF_PACKET, " + link.name() + ")",
                Errno.onInterface(link.name(), "CAP_NET_RAW"));
    }

    /** The {@code struct sockaddr_ll} that binds to interface {@code index} for {@code protocol} (an EtherType, host order). */
    static MemorySegment bindAddress(Arena arena, int index, int protocol) {
        MemorySegment sll = arena.allocate(SOCKADDR_LL);
        field(SOCKADDR_LL, "sll_family").set(sll, 0L, (short) LibC.AF_PACKET);
        field(SOCKADDR_LL, "sll_protocol").set(sll, 0L, (short) protocol);
        field(SOCKADDR_LL, "sll_ifindex").set(sll, 0L, index);
        return sll;
    }

    /** The {@code struct packet_mreq} of a promiscuous membership on interface {@code index}. */
    static MemorySegment promiscuousMembership(Arena arena, int index) {
        MemorySegment mreq = arena.allocate(PACKET_MREQ);
        field(PACKET_MREQ, "mr_ifindex").set(mreq, 0L, index);
        field(PACKET_MREQ, "mr_type").set(mreq, 0L, (short) PACKET_MR_PROMISC);
        return mreq;
    }

    /** Fills {@code req}, a {@code struct tpacket_req}, with one ring's size. */
    static MemorySegment ringRequest(MemorySegment req, PacketRing.Size size) {
        field(TPACKET_REQ, "tp_block_size").set(req, 0L, size.blockSize());
        field(TPACKET_REQ, "tp_block_nr").set(req, 0L, size.blocks());
        field(TPACKET_REQ, "tp_frame_size").set(req, 0L, size.frameSize());
        field(TPACKET_REQ, "tp_frame_nr").set(req, 0L, size.frames());
        return req;
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
    private static void ring(CallState st, int fd, MemorySegment req, int option, String what, PacketRing.Size size,
                             String interfaceName) {
        st.check(LibC.setsockopt(st.segment, fd, SOL_PACKET, option, ringRequest(req, size), (int) TPACKET_REQ.byteSize()),
                "setsockopt(" + what + ", " + interfaceName + ")", ringHint(size.bytes()));
    }

    /** The handle of one field of a set-up struct (the layout caches it). */
    private static VarHandle field(StructLayout struct, String name) {
        return struct.varHandle(MemoryLayout.PathElement.groupElement(name));
    }

    /**
     * Asks the kernel to send the TX ring's queued slots, without waiting; false if it refused.
     * Without errno: the kick is rare enough that a capturing call would run uncompiled and
     * allocate.
     */
    boolean kick() {
        return LibC.sendto(fd, MemorySegment.NULL, 0, LibC.MSG_DONTWAIT, MemorySegment.NULL, 0) >= 0;
    }

    /**
     * Frames the kernel dropped for a full RX ring since the last call, from PACKET_STATISTICS
     * (reading it clears it, and the TP_STATUS_LOSING mark with it); 0 if the call failed.
     */
    long readDrops() {
        statsLength.set(JAVA_INT, 0, (int) TPACKET_STATS.byteSize());
        if (LibC.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, stats, statsLength) != 0) {
            return 0;
        }
        return Integer.toUnsignedLong(stats.get(JAVA_INT, TP_DROPS));
    }

    /**
     * Reads (so clears) the socket's pending error. ENETDOWN when the link went down is
     * survivable (frames flow again once it is up); false when the interface is gone (deleted,
     * or moved to another namespace). (An interface deleted while already down raises no error:
     * the socket just stays silent.)
     */
    boolean clearError() {
        errorLength.set(JAVA_INT, 0, 4);
        errorValue.set(JAVA_INT, 0, 0);
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, errorValue, errorLength) != 0) {
            return false;
        }
        int error = errorValue.get(JAVA_INT, 0);
        if (error == Errno.ENETDOWN || error == Errno.ENODEV || error == 0) {
            // Asked through the packet socket itself, so in the socket's namespace, whichever
            // namespace this thread is in.
            return LibC.ioctl(fd, InterfaceControl.SIOCGIFINDEX, indexRequest) == 0
                    && indexRequest.get(JAVA_INT, InterfaceControl.IFR_UNION) == link.index();
        }
        return true;
    }

    /**
     * Sends {@code frame} on the socket for large frames with one {@code writev} of its vnet
     * header (with {@code hdr_len} {@code linearLength}) and its bytes. Returns 0 when the kernel
     * took it, else the errno.
     */
    int sendOversize(PacketBuffer frame, int linearLength) {
        VirtioNetHeader.writeLegacy(frame, sendHeader, 0);
        sendHeader.set(JAVA_SHORT_UNALIGNED, VirtioNetHeader.HDR_LEN, (short) linearLength);
        sendIov.set(JAVA_LONG, IOVEC_SIZE + IOV_BASE, frame.segment().address());
        sendIov.set(JAVA_LONG, IOVEC_SIZE + IOV_LEN, frame.length());
        if (LibC.writev(sendState.segment, sendFd, sendIov, 2) < 0) {
            return sendState.errno();
        }
        return 0;
    }

    /** Unmaps the rings and closes both sockets. Once, after the data plane stopped using them. */
    void close() {
        CallState st = new CallState();
        LibC.munmap(st.segment, mappingAddress, mappingSize);
        LibC.close(st.segment, fd);
        if (sendFd != -1) {
            LibC.close(st.segment, sendFd);
        }
    }
}
