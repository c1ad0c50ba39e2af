package org.jnat.app.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The reference topology of DESIGN section 7, built from network namespaces, veth pairs and real
 * Linux hosts, for the demo, the end-to-end tests and the comparison with the kernel's NAT:
 *
 * <pre>
 *   cl (192.168.1.10, .11 / 24, gw .1)
 *    │ c0
 *    │            rt: jnat (192.168.1.1 | 203.0.113.1), or the kernel's nftables NAT
 *    │ i0
 *   isp (203.0.113.254/24 | 198.51.100.1/24) ── i1 ═ MTU 1400 ═ s0 ── sv (198.51.100.10, .11)
 * </pre>
 *
 * <p>Three ways to fill the router's place ({@link Mode}): jnat on TAP devices (the TAPs' kernel
 * ends become cl's c0 and isp's i0), jnat on AF_PACKET sockets over veths in namespace rt, or the
 * kernel itself with the nftables rules that produced the captures in {@code vectors/linux-nat}.
 *
 * <p>Every namespace name starts with a prefix unique to this lab, so labs may run side by side;
 * {@link #close()} deletes them all, and {@link #create} first removes leftovers of a crashed run
 * with the same prefix. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
 */
public final class Lab implements AutoCloseable {

    /** Who does the NAT in rt. */
    public enum Mode {
        /** jnat on two TAP devices, whose kernel sides are moved into cl and isp. */
        TAP,
        /** jnat on AF_PACKET sockets bound to r0 and r1, veth ends in namespace rt. */
        AFPACKET,
        /** The kernel's own NAT: nftables masquerade and a DNAT for the port forward. */
        KERNEL,
        /**
         * slirp4netns ({@code --mtu=65520}), a userspace peer: it runs in rt, whose address
         * 203.0.113.1 is on r1, and gives cl a TAP device of its own (10.0.2.100, gateway
         * 10.0.2.2); cl's connections leave as rt's own sockets. No port forward.
         */
        SLIRP4NETNS,
        /**
         * pasta (Debian passt), the other userspace peer, in rt like slirp4netns: cl gets a
         * copy of rt's outside address and route on a TAP device; as root it needs
         * {@code --runas 0}, and rt's {@code ping_group_range} for ping. No port forward.
         */
        PASTA;

        /** jnat is the router in this mode. */
        public boolean isJnat() {
            return this == TAP || this == AFPACKET;
        }

        /** A userspace peer that takes rt's place: the program it runs, else null. */
        public String peerProgram() {
            return switch (this) {
                case SLIRP4NETNS -> "slirp4netns";
                case PASTA -> "pasta";
                default -> null;
            };
        }
    }

    public static final String CL = "192.168.1.10";
    public static final String CL2 = "192.168.1.11";
    public static final String RT_INSIDE = "192.168.1.1";
    public static final String RT_OUTSIDE = "203.0.113.1";
    public static final String ISP_INSIDE = "203.0.113.254";
    public static final String ISP_OUTSIDE = "198.51.100.1";
    public static final String SV = "198.51.100.10";
    public static final String SV2 = "198.51.100.11";
    /** The port forward of the reference captures: 203.0.113.1:8080 → 192.168.1.10:8000. */
    public static final int FORWARD_PUBLIC_PORT = 8080;
    public static final int FORWARD_INSIDE_PORT = 8000;
    public static final int SV_MTU = 1400;

    private final String prefix;
    private final Mode mode;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private boolean closed;
    /** The userspace peer's process in {@link Mode#SLIRP4NETNS} and {@link Mode#PASTA}, else null. */
    private Process peer;

    private Lab(String prefix, Mode mode) {
        this.prefix = prefix;
        this.mode = mode;
    }

    /** A prefix unlikely to clash with another lab: {@code base} plus four hex digits. */
    public static String uniquePrefix(String base) {
        return base + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xefff));
    }

    /** Why a lab cannot be built here, or null if it can: root and the ip tool are needed. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the lab needs root (network namespaces and veths); run as root, e.g. with sudo";
        }
        if (!Shell.has("ip")) {
            return "the lab needs the 'ip' tool: apt-get install iproute2";
        }
        return null;
    }

    /**
     * Builds the hosts cl, rt, isp and sv. In TAP mode rt is an empty namespace for the jnat
     * process, and cl and isp get no link towards the router until {@link #attachTaps} moves the
     * TAPs' kernel ends into them.
     */
    public static Lab create(String prefix, Mode mode) {
        String why = unavailableReason();
        if (why != null) {
            throw new LabException(why);
        }
        Lab lab = new Lab(prefix, mode);
        lab.removeLeftovers();
        try {
            lab.build();
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    public Mode mode() {
        return mode;
    }

    public String prefix() {
        return prefix;
    }

    /** The namespace name of host {@code host} ("cl", "rt", "isp", "sv"). */
    public String ns(String host) {
        return prefix + "-" + host;
    }

    /** Tap names jnat should create for this lab (at most 15 bytes, IFNAMSIZ). */
    public String insideTapName() {
        return (prefix + "in").substring(0, Math.min(15, prefix.length() + 2));
    }

    public String outsideTapName() {
        return (prefix + "out").substring(0, Math.min(15, prefix.length() + 3));
    }

    private void build() {
        for (String host : List.of("cl", "rt", "isp", "sv")) {
            Shell.must("ip", "netns", "add", ns(host));
            namespaces.add(ns(host));
            // No IPv6: its router and neighbour solicitations are noise in every capture and count.
            sysctl(host, "net.ipv6.conf.all.disable_ipv6=1");
            sysctl(host, "net.ipv6.conf.default.disable_ipv6=1");
            ip(host, "link", "set", "lo", "up");
        }
        // isp ── sv, with MTU 1400 to provoke fragmentation-needed (DESIGN section 7).
        Shell.must("ip", "link", "add", "i1", "netns", ns("isp"), "mtu", "" + SV_MTU, "type", "veth",
                "peer", "name", "s0", "netns", ns("sv"), "mtu", "" + SV_MTU);
        ip("isp", "addr", "add", ISP_OUTSIDE + "/24", "dev", "i1");
        ip("isp", "link", "set", "i1", "up");
        sysctl("isp", "net.ipv4.ip_forward=1");
        ip("sv", "addr", "add", SV + "/24", "dev", "s0");
        ip("sv", "addr", "add", SV2 + "/24", "dev", "s0");
        ip("sv", "link", "set", "s0", "up");
        ip("sv", "route", "add", "default", "via", ISP_OUTSIDE);

        if (mode.peerProgram() != null) {
            buildPeer();
            return;
        }
        if (mode != Mode.TAP) {
            Shell.must("ip", "link", "add", "c0", "netns", ns("cl"), "type", "veth", "peer", "name", "r0",
                    "netns", ns("rt"));
            Shell.must("ip", "link", "add", "i0", "netns", ns("isp"), "type", "veth", "peer", "name", "r1",
                    "netns", ns("rt"));
            configureClient("c0");
            configureIspInside("i0");
            ip("rt", "link", "set", "r0", "up");
            ip("rt", "link", "set", "r1", "up");
        }
        // AFPACKET: jnat sees every frame through its packet sockets; the kernel in rt has no
        // address and does not forward, so it stays out of the way. The veths keep their
        // offloads (TSO, checksum): jnat opens its sockets with PACKET_VNET_HDR, so cl's and
        // isp's 64 KiB super-packets reach it whole and leave it whole, and jnat itself turns
        // GRO on for r0 and r1 (what a real NIC needs; here it is what jnat's start-up prints).
        if (mode == Mode.KERNEL) {
            ip("rt", "addr", "add", RT_INSIDE + "/24", "dev", "r0");
            ip("rt", "addr", "add", RT_OUTSIDE + "/24", "dev", "r1");
            ip("rt", "route", "add", "default", "via", ISP_INSIDE);
            sysctl("rt", "net.ipv4.ip_forward=1");
            String rules = """
                    table ip nat {
                      chain pre  { type nat hook prerouting priority -100; iifname "r1" tcp dport %d dnat to %s:%d; }
                      chain post { type nat hook postrouting priority 100; oifname "r1" masquerade; }
                    }
                    """.formatted(FORWARD_PUBLIC_PORT, CL, FORWARD_INSIDE_PORT);
            try {
                java.nio.file.Path f = java.nio.file.Files.createTempFile("jnat-lab", ".nft");
                java.nio.file.Files.writeString(f, rules);
                Shell.must("ip", "netns", "exec", ns("rt"), "nft", "-f", f.toString());
                java.nio.file.Files.delete(f);
            } catch (java.io.IOException e) {
                throw new LabException("cannot write the nftables rules: " + e.getMessage());
            }
        }
    }

    /**
     * A userspace peer in rt: rt holds the outside address on r1 (towards isp) and the peer
     * process, which gives cl its link. Waits until cl has its default route, the sign that the
     * peer has configured it.
     */
    private void buildPeer() {
        Shell.must("ip", "link", "add", "i0", "netns", ns("isp"), "type", "veth", "peer", "name", "r1",
                "netns", ns("rt"));
        configureIspInside("i0");
        ip("rt", "addr", "add", RT_OUTSIDE + "/24", "dev", "r1");
        ip("rt", "link", "set", "r1", "up");
        ip("rt", "route", "add", "default", "via", ISP_INSIDE);
        // Both peers answer cl's pings with ICMP datagram ("ping") sockets of their own in rt.
        sysctl("rt", "net.ipv4.ping_group_range=0 2147483647");
        String clPath = "/run/netns/" + ns("cl");
        if (mode == Mode.SLIRP4NETNS) {
            peer = spawn("rt", "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--netns-type=path",
                    clPath, "tap0");
        } else {
            peer = spawn("rt", "pasta", "--foreground", "--config-net", "--runas", "0", "--quiet", "--netns", clPath);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (ip("cl", "route", "show", "default").stdout().isBlank()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new LabException(mode.peerProgram() + " did not configure cl within 20 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted while " + mode.peerProgram() + " configured cl");
            }
        }
    }

    /**
     * Null while the userspace peer runs (or in the other modes), else how it ended. slirp4netns
     * 1.2.0 with Debian 12's libslirp has been seen to crash under the UDP 64 B flood (a
     * "trap stack segment" in libslirp.so in dmesg); its later figures are then meaningless.
     */
    public String peerEnded() {
        return peer == null || peer.isAlive() ? null : mode.peerProgram() + " exited with status " + peer.exitValue();
    }

    /** The CPU time the userspace peer has used so far (zero in the other modes). */
    public Duration peerCpuTime() {
        return peer == null ? Duration.ZERO : peer.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    /**
     * TAP mode: moves the kernel ends of the router's TAP devices into cl (as c0) and isp (as i0)
     * and configures them. Call after jnat has opened them. {@code fromNamespace} is where the
     * TAPs are now, or null for this process's namespace.
     */
    public void attachTaps(String fromNamespace, String insideTap, String outsideTap) {
        List<String> ipIn = fromNamespace == null ? List.of("ip") : List.of("ip", "-n", fromNamespace);
        Shell.run(Duration.ofSeconds(10), Shell.concat(ipIn, "link", "set", insideTap, "netns", ns("cl"))).orThrow();
        Shell.run(Duration.ofSeconds(10), Shell.concat(ipIn, "link", "set", outsideTap, "netns", ns("isp"))).orThrow();
        ip("cl", "link", "set", insideTap, "name", "c0");
        ip("isp", "link", "set", outsideTap, "name", "i0");
        configureClient("c0");
        configureIspInside("i0");
    }

    private void configureClient(String dev) {
        ip("cl", "addr", "add", CL + "/24", "dev", dev);
        ip("cl", "addr", "add", CL2 + "/24", "dev", dev);
        ip("cl", "link", "set", dev, "up");
        ip("cl", "route", "add", "default", "via", RT_INSIDE);
    }

    private void configureIspInside(String dev) {
        ip("isp", "addr", "add", ISP_INSIDE + "/24", "dev", dev);
        ip("isp", "link", "set", dev, "up");
    }

    /** The config file jnat needs to take rt's place in this lab. */
    public String jnatConfig(String unmatched) {
        String inside = mode == Mode.TAP ? "tap:" + insideTapName() : "afpacket:r0";
        String outside = mode == Mode.TAP ? "tap:" + outsideTapName() : "afpacket:r1";
        return """
                [inside]
                device  = "%s"
                address = "%s/24"

                [outside]
                device  = "%s"
                address = "%s/24"
                gateway = "%s"

                [nat]
                unmatched = "%s"

                [[forward]]
                protocol = "tcp"
                port     = "%d"
                to       = "%s:%d"
                """.formatted(inside, RT_INSIDE, outside, RT_OUTSIDE, ISP_INSIDE, unmatched, FORWARD_PUBLIC_PORT,
                CL, FORWARD_INSIDE_PORT);
    }

    /** {@code ip -n NS args...} in host {@code host}; throws if it fails. */
    public Shell.Result ip(String host, String... args) {
        return Shell.run(Duration.ofSeconds(30), Shell.concat(List.of("ip", "-n", ns(host)), args)).orThrow();
    }

    private void sysctl(String host, String setting) {
        Shell.must("ip", "netns", "exec", ns(host), "sysctl", "-qw", setting);
    }

    /** Runs a command in host {@code host} to completion (killed after {@code timeout}). */
    public Shell.Result exec(String host, Duration timeout, String... command) {
        return Shell.run(timeout, Shell.concat(List.of("ip", "netns", "exec", ns(host)), command));
    }

    /**
     * Waits until something listens on {@code address:port} in host {@code host}, asking {@code ss}
     * with {@code ssFlags} ("-ltnH" for TCP, "-lunH" for UDP) every 100 ms until {@code deadline}
     * ({@link System#nanoTime()}). False if nothing did by then, or if the thread was interrupted
     * (its flag set again).
     */
    public boolean awaitListening(long deadline, String host, String ssFlags, String address, int port) {
        return await(deadline, 100,
                () -> !exec(host, Duration.ofSeconds(5), "ss", ssFlags, "src", address + ":" + port).stdout().isBlank());
    }

    /**
     * Asks {@code condition} every {@code everyMillis} until it holds (true) or {@code deadline}
     * ({@link System#nanoTime()}) passes (false); false too if the thread was interrupted (its flag
     * set again).
     */
    public static boolean await(long deadline, long everyMillis, java.util.function.BooleanSupplier condition) {
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(everyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The names of the lab's network namespaces, one per host. */
    public List<String> namespaces() {
        return List.copyOf(namespaces);
    }

    /** Starts a long-running command in host {@code host}; {@link #close()} stops it. */
    public Process spawn(String host, String... command) {
        Process p = Shell.start(Shell.concat(List.of("ip", "netns", "exec", ns(host)), command));
        processes.add(p);
        return p;
    }

    /** Stops every spawned process and deletes every namespace (and with them their links). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        processes.forEach(Shell::stop);
        for (String ns : namespaces) {
            Shell.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
        }
    }

    private void removeLeftovers() {
        Shell.Result list = Shell.run(Duration.ofSeconds(10), "ip", "netns", "list");
        for (String line : list.stdout().split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(prefix + "-")) {
                Shell.run(Duration.ofSeconds(10), "ip", "netns", "del", name);
            }
        }
    }
}
