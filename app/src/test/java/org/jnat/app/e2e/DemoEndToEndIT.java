package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.lab.Lab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jnat demo --keep} on a machine as fresh as the issue describes: the demo's PATH holds only
 * ip, ss, sysctl and curl (symbolic links in a directory of their own), so ping, traceroute and socat
 * are missing and jnat's stand-ins must carry all five steps. With {@code --keep} the demo names its
 * web page, which this test fetches from this machine's loopback before Ctrl-C (SIGINT) ends the demo.
 * Where the tools are installed, a second run checks that the demo uses them, with the same results.
 * Needs root; skips, saying why, otherwise.
 */
class DemoEndToEndIT {
    private static final List<String> ALLOWED = List.of("ip", "ss", "sysctl", "curl");

    private Path bin;
    private Process demo;

    @AfterEach
    void tearDown() throws IOException {
        if (demo != null && demo.isAlive()) {
            demo.destroyForcibly();
        }
        if (bin != null) {
            try (var links = Files.list(bin)) {
                for (Path p : links.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(bin);
        }
    }

    @Test
    void theDemoRunsWithOnlyIpAndCurlAndKeepsItsWebPage() throws Exception {
        Labs.assumeLab(getClass(), ALLOWED.toArray(String[]::new));
        bin = Files.createTempDirectory("jnat-demo-path");
        for (String tool : ALLOWED) {
            Files.createSymbolicLink(bin.resolve(tool), which(tool));
        }
        ProcessBuilder pb = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "org.jnat.app.Main", "demo", "--keep")
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        demo = pb.start();
        List<String> lines = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        for (String line; url == null && (line = out.readLine()) != null; ) {
            System.out.println("[demo] " + line);
            lines.add(line);
            Matcher m = Pattern.compile("^The web page: (http://127\\.0\\.0\\.1:\\d+/)").matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
        }
        assertThat(url).as(String.join("\n", lines)).isNotNull();
        for (String line; (line = out.readLine()) != null && !line.contains("need the token"); ) {
            lines.add(line);
        }

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<title>jnat</title>");
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(url + "api/v1/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(status.body()).contains("\"public_address\":\"" + Lab.RT_OUTSIDE + "\"");
        }

        new ProcessBuilder("kill", "-INT", "" + demo.pid()).inheritIO().start().waitFor();
        for (String line; (line = out.readLine()) != null; ) {
            System.out.println("[demo] " + line);
            lines.add(line);
        }
        assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String all = String.join("\n", lines);
        assertThat(demo.exitValue()).as(all).isZero();
        assertThat(all).contains("jnat's own ping: 'ping' is not installed")
                .contains("jnat's own traceroute: 'traceroute' is not installed");
        assertFiveSteps(all);
    }

    /** Where the tools are installed, the demo still uses them, with the same results. */
    @Test
    void theDemoUsesTheRealToolsWhenTheyAreInstalled() throws Exception {
        Labs.assumeLab(getClass(), "ping", "traceroute", "socat", "curl");
        demo = new ProcessBuilder(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), "org.jnat.app.Main", "demo")
                .redirectErrorStream(true).start();
        String all = new String(demo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.println(all);
        assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(demo.exitValue()).as(all).isZero();
        assertThat(all).doesNotContain("jnat's own").doesNotContain("The web page:");
        assertFiveSteps(all);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void assertFiveSteps(String all) {
        assertThat(all)
                .contains("3 packets transmitted, 3 received, 0% packet loss")
                .contains("rtt min/avg/max/mdev = ")
                .contains("Hello from the internet server. You came from " + Lab.RT_OUTSIDE + " port")
                .containsPattern("\n  +1  " + Pattern.quote(Lab.RT_INSIDE) + "  [0-9.]+ ms")
                .containsPattern("\n  +2  " + Pattern.quote(Lab.ISP_INSIDE) + "  [0-9.]+ ms")
                .containsPattern("\n  +3  " + Pattern.quote(Lab.SV) + "  [0-9.]+ ms")
                .contains("Hello from the laptop, through the port forward. You are " + Lab.SV + " port")
                .contains("curl: (7)")
                .contains("What jnat saw");
    }

    private static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException(tool + " is not on the PATH");
    }
}
