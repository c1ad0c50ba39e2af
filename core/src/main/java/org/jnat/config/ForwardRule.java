package org.jnat.config;

/**
 * A port forward ({@code [[forward]]}): inbound {@code protocol} traffic to the public address on
 * ports {@code portLow..portHigh} goes to {@code toAddress}, port {@code toPort + (port - portLow)}
 * when {@code toPort} is set, else the same port.
 *
 * @param protocol  {@link org.jnat.wire.IpProtocol#TCP} or {@link org.jnat.wire.IpProtocol#UDP} (6 or 17)
 * @param toPort    the first inside port, or 0 to keep the public port
 * @param address   the public address (of the pool) it applies to, or 0 for every one
 */
public record ForwardRule(int protocol, int portLow, int portHigh, int toAddress, int toPort, int address) {
    /** A forward on every public address. */
    public ForwardRule(int protocol, int portLow, int portHigh, int toAddress, int toPort) {
        this(protocol, portLow, portHigh, toAddress, toPort, 0);
    }

    /** True if it applies to public address {@code publicAddress}. */
    public boolean appliesTo(int publicAddress) {
        return address == 0 || address == publicAddress;
    }

    public boolean matches(int protocol, int port) {
        return this.protocol == protocol && port >= portLow && port <= portHigh;
    }

    /** The inside port that public port {@code port} is forwarded to. */
    public int insidePort(int port) {
        return toPort == 0 ? port : toPort + (port - portLow);
    }
}
