package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jnat.app.lab.HelloServer;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool of public addresses on a real {@code jnat run} (TAP lab), seen from outside: the router
 * answers ARP and ping for each pool address; with paired pooling each inside host (192.168.1.10
 * and .11, two addresses of cl) appears from one public address across 100 flows, with arbitrary
 * pooling one host's flows spread over the pool; a forward on one pool address takes connections
 * to that address only. One lab and router per test. Needs root and curl; skips, saying why, otherwise.
 */
class PublicPoolEndToEndIT {
    private static final Duration LONG = Duration.ofSeconds(60);
    private static final List<String> POOL = List.of("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4");

    private Lab lab;
    private JnatProcess jnat;
    private HelloServer hello;
    private Path work;

    @BeforeEach
    void lab() throws IOException {
        Labs.assumeLab(getClass(), "ping", "curl");
        work = Files.createTempDirectory("jnat-al");
        lab = Lab.create(Lab.uniquePrefix("al"), Lab.Mode.TAP);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (hello != null) {
            hello.close();
        }
        Labs.tearDown(jnat, lab, work);
    }

    /** jnat with the lab's config, the pool of {@link #POOL} and {@code pooling}, its forward on {@code forwardAddress}. */
    private void start(String pooling, String forwardAddress) throws IOException {
        String addresses = "addresses = [" + String.join(", ", POOL.stream().map(a -> "\"" + a + "\"").toList())
                + "]\npooling = \"" + pooling + "\"\n";
        String config = lab.jnatConfig("drop")
                .replace("gateway = \"" + Lab.ISP_INSIDE + "\"", "gateway = \"" + Lab.ISP_INSIDE + "\"\n" + addresses)
                .replace("to       = \"" + Lab.CL + ":" + Lab.FORWARD_INSIDE_PORT + "\"",
                        "to       = \"" + Lab.CL + ":" + Lab.FORWARD_INSIDE_PORT + "\"\naddress = \"" + forwardAddress
                                + "\"");
        assertThat(config).contains(addresses).contains("address = \"" + forwardAddress + "\"");
        jnat = JnatProcess.startWith(lab, config, true, List.of());
    }

    /** How many of {@code count} flows from {@code host} to sv:{@code port} came from each public address. */
    private Map<String, Integer> addresses(String host, int count, int port) throws Exception {
        Path file = UdpObservations.record(lab, work, port);
        UdpObservations.flows(lab, host, 42000, 1, count, port);
        Map<String, Integer> seen = new HashMap<>();
        UdpObservations.seen(file, count).forEach(l -> seen.merge(l.substring(0, l.indexOf(' ')), 1, Integer::sum));
        System.out.println(host + " appeared from " + seen);
        return seen;
    }

    @Test
    void everyPoolAddressAnswersArpAndPing() throws Exception {
        start("paired", POOL.get(1));
        String ispMac = lab.exec("isp", LONG, "cat", "/sys/class/net/i0/address").stdout().strip();
        for (String address : POOL) {
            Shell.Result ping = lab.exec("sv", LONG, "ping", "-c", "2", "-i", "0.2", "-W", "3", address);
            assertThat(ping.exitCode()).as("sv pings " + address + ": " + ping.stdout() + ping.stderr()).isZero();
            // isp, on the router's link, learnt the address by ARP: the router's MAC.
            String neighbor = lab.exec("isp", LONG, "ip", "neigh", "show", address, "dev", "i0").stdout();
            assertThat(neighbor).as("isp's ARP entry for " + address).contains("lladdr").doesNotContain(ispMac)
                    .doesNotContain("FAILED");
        }
        String macs = lab.exec("isp", LONG, "ip", "neigh", "show", "dev", "i0").stdout();
        System.out.println("isp's neighbours on the router's link:\n" + macs);
        // One MAC, the router's, for every pool address.
        assertThat(macs.lines().filter(l -> POOL.stream().anyMatch(a -> l.startsWith(a + " ")))
                .map(l -> l.replaceAll(".*lladdr (\\S+).*", "$1")).distinct().toList()).hasSize(1);
    }

    @Test
    void pairedKeepsEachHostOnOneAddressAcross100Flows() throws Exception {
        start("paired", POOL.get(1));
        int svPort = 5501;
        for (String host : List.of(Lab.CL, Lab.CL2)) {
            Map<String, Integer> seen = addresses(host, 100, svPort++);
            assertThat(seen).as(host).hasSize(1);
            assertThat(POOL).contains(seen.keySet().iterator().next());
        }
    }

    @Test
    void arbitrarySpreadsOneHostOverThePool() throws Exception {
        start("arbitrary", POOL.get(1));
        assertThat(addresses(Lab.CL, 100, 5503).keySet()).containsExactlyInAnyOrderElementsOf(POOL);
    }

    @Test
    void aForwardOnOneAddressTakesThatAddressOnly() throws Exception {
        start("paired", POOL.get(1));
        hello = HelloServer.start(lab.ns("cl"), Lab.CL, Lab.FORWARD_INSIDE_PORT, "hello from %s:%s\n");
        for (String address : POOL) {
            Shell.Result r = lab.exec("sv", LONG, "curl", "-sS", "--max-time", "3",
                    "http://" + address + ":" + Lab.FORWARD_PUBLIC_PORT + "/");
            if (address.equals(POOL.get(1))) {
                assertThat(r.stdout()).as(address + ": " + r.stderr()).startsWith("hello from " + Lab.SV + ":");
            } else {
                assertThat(r.exitCode()).as(address + " has no forward: " + r.stdout()).isNotZero();
            }
        }
    }
}
