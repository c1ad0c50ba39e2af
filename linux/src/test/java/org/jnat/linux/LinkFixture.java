package org.jnat.linux;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up the device tests share: a throwaway namespace ({@link TestNamespace}) with a link whose kernel
 * side has an address, and the devices a test class opens there, closed (last opened first)
 * before the namespace is deleted. A test class registers one as a static
 * {@code @RegisterExtension} field: the namespace exists before its {@code @BeforeAll} methods
 * run (or the class is skipped, saying why, when it cannot be made) and is gone after the class.
 */
final class LinkFixture implements BeforeAllCallback, AfterAllCallback {
    /** A veth pair: the device under test binds to {@code ours}; the kernel owns {@code peer}. */
    record Veth(String ours, String peer) {
    }

    /** The namespace, from before the class's {@code @BeforeAll} methods on. */
    TestNamespace lab;
    private final String[] tools;
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** A fixture that needs root with ip and {@code tools}. */
    LinkFixture(String... tools) {
        this.tools = tools;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        TestNamespace.assumeRoot(tools);
        lab = TestNamespace.create();
    }

    /**
     * A veth pair named {@code oursPrefix} and {@code peerPrefix} plus the namespace's suffix; the
     * peer is up with {@code peerAddress} (a prefix), ours has no address.
     */
    Veth veth(String oursPrefix, String peerPrefix, String peerAddress) {
        Veth veth = new Veth(oursPrefix + lab.suffix, peerPrefix + lab.suffix);
        lab.inside("ip", "link", "add", veth.ours(), "type", "veth", "peer", "name", veth.peer());
        lab.inside("ip", "link", "set", veth.peer(), "up");
        lab.inside("ip", "addr", "add", peerAddress, "dev", veth.peer());
        return veth;
    }

    /**
     * A TAP named {@code prefix} plus the namespace's suffix, MTU 1500, with all offloads; the
     * kernel side has {@code kernelAddress} (a prefix) and the namespace's loopback is up.
     */
    TapDevice tap(String prefix, String kernelAddress, Counters counters) {
        String name = prefix + lab.suffix;
        TapDevice tap = open(() -> TapDevice.open(name, 1500, counters));
        lab.inside("ip", "addr", "add", kernelAddress, "dev", name);
        lab.inside("ip", "link", "set", "lo", "up");
        return tap;
    }

    /** Opens a device inside the namespace; {@link #close()} closes it. */
    <T extends AutoCloseable> T open(Callable<T> device) {
        T opened = NetNamespace.call(lab.namespace, device);
        this.opened.push(opened);
        return opened;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                System.out.println("could not close a device: " + e.getMessage());
            }
        }
        if (lab != null) {
            lab.close();
        }
    }
}
