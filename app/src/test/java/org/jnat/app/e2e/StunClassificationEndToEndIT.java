package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every NAT behaviour jnat offers, classified end to end by two external judges, each against its
 * own STUN server and against {@code jnat stun-server}:
 * <ul>
 *   <li>Vovida's {@code stun} (Debian stun-client, an RFC 3489 client) against {@code stund}
 *       (Debian stun-server) and against jnat's;</li>
 *   <li>coturn's {@code turnutils_natdiscovery -m -f} (RFC 5780) against coturn's
 *       {@code turnserver --stun-only} and against jnat's.</li>
 * </ul>
 * The three servers run side by side in sv on 198.51.100.10 and .11 (stund on 3478/3479, coturn
 * on 4478/4479, jnat on 5478/5479); cl runs the clients behind one jnat (TAP) per behaviour.
 * Each judge's output is printed, and its classification lines are matched exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StunClassificationEndToEndIT {
    private static final Duration JUDGE = Duration.ofSeconds(60);
    private static final int STUND_PORT = 3478;
    private static final int COTURN_PORT = 4478;
    private static final int JNAT_PORT = 5478;

    /**
     * Each profile, the mapping and filtering it stands for, and what each judge must print for it;
     * jnat runs with {@code profile = "NAME"} alone ({@link #keys()}).
     */
    record Behaviour(String name, String mapping, String filtering, String vovida, String coturnMapping,
                     String coturnFiltering) {
        static List<Behaviour> all() {
            Behaviour fullCone = new Behaviour("full-cone", "endpoint-independent", "endpoint-independent",
                    "Independent Mapping, Independent Filter", "Endpoint Independent Mapping",
                    "Endpoint Independent Filtering");
            Behaviour portRestricted = new Behaviour("port-restricted-cone", "endpoint-independent",
                    "address-and-port-dependent", "Independent Mapping, Port Dependent Filter",
                    "Endpoint Independent Mapping", "Address and Port Dependent Filtering");
            return List.of(fullCone,
                    new Behaviour("restricted-cone", "endpoint-independent", "address-dependent",
                            "Independent Mapping, Address Dependent Filter", "Endpoint Independent Mapping",
                            "Address Dependent Filtering"),
                    portRestricted,
                    // Linux's MASQUERADE as the kernel captures show it: the port-restricted cone's keys,
                    // judged the same (its port preservation shows in Vovida's "preserves ports").
                    portRestricted.as("linux-masquerade"),
                    // RFC 6888's CGN: endpoint-independent mapping and filtering (REQ-7), ports from
                    // the host's block (so Vovida may see "random port"), here on a 192.168.1.0/24
                    // inside (jnat warns that it is not 100.64.0.0/10, and runs).
                    fullCone.as("cgn"),
                    // Vovida's stun says "Dependent Mapping" for address-dependent and address-and-port-
                    // dependent mapping alike, and then names no filtering: it cannot tell a symmetric
                    // NAT's filtering, nor ADM from APDM.
                    new Behaviour("symmetric", "address-and-port-dependent", "address-and-port-dependent",
                            "Dependent Mapping", "Address and Port Dependent Mapping",
                            "Address and Port Dependent Filtering"));
        }

        /** Another profile that every judge must classify exactly as this one. */
        Behaviour as(String profile) {
            return new Behaviour(profile, mapping, filtering, vovida, coturnMapping, coturnFiltering);
        }

        /** The profile's name in [nat]: what the judges classify is the profile a user would choose. */
        String keys() {
            return "profile = \"" + name + "\"\n";
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Lab lab;
    private Path work;
    private final List<Process> servers = new ArrayList<>();
    private Path jnatServerLog;

    @BeforeAll
    void startLabAndServers() throws IOException {
        Labs.assumeLab(getClass(), "stun", "stund", "turnserver", "turnutils_natdiscovery");
        work = Files.createTempDirectory("jnat-sn");
        lab = Lab.create(Lab.uniquePrefix("sn"), Lab.Mode.TAP);
        servers.add(start("stund", "stund", "-h", Lab.SV, "-a", Lab.SV2, "-p", "" + STUND_PORT, "-o", "" + (STUND_PORT + 1)));
        servers.add(start("turnserver", "turnserver", "-n", "--listening-ip", Lab.SV, "--listening-ip", Lab.SV2,
                "--listening-port", "" + COTURN_PORT, "--alt-listening-port", "" + (COTURN_PORT + 1), "--stun-only",
                "--no-cli", "--no-tls", "--no-dtls", "--log-file", "stdout", "--simple-log",
                "--pidfile", work.resolve("turnserver.pid").toString()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        servers.add(start("jnat-stun", java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.jnat.app.Main", "stun-server", "--address", Lab.SV, "--other", Lab.SV2,
                "--port", "" + JNAT_PORT, "--other-port", "" + (JNAT_PORT + 1)));
        jnatServerLog = work.resolve("jnat-stun.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : new int[] {STUND_PORT, COTURN_PORT, JNAT_PORT}) {
            for (String ip : new String[] {Lab.SV, Lab.SV2}) {
                for (int p : new int[] {port, port + 1}) {
                    assertThat(lab.awaitListening(deadline, "sv", "-lunH", ip, p)).as("a server on %s:%d", ip, p).isTrue();
                }
            }
        }
    }

    /** Starts a server in sv with its output in work/NAME.log. */
    private Process start(String name, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", lab.ns("sv")));
        cmd.addAll(List.of(command));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
    }

    @AfterAll
    void tearDown() throws IOException {
        for (Process p : servers) {
            p.toHandle().destroy(); // SIGTERM: jnat's server prints its counters
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (jnatServerLog != null && Files.exists(jnatServerLog)) {
            System.out.println("[jnat stun-server]\n" + Files.readString(jnatServerLog));
        }
        Labs.tearDown(null, lab, work);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("behaviours")
    void bothJudgesAgreeWithTheBehaviour(Behaviour behaviour) throws IOException {
        String config = lab.jnatConfig("drop").replace("[nat]\n", "[nat]\n" + behaviour.keys());
        try (JnatProcess jnat = JnatProcess.startWith(lab, config, false, List.of())) {
            for (int port : new int[] {STUND_PORT, JNAT_PORT}) {
                String out = judge(behaviour, "stun " + server(port), "stun", Lab.SV + ":" + port);
                // Open, Firewall, Blocked, or a NAT type, then the port and hairpin findings.
                assertThat(out).as(out).containsPattern("(?m)^Primary: " + java.util.regex.Pattern.quote(behaviour.vovida)
                        + ", (preserves ports|random port), (will hairpin|no hairpin)\\s*$");
            }
            for (int port : new int[] {COTURN_PORT, JNAT_PORT}) {
                String out = judge(behaviour, "natdiscovery " + server(port), "turnutils_natdiscovery", "-m", "-f",
                        "-p", "" + port, Lab.SV);
                List<String> verdicts = out.lines().filter(l -> l.startsWith("NAT with ")).toList();
                assertThat(verdicts).as(out).containsExactly(
                        "NAT with " + behaviour.coturnMapping + "!", "NAT with " + behaviour.coturnFiltering + "!");
            }
            assertThat(jnat.alive()).isTrue();
        }
    }

    static List<Behaviour> behaviours() {
        return Behaviour.all();
    }

    private static String server(int port) {
        return switch (port) {
            case STUND_PORT -> "vs stund";
            case COTURN_PORT -> "vs coturn";
            default -> "vs jnat stun-server";
        };
    }

    /** Runs a judge in cl and prints what it said. */
    private String judge(Behaviour behaviour, String title, String... command) {
        Shell.Result r = lab.exec("cl", JUDGE, command);
        String out = r.stdout() + r.stderr();
        System.out.println("=== " + behaviour + " (" + behaviour.keys().replace("\n", "; ").trim() + "), " + title
                + ": " + String.join(" ", command) + " (exit " + r.exitCode() + ")");
        System.out.println(out.strip());
        return out;
    }
}
