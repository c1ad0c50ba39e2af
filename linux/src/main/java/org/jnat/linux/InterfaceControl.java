package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Set-up ioctls on one interface through an AF_INET datagram socket (netdevice(7)): link flags,
 * MTU, hardware address, index. Must be made in the network namespace the interface lives in.
 * Everything here allocates and throws: set-up only.
 */
final class InterfaceControl implements AutoCloseable {
    static final long SIOCGIFFLAGS = 0x8913, SIOCSIFFLAGS = 0x8914, SIOCGIFMTU = 0x8921, SIOCSIFMTU = 0x8922,
            SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFTXQLEN = 0x8942, SIOCSIFTXQLEN = 0x8943,
            SIOCETHTOOL = 0x8946;
    static final int IFF_UP = 0x1, IFF_RUNNING = 0x40, IFF_PROMISC = 0x100;
    /** sizeof(struct ifreq) on 64-bit Linux: 16 name bytes and a 24-byte union. */
    static final int IFREQ_SIZE = 40;
    /** Offset of the union (ifr_flags, ifr_mtu, ifr_hwaddr, ifr_ifindex) in struct ifreq. */
    static final int IFR_UNION = 16;

    private final String name;
    private final Arena arena = Arena.ofConfined();
    private final CallState state = new CallState(arena);
    private final MemorySegment ifreq;
    private final int fd;
    /** Whether {@link #close()} closes {@link #fd}: not when it is a socket of the caller's. */
    private final boolean ownsSocket;

    InterfaceControl(String interfaceName) {
        this.name = InterfaceName.check(interfaceName);
        ifreq = arena.allocate(IFREQ_SIZE, 8);
        int socket = LibC.socket(state.segment, LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (socket < 0) {
            int errno = state.errno();
            arena.close();
            throw new SystemCallException("socket(AF_INET, SOCK_DGRAM)", errno, null);
        }
        fd = socket;
        ownsSocket = true;
    }

    /**
     * Controls {@code interfaceName} through {@code socket}, an open socket of the caller's that
     * stays open: the interface is looked up in that socket's network namespace, whichever
     * namespace the calling thread is in (a device closed from another thread finds its own).
     */
    InterfaceControl(String interfaceName, int socket) {
        this.name = InterfaceName.check(interfaceName);
        ifreq = arena.allocate(IFREQ_SIZE, 8);
        fd = socket;
        ownsSocket = false;
    }

    private MemorySegment request() {
        ifreq.fill((byte) 0);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, ifreq, JAVA_BYTE, 0, bytes.length);
        return ifreq;
    }

    private void ioctl(long request, String what, String capability) {
        state.check(LibC.ioctl(state.segment, fd, request, ifreq), "ioctl(" + what + ", " + name + ")",
                Errno.onInterface(name, capability));
    }

    int flags() {
        request();
        ioctl(SIOCGIFFLAGS, "SIOCGIFFLAGS", "CAP_NET_ADMIN");
        return Short.toUnsignedInt(ifreq.get(JAVA_SHORT, IFR_UNION));
    }

    void flags(int flags) {
        request();
        ifreq.set(JAVA_SHORT, IFR_UNION, (short) flags);
        ioctl(SIOCSIFFLAGS, "SIOCSIFFLAGS", "CAP_NET_ADMIN");
    }

    /** Sets IFF_UP if it is not set yet. */
    void up() {
        int flags = flags();
        if ((flags & IFF_UP) == 0) {
            flags(flags | IFF_UP);
        }
    }

    int mtu() {
        request();
        ioctl(SIOCGIFMTU, "SIOCGIFMTU", "CAP_NET_ADMIN");
        return ifreq.get(JAVA_INT, IFR_UNION);
    }

    void mtu(int mtu) {
        request();
        ifreq.set(JAVA_INT, IFR_UNION, mtu);
        ioctl(SIOCSIFMTU, "SIOCSIFMTU", "CAP_NET_ADMIN");
    }

    /** The length of the interface's transmit queue (txqueuelen), in frames. */
    int transmitQueueLength() {
        request();
        ioctl(SIOCGIFTXQLEN, "SIOCGIFTXQLEN", "CAP_NET_ADMIN");
        return ifreq.get(JAVA_INT, IFR_UNION);
    }

    void transmitQueueLength(int frames) {
        request();
        ifreq.set(JAVA_INT, IFR_UNION, frames);
        ioctl(SIOCSIFTXQLEN, "SIOCSIFTXQLEN", "CAP_NET_ADMIN");
    }

    /** The hardware address as the low 48 bits of a long (first octet in the top byte). */
    long hardwareAddress() {
        request();
        ioctl(SIOCGIFHWADDR, "SIOCGIFHWADDR", "CAP_NET_ADMIN");
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            // ifr_hwaddr is a struct sockaddr: 2 bytes of family, then the address.
            mac = (mac << 8) | Byte.toUnsignedLong(ifreq.get(JAVA_BYTE, IFR_UNION + 2 + i));
        }
        return mac;
    }

    /**
     * Runs the ethtool command at {@code command} (its {@code struct ethtool_*}, which the kernel
     * reads and fills) on the interface: SIOCETHTOOL, as {@code ethtool} does. {@code what} names
     * the command in the error.
     */
    void ethtool(MemorySegment command, String what) {
        request();
        // ifr_data: a pointer to the command, in the union.
        ifreq.set(java.lang.foreign.ValueLayout.ADDRESS, IFR_UNION, command);
        ioctl(SIOCETHTOOL, "SIOCETHTOOL " + what, "CAP_NET_ADMIN");
    }

    int index() {
        request();
        ioctl(SIOCGIFINDEX, "SIOCGIFINDEX", "CAP_NET_ADMIN");
        return ifreq.get(JAVA_INT, IFR_UNION);
    }

    @Override
    public void close() {
        if (ownsSocket) {
            LibC.close(state.segment, fd);
        }
        arena.close();
    }
}
