package org.jnat.device;

/**
 * A device that wraps another, in the style of smoltcp's {@code phy} middleware: what it does
 * not change it asks of the device it wraps (name, MTU, address, offloads, closing), so that a
 * decorator says only what it adds to receiving and transmitting.
 */
public abstract class DeviceDecorator implements NetDevice {
    private final NetDevice inner;

    protected DeviceDecorator(NetDevice inner) {
        this.inner = inner;
    }

    /** The device this one wraps. */
    public final NetDevice inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public int mtu() {
        return inner.mtu();
    }

    @Override
    public long macAddress() {
        return inner.macAddress();
    }

    @Override
    public Offloads offloads() {
        return inner.offloads();
    }

    @Override
    public void close() {
        inner.close();
    }
}
