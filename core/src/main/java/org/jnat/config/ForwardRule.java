package org.jnat.config;

/**
 * A port forward ({@code [[forward]]}): inbound {@code protocol} traffic to the public address on
 * ports {@code portLow..portHigh} goes to {@code toAddress}, port {@code toPort + (port - portLow)}
 * when {@code toPort} is set, else the same port.
 *
 * @param protocol  {@link org.jnat.wire.IpProtocol#TCP} or {@link org.jnat.wire.IpProtocol#UDP} (6 or 17)
 * @param toPort    the first inside port, or 0 to keep the public port
 */
public record ForwardRule(int protocol, int portLow, int portHigh, int toAddress, int toPort) {
    public boolean matches(int protocol, int port) {
        return this.protocol == protocol && port >= portLow && port <= portHigh;
    }

    /** The inside port that public port {@code port} is forwarded to. */
    public int insidePort(int port) {
        return toPort == 0 ? port : toPort + (port - portLow);
    }
}
