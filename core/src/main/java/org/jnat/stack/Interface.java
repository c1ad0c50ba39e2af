package org.jnat.stack;

import org.jnat.config.InterfaceConfig;
import org.jnat.device.NetDevice;
import org.jnat.wire.Ipv4Address;
import org.jnat.wire.MacAddress;

/**
 * One side of the router: a device, the router's MAC on it, and the router's IPv4 address with the
 * connected prefix.
 */
public final class Interface {
    private final int side;
    private final NetDevice device;
    private final long mac;
    private final int address;
    private final int prefixLength;
    private final int mask;
    private int mtu;

    public Interface(int side, NetDevice device, long mac, int address, int prefixLength, int mtu) {
        mtu(mtu);
        this.side = side;
        this.device = device;
        this.mac = mac;
        this.address = address;
        this.prefixLength = prefixLength;
        this.mask = Ipv4Address.mask(prefixLength);
    }

    /**
     * The interface for one side of a config. The MAC is the config's, else the device's own, else a
     * locally administered one derived from the address (stable across restarts). The MTU is the
     * smaller of the config's and the device's.
     */
    public static Interface of(int side, InterfaceConfig config, NetDevice device) {
        long mac = config.mac() >= 0 ? config.mac()
                : device.macAddress() >= 0 ? device.macAddress()
                : MacAddress.locallyAdministered(((long) side << 32) | (config.address() & 0xffff_ffffL));
        return new Interface(side, device, mac, config.address(), config.prefixLength(), mtu(config, device));
    }

    /** The MTU of a side: the smaller of the config's and the device's. */
    public static int mtu(InterfaceConfig config, NetDevice device) {
        int mtu = config.mtu() > 0 ? config.mtu() : InterfaceConfig.DEFAULT_MTU;
        return device.mtu() > 0 ? Math.min(mtu, device.mtu()) : mtu;
    }

    public int side() {
        return side;
    }

    public String name() {
        return Side.name(side);
    }

    public NetDevice device() {
        return device;
    }

    public long mac() {
        return mac;
    }

    public int address() {
        return address;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public int network() {
        return address & mask;
    }

    /** The directed broadcast address of the connected prefix (all host bits set). */
    public int broadcast() {
        return prefixLength >= 31 ? -1 : address | ~mask;
    }

    /** The largest IPv4 packet one frame carries on this link. */
    public int mtu() {
        return mtu;
    }

    /** Sets the MTU (set-up time only: a router's reset). */
    public void mtu(int mtu) {
        if (mtu < 68) {
            // RFC 791: every internet module must be able to forward a datagram of 68 octets.
            throw new IllegalArgumentException("MTU " + mtu + " is below the IPv4 minimum of 68");
        }
        this.mtu = mtu;
    }

    /** Whether {@code a} is on this side's connected prefix. */
    public boolean onLink(int a) {
        return (a & mask) == (address & mask);
    }

    @Override
    public String toString() {
        return name() + " " + Ipv4Address.toString(address) + "/" + prefixLength + " " + MacAddress.toString(mac)
                + " mtu " + mtu + " on " + device.name();
    }
}
