package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.jnat.device.FrameBatch;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.runtime.Counters;
import org.jnat.wire.EthernetFrame;

/**
 * {@code tap:NAME}: a Linux TAP device (Documentation/networking/tuntap.rst). jnat is the "wire"
 * side; the kernel sees an ordinary Ethernet interface called NAME.
 *
 * <p>Opened with {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR}, non-blocking, with a 12-byte
 * {@link VirtioNetHeader} before every frame in both directions. The device is created if absent
 * (it disappears again when closed unless it was made persistent beforehand with
 * {@code ip tuntap add NAME mode tap}), and its link is brought up.
 *
 * <h2>Receive (kernel to jnat)</h2>
 * {@code TUNSETOFFLOAD} is asked for {@code TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN}
 * plus {@code TUN_F_USO4 | TUN_F_USO6} when the kernel has them (6.2 and later; older kernels
 * refuse with EINVAL and jnat asks again without). So the kernel may hand over frames with a
 * <em>partial checksum</em> ({@code flags & F_NEEDS_CSUM}, {@code checksumStart} counted from the
 * first byte of the Ethernet header) and <em>GSO super-packets</em> up to 64 KiB
 * ({@code gsoType} TCPV4, TCPV6 or UDP_L4, {@code gsoSize} the MSS). See {@link VirtioNetHeader}
 * for the exact meaning; the router must finish the checksum or segment the frame before sending
 * it anywhere that does not take offloads. {@link #receiveOffloadFlags()} tells what was agreed.
 *
 * <h2>Transmit (jnat to kernel)</h2>
 * The slot's offload fields become the frame's virtio_net_hdr; all zero is an ordinary, fully
 * checksummed frame. The kernel accepts partial checksums and TCP GSO super-packets from a TAP
 * always, and UDP_L4 GSO when it accepted USO above: that is what {@link #offloads()} reports.
 * {@code headerLength} may be 0 for GSO frames (the kernel works it out); {@code checksumStart}
 * and {@code checksumOffset} are required with NEEDS_CSUM.
 *
 * <h2>MAC address</h2>
 * The TAP's own MAC is the kernel side's; jnat is a different station on the link, so
 * {@link #macAddress()} is −1 and the router uses its configured (or generated) MAC. The kernel
 * accepts frames to any destination MAC from a TAP, and sends to the router's MAC once ARP
 * resolves it.
 *
 * <h2>Allocation</h2>
 * Each read and write captures errno (EAGAIN ends a batch; other errors are counted apart), and
 * a capturing FFM call allocates a few dozen bytes until the JIT's top tier has compiled it. Per
 * frame calls get there within the first thousands of frames; from then on the packet path
 * allocates nothing ({@code SteadyStateAllocationIT}).
 *
 * <p>Threads: {@link #receive} and {@link #transmit} from the data-plane thread only;
 * {@link #close()} once that thread has stopped using the device.
 */
public final class TapDevice implements PollableDevice {
    static final long TUNSETIFF = 0x400454caL, TUNSETOFFLOAD = 0x400454d0L, TUNSETVNETHDRSZ = 0x400454d8L,
            TUNGETFEATURES = 0x800454cfL;
    static final int IFF_TAP = 0x0002, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;
    /** TUNSETOFFLOAD bits (include/uapi/linux/if_tun.h). */
    public static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_TSO_ECN = 0x08,
            TUN_F_USO4 = 0x20, TUN_F_USO6 = 0x40;

    private static final String TUN_PATH = "/dev/net/tun";
    /** The kernel-side queue length jnat sets on its TAPs (txqueuelen), if it is shorter. */
    public static final int QUEUE_LENGTH = 4096;
    /** The largest frame a TAP read can return: a 64 KiB GSO packet plus its Ethernet header. */
    static final int MAX_FRAME = 65535 + EthernetFrame.TAGGED_HEADER_LENGTH;

    private final String interfaceName;
    private final String name;
    private final int fd;
    private final int mtu;
    private final int receiveOffloadFlags;
    private final Offloads offloads;

    // Per-call scratch, made once: errno capture, iovecs for each direction, two headers, and
    // where the tail of a frame longer than its slot goes, so that it can be seen and dropped.
    private final CallState state;
    private final MemorySegment rxIov;
    private final MemorySegment rxHeader;
    private final MemorySegment rxOverflow;
    private final MemorySegment txIov;
    private final MemorySegment txHeader;

    private final Counters counters;
    private final Count count;
    private volatile boolean closed;

    /** The counters of one TAP, {@code linux.tap.NAME.*}: registered once, at open. */
    static final class Count {
        final int rxFrames, rxTruncated, rxErrors, txFrames, txDropped, txErrors;

        Count(Counters counters, String interfaceName) {
            String prefix = "linux.tap." + interfaceName + ".";
            String name = "tap:" + interfaceName;
            rxFrames = counters.register(prefix + "rx_frames", "frames read from " + name);
            rxTruncated = counters.register(prefix + "rx_truncated", "frames from " + name + " larger than the slot or shorter than a header, dropped");
            rxErrors = counters.register(prefix + "rx_errors", "read errors on " + name + " other than EAGAIN");
            txFrames = counters.register(prefix + "tx_frames", "frames written to " + name);
            txDropped = counters.register(prefix + "tx_dropped", "frames to " + name + " dropped because the kernel queue was full");
            txErrors = counters.register(prefix + "tx_errors", "write errors on " + name + " (bad offload metadata, device down)");
        }
    }

    private TapDevice(String interfaceName, int fd, int mtu, int receiveOffloadFlags, Counters counters) {
        this.interfaceName = interfaceName;
        this.name = "tap:" + interfaceName;
        this.fd = fd;
        this.mtu = mtu;
        this.receiveOffloadFlags = receiveOffloadFlags;
        boolean uso = (receiveOffloadFlags & TUN_F_USO4) != 0;
        this.offloads = new Offloads(true, true, true, uso);
        Arena arena = Arena.ofAuto();
        state = new CallState(arena);
        rxIov = arena.allocate(48, 8);
        rxHeader = arena.allocate(VirtioNetHeader.SIZE, 8);
        rxOverflow = arena.allocate(MAX_FRAME, 8);
        txIov = arena.allocate(32, 8);
        txHeader = arena.allocate(VirtioNetHeader.SIZE, 8);
        // struct iovec[3] for a read: the header scratch, the slot (set per read), the overflow.
        rxIov.set(JAVA_LONG, 0, rxHeader.address());
        rxIov.set(JAVA_LONG, 8, VirtioNetHeader.SIZE);
        rxIov.set(JAVA_LONG, 32, rxOverflow.address());
        txIov.set(JAVA_LONG, 0, txHeader.address());
        txIov.set(JAVA_LONG, 8, VirtioNetHeader.SIZE);
        this.counters = counters;
        this.count = new Count(counters, interfaceName);
    }

    /** Every receive offload jnat asks for: checksum, TSO (v4, v6, ECN) and USO. */
    public static final int ALL_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6;

    /** Opens (creating if absent) TAP {@code interfaceName} with all offloads, brings it up, leaves its MTU as is. */
    public static TapDevice open(String interfaceName, Counters counters) {
        return open(interfaceName, 0, ALL_OFFLOADS, counters);
    }

    /** As {@link #open(String, int, int, Counters)} with {@link #ALL_OFFLOADS}. */
    public static TapDevice open(String interfaceName, int mtu, Counters counters) {
        return open(interfaceName, mtu, ALL_OFFLOADS, counters);
    }

    /**
     * Opens (creating if absent) TAP {@code interfaceName}, sets its MTU when {@code mtu > 0},
     * and brings it up. {@code receiveOffloads} is the set of TUN_F_* bits to ask for: what the
     * kernel may hand over (0: complete checksums and wire-sized frames only, the kernel does the
     * work; {@link #ALL_OFFLOADS}: partial checksums and GSO super-packets). Throws
     * {@link SystemCallException} or {@link IllegalArgumentException} with a message that says
     * what to do.
     */
    public static TapDevice open(String interfaceName, int mtu, int receiveOffloads, Counters counters) {
        InterfaceName.check(interfaceName);
        CallState st = new CallState();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = st.check(LibC.open(st.segment, LibC.cString(arena, TUN_PATH), LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0),
                    "open(" + TUN_PATH + ")", TapDevice::openHint);
        }
        try {
            int offloadFlags = configure(st, fd, interfaceName, receiveOffloads & ALL_OFFLOADS);
            int effectiveMtu;
            try (InterfaceControl control = new InterfaceControl(interfaceName)) {
                if (mtu > 0) {
                    control.mtu(mtu);
                }
                // The kernel queues frames for us in a ring of txqueuelen entries (1000 by
                // default) and drops when it is full: a TCP window arriving while the data plane
                // is busy overflows it. A longer queue costs only pointers.
                if (control.transmitQueueLength() < QUEUE_LENGTH) {
                    control.transmitQueueLength(QUEUE_LENGTH);
                }
                control.up();
                effectiveMtu = control.mtu();
            }
            return new TapDevice(interfaceName, fd, effectiveMtu, offloadFlags, counters);
        } catch (RuntimeException e) {
            LibC.close(st.segment, fd);
            throw e;
        }
    }

    static final int AF_UNIX = 1, SOCK_SEQPACKET = 5, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000;

    /**
     * Two TAP devices joined by an AF_UNIX SOCK_SEQPACKET socket pair instead of a kernel TAP:
     * what one transmits (virtio_net_hdr and frame, one message) the other receives, one frame a
     * read, as from a TAP. No interface, nothing on any wire. The start-up JIT warm-up's links
     * ({@code [dataplane] warm-up}): a private router over them meets this class at its device
     * call sites, as the real router will, so the warm-up leaves no other class in their type
     * profiles. Both ends take the offloads of a TAP that agreed {@code receiveOffloadFlags}.
     */
    public static TapDevice[] socketPair(String name, int mtu, int receiveOffloadFlags, Counters counters) {
        CallState st = new CallState();
        int[] fd = new int[2];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(8, 4);
            st.check(LibC.socketpair(st.segment, AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds),
                    "socketpair(AF_UNIX, SOCK_SEQPACKET)", e -> null);
            fd[0] = fds.get(JAVA_INT, 0);
            fd[1] = fds.get(JAVA_INT, 4);
        }
        return new TapDevice[] {new TapDevice(name + "-a", fd[0], mtu, receiveOffloadFlags, counters),
            new TapDevice(name + "-b", fd[1], mtu, receiveOffloadFlags, counters)};
    }

    private static String openHint(int errno) {
        return switch (errno) {
            case Errno.ENOENT -> TUN_PATH + " is missing: run modprobe tun (or mknod /dev/net/tun c 10 200)";
            case Errno.ENODEV, Errno.ENXIO -> "the kernel has no TUN/TAP driver: run modprobe tun";
            case Errno.EACCES -> TUN_PATH + " is not readable and writable by this user: run as root, or chmod 0666 "
                    + TUN_PATH + " (its usual mode) and give the process CAP_NET_ADMIN";
            case Errno.EPERM -> Errno.needPrivilege("CAP_NET_ADMIN");
            default -> null;
        };
    }

    /** TUNSETIFF, TUNSETVNETHDRSZ, TUNSETOFFLOAD; returns the offload bits the kernel took. */
    private static int configure(CallState st, int fd, String interfaceName, int wanted) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(InterfaceControl.IFREQ_SIZE, 8);
            byte[] bytes = interfaceName.getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(bytes, 0, ifreq, JAVA_BYTE, 0, bytes.length);
            ifreq.set(JAVA_SHORT, InterfaceControl.IFR_UNION, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
            st.check(LibC.ioctl(st.segment, fd, TUNSETIFF, ifreq), "ioctl(TUNSETIFF, " + interfaceName + ")",
                    errno -> setIffHint(errno, interfaceName));

            MemorySegment size = arena.allocate(JAVA_INT);
            size.set(JAVA_INT, 0, VirtioNetHeader.SIZE);
            st.check(LibC.ioctl(st.segment, fd, TUNSETVNETHDRSZ, size), "ioctl(TUNSETVNETHDRSZ, " + interfaceName + ")", null);

            // Kernels before 6.2 do not know USO and refuse the whole set with EINVAL: ask again
            // without it, then with the checksum offload alone; no offload at all still works.
            // (TSO needs CSUM: the kernel refuses TSO bits without it.)
            int[] attempts = {wanted, wanted & ~(TUN_F_USO4 | TUN_F_USO6), wanted & TUN_F_CSUM, 0};
            for (int flags : attempts) {
                if (LibC.ioctl(st.segment, fd, TUNSETOFFLOAD, flags) == 0) {
                    return flags;
                }
            }
            throw new SystemCallException("ioctl(TUNSETOFFLOAD, " + interfaceName + ")", st.errno(), null);
        }
    }

    private static String setIffHint(int errno, String interfaceName) {
        return switch (errno) {
            case Errno.EPERM, Errno.EACCES -> Errno.needPrivilege("CAP_NET_ADMIN")
                    + ", or create it for your user first: ip tuntap add " + interfaceName + " mode tap user $USER";
            case Errno.EBUSY -> "TAP " + interfaceName + " is already open in another process or has other flags "
                    + "(multi_queue): stop that process, delete it (ip link del " + interfaceName + ") or choose another name";
            case Errno.EINVAL -> interfaceName + " exists and is not a TAP device: choose another name or delete it";
            default -> null;
        };
    }

    @Override
    public String name() {
        return name;
    }

    /** The kernel's name for the interface, e.g. {@code jnat0}. */
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public int fd() {
        return fd;
    }

    /**
     * Reads frames until the kernel has none left (EAGAIN) or the batch is full. Each frame is
     * read with one readv into a header scratch and the slot; the slot gets the frame at offset 0
     * and the header's offload fields. A frame longer than the slot (a GSO super-packet into
     * MTU-sized slots) is counted in {@code rx_truncated} and dropped. Never throws; errors are
     * counted and end the batch.
     */
    @Override
    public int receive(FrameBatch batch) {
        int n = 0;
        int capacity = batch.capacity();
        while (n < capacity) {
            PacketBuffer slot = batch.own(n);
            long room = Math.min(slot.capacity(), MAX_FRAME);
            rxIov.set(JAVA_LONG, 16, slot.segment().address());
            rxIov.set(JAVA_LONG, 24, room);
            // A read returns at most what the buffers hold, silently cutting a longer frame: the
            // overflow buffer takes the rest, so a frame longer than the slot shows as such.
            rxIov.set(JAVA_LONG, 40, MAX_FRAME - room);
            long read = LibC.readv(state.segment, fd, rxIov, room == MAX_FRAME ? 2 : 3);
            if (read < 0) {
                int errno = state.errno();
                if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                    counters.increment(count.rxErrors);
                }
                break;
            }
            long frameLength = read - VirtioNetHeader.SIZE;
            if (frameLength < EthernetFrame.HEADER_LENGTH || frameLength > room) {
                counters.increment(count.rxTruncated);
                continue;
            }
            VirtioNetHeader.read(rxHeader, 0, slot);
            slot.length((int) frameLength);
            n++;
        }
        batch.count(n);
        if (n > 0) {
            counters.add(count.rxFrames, n);
        }
        return n;
    }

    /** Writes the slot's virtio_net_hdr and frame with one writev. False if the kernel refused it. */
    @Override
    public boolean transmit(PacketBuffer frame) {
        VirtioNetHeader.write(frame, txHeader, 0);
        txIov.set(JAVA_LONG, 16, frame.segment().address());
        txIov.set(JAVA_LONG, 24, frame.length());
        long written = LibC.writev(state.segment, fd, txIov, 2);
        if (written < 0) {
            int errno = state.errno();
            counters.increment(errno == Errno.EAGAIN || errno == Errno.ENOBUFS ? count.txDropped : count.txErrors);
            return false;
        }
        counters.increment(count.txFrames);
        return true;
    }

    /** The MTU when the device was opened. */
    @Override
    public int mtu() {
        return mtu;
    }

    /** What the device takes on transmit; see the class comment. */
    @Override
    public Offloads offloads() {
        return offloads;
    }

    /**
     * The TUN_F_* bits the kernel accepted with TUNSETOFFLOAD: the offloads that frames
     * <em>received</em> from this device may carry.
     */
    public int receiveOffloadFlags() {
        return receiveOffloadFlags;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            LibC.close(new CallState().segment, fd);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
