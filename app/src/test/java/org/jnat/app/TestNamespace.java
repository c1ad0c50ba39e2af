package org.jnat.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.config.RouterConfig;
import org.jnat.linux.NetNamespace;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace of its own for a test that runs a {@link RouterRuntime} in this JVM on two TAP
 * devices (inside {@code PREFIX + "i" + suffix}, outside {@code PREFIX + "o" + suffix}), with
 * loopback up and no IPv6 (whose solicitations would wake the router). Skips the test, saying why,
 * without root, /dev/net/tun or the ip tool. Deleted on close.
 */
record TestNamespace(String name, String insideTap, String outsideTap) implements AutoCloseable {

    /** A fresh namespace named {@code prefix} + a random suffix; {@code prefix} is 2-4 letters. */
    static TestNamespace create(Class<?> test, String prefix) throws IOException, InterruptedException {
        String why = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            why = "needs root to create a network namespace and TAP devices; run the tests as root";
        } else if (!Files.exists(Path.of("/dev/net/tun"))) {
            why = "/dev/net/tun is missing: modprobe tun";
        } else if (run("ip", "-V") != 0) {
            why = "needs the 'ip' tool: apt-get install iproute2";
        }
        if (why != null) {
            System.out.println("SKIPPED " + test.getSimpleName() + ": " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        TestNamespace ns = new TestNamespace(prefix + suffix, prefix.substring(0, 2) + "i" + suffix,
                prefix.substring(0, 2) + "o" + suffix);
        must("ip", "netns", "add", ns.name());
        must("ip", "netns", "exec", ns.name(), "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        must("ip", "netns", "exec", ns.name(), "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** The router config for the two TAPs: inside 192.168.1.1/24, outside 203.0.113.1/24 via .254; then {@code extra}. */
    RouterConfig config(String extra) throws ConfigException {
        String toml = """
                [inside]
                device  = "tap:%s"
                address = "192.168.1.1/24"

                [outside]
                device  = "tap:%s"
                address = "203.0.113.1/24"
                gateway = "203.0.113.254"
                %s
                """.formatted(insideTap, outsideTap, extra);
        return ConfigLoader.parse(toml, name + ".toml").config();
    }

    /** The router of {@code config}, its devices opened in this namespace, started. */
    RouterRuntime start(RouterConfig config) throws RouterRuntime.StartupException {
        RouterRuntime runtime = NetNamespace.call(name, () -> RouterRuntime.open(config));
        try {
            runtime.start();
        } catch (RouterRuntime.StartupException e) {
            runtime.close();
            throw e;
        }
        return runtime;
    }

    /** {@code ip -n NAME args...}; throws if it fails. */
    void ip(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 3];
        command[0] = "ip";
        command[1] = "-n";
        command[2] = name;
        System.arraycopy(args, 0, command, 3, args.length);
        must(command);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("ip", "netns", "del", name);
    }

    static void must(String... command) throws IOException, InterruptedException {
        if (run(command) != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", command));
        }
    }

    static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
