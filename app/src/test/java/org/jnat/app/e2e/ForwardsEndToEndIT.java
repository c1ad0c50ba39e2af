package org.jnat.app.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import org.jnat.app.admin.HeadlessChromium;
import org.jnat.app.admin.Json;
import org.jnat.app.lab.HelloServer;
import org.jnat.app.lab.JnatProcess;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Shell;
import org.jnat.linux.NetNamespace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Forwards and reload on a real {@code jnat run} (TAP lab, DESIGN section 7): a forward added with
 * {@code jnat forwards add} lets sv reach a server on cl, and after {@code jnat forwards remove} it no
 * longer does; a long TCP stream from cl to sv survives a SIGHUP reload that changes the timeouts
 * and adds a forward (every byte arrives, and the new forward works); a bad file, by SIGHUP or by
 * {@code POST /api/v1/reload}, leaves the router running with its old config. The admin API listens
 * on loopback in rt, so the CLI and curl for it run there. Last, a forward added through the web page
 * in a real headless Chromium works. Needs root; skips, saying why, otherwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForwardsEndToEndIT {
    private static final Duration SHORT = Duration.ofSeconds(15);
    private static final String ADMIN = "127.0.0.1:9471";
    private static final String TOKEN = "forwards-e2e-token-0123";

    private Lab lab;
    private JnatProcess jnat;
    private HelloServer hello8000;
    private HelloServer hello8001;
    private HelloServer hello8002;

    @BeforeAll
    void startLabAndRouter() throws IOException {
        Labs.assumeLab(getClass(), "curl");
        lab = Lab.create(Lab.uniquePrefix("wf"), Lab.Mode.TAP);
        jnat = JnatProcess.start(lab, "reject", true, "\n[admin]\nlisten = \"" + ADMIN + "\"\ntoken = \"" + TOKEN
                + "\"\n");
        jnat.awaitLine("admin API listening on http://" + ADMIN, 10_000);
        // Servers on cl: 8000 is the lab's own forward (public 8080); 8001 and 8002 are for forwards added later.
        hello8000 = HelloServer.start(lab.ns("cl"), Lab.CL, 8000, "hello 8000 from %s:%s\n");
        hello8001 = HelloServer.start(lab.ns("cl"), Lab.CL, 8001, "hello 8001 from %s:%s\n");
        hello8002 = HelloServer.start(lab.ns("cl"), Lab.CL, 8002, "hello 8002 from %s:%s\n");
    }

    @AfterAll
    void tearDown() throws IOException {
        for (HelloServer s : new HelloServer[] {hello8000, hello8001, hello8002}) {
            if (s != null) {
                s.close();
            }
        }
        Labs.tearDown(jnat, lab, null);
    }

    /** {@code jnat ARGS...} in rt, as a user on the router's machine runs it. */
    private Shell.Result jnatCli(String... args) {
        return Labs.jnatCli(lab, args);
    }

    /** sv's curl to the public address on {@code port}: the body, or null when it got none. */
    private String fromSv(int port) {
        Shell.Result r = lab.exec("sv", SHORT, "curl", "-sS", "--max-time", "3",
                "http://" + Lab.RT_OUTSIDE + ":" + port + "/");
        return r.exitCode() == 0 ? r.stdout() : null;
    }

    /** {@code curl} to the admin API in rt with the token: "STATUS BODY". */
    private String api(String method, String path) {
        Shell.Result r = lab.exec("rt", SHORT, "curl", "-sS", "--max-time", "10", "-X", method, "-H",
                "Authorization: Bearer " + TOKEN, "-w", "\n%{http_code}", "http://" + ADMIN + path);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        String out = r.stdout().strip();
        int nl = out.lastIndexOf('\n');
        return out.substring(nl + 1) + " " + out.substring(0, nl);
    }

    private String config() {
        String r = api("GET", "/api/v1/config");
        assertThat(r).startsWith("200 ");
        return r.substring(4);
    }

    @Test
    @Order(1)
    void aForwardAddedAtRunTimeLetsSvReachClUntilRemoved() {
        assertThat(fromSv(8081)).as("no forward yet: jnat rejects").isNull();
        Shell.Result add = jnatCli("forwards", "add", "--admin", ADMIN, "--config", jnat.configFile().toString(),
                "--protocol", "tcp", "--port", "8081", "--to", Lab.CL + ":8001");
        assertThat(add.exitCode()).as(add.stdout() + add.stderr()).isZero();
        assertThat(add.stdout()).startsWith("forward 2 added: tcp 8081 to " + Lab.CL + ":8001");
        String body = fromSv(8081);
        assertThat(body).as("the client's address is kept through a forward").startsWith("hello 8001 from " + Lab.SV
                + ":");

        Shell.Result list = jnatCli("forwards", "list", "--config", jnat.configFile().toString());
        assertThat(list.exitCode()).as(list.stderr()).isZero();
        assertThat(list.stdout()).containsPattern("(?m)^2 +tcp +8081 +192\\.168\\.1\\.10:8001 +api$");

        Shell.Result remove = jnatCli("forwards", "remove", "--config", jnat.configFile().toString(), "2");
        assertThat(remove.exitCode()).as(remove.stdout() + remove.stderr()).isZero();
        assertThat(fromSv(8081)).as("removed: jnat rejects again").isNull();
        assertThat(fromSv(8080)).as("the file's forward is untouched").startsWith("hello 8000 from " + Lab.SV);
    }

    /**
     * A stream of 4 MiB from cl to a server on sv, written slowly over about 6 s; halfway, the file
     * gets new timeouts and a forward, and jnat SIGHUP. Every byte arrives, in order (CRC), and the
     * new forward works.
     */
    @Test
    @Order(2)
    void aLongStreamSurvivesASighupReloadThatChangesTimeoutsAndAddsAForward() throws Exception {
        int chunks = 64;
        int chunk = 64 * 1024;
        ServerSocket server = NetNamespace.call(lab.ns("sv"), () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(Lab.SV), 9500));
            return s;
        });
        try (server) {
            // Both ends on threads of their own, never the common pool: Shell (the SIGHUP's kill) drains
            // its processes' output there, and a blocked reader on it would stall the writer.
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            CompletableFuture<long[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    s.setSoTimeout(20_000);
                    CRC32 crc = new CRC32();
                    byte[] buffer = new byte[65536];
                    long total = 0;
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        crc.update(buffer, 0, n);
                        total += n;
                    }
                    return new long[] {total, crc.getValue()};
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, threads);
            Socket client = NetNamespace.call(lab.ns("cl"), () -> new Socket(Lab.SV, 9500));
            CRC32 sent = new CRC32();
            // The writes on a thread of their own: a stream jnat stalled fails the test instead of hanging it.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (client; OutputStream out = client.getOutputStream()) {
                    byte[] data = new byte[chunk];
                    for (int i = 0; i < chunks; i++) {
                        for (int j = 0; j < chunk; j++) {
                            data[j] = (byte) (i * 31 + j);
                        }
                        out.write(data);
                        sent.update(data);
                        if (i == chunks / 2) {
                            reloadBySighup();
                        }
                        Thread.sleep(90);
                    }
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            }, threads);
            try {
                writer.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                client.close();
                throw new AssertionError("the stream stalled (" + e + "); jnat's counters: "
                        + api("GET", "/api/v1/counters?prefix=nat."));
            }
            long[] got = received.get(30, TimeUnit.SECONDS);
            assertThat(got[0]).as("bytes received").isEqualTo((long) chunks * chunk);
            assertThat(got[1]).as("the bytes, in order").isEqualTo(sent.getValue());
        }
        assertThat(fromSv(8082)).as("the forward the reload added").startsWith("hello 8002 from " + Lab.SV);
        JsonObject config = Json.parse(config()).getAsJsonObject();
        assertThat(config.getAsJsonObject("nat").getAsJsonObject("timeouts").get("tcp-established").getAsString())
                .isEqualTo("3h");
    }

    /** New timeouts and a forward to cl:8002 on public 8082 in the file, then SIGHUP; waits for the log line. */
    private void reloadBySighup() throws IOException {
        Path file = jnat.configFile();
        Files.writeString(file, Files.readString(file) + "\n[nat.timeouts]\ntcp-established = \"3h\"\nudp = \"6m\"\n"
                + "\n[[forward]]\nprotocol = \"tcp\"\nport = \"8082\"\nto = \"" + Lab.CL + ":8002\"\n");
        jnat.hangUp();
        jnat.awaitLine("reloaded " + file, 10_000);
    }

    @Test
    @Order(3)
    void aBadFileOnReloadLeavesTheRouterRunningWithItsOldConfig() throws IOException {
        String before = config();
        Path file = jnat.configFile();
        String good = Files.readString(file);
        Files.writeString(file, good.replace("[nat]\n", "[nat]\nmapping = \"full-cone\"\n"));
        jnat.hangUp();
        jnat.awaitLine("reload refused: " + file + ":", 10_000);
        assertThat(jnat.output()).anyMatch(l -> l.contains("reload refused: " + file + ":")
                && l.contains(": nat.mapping: expected"));
        String answer = api("POST", "/api/v1/reload");
        assertThat(answer).startsWith("400 ");
        JsonObject error = Json.parse(answer.substring(4)).getAsJsonObject();
        assertThat(error.get("field").getAsString()).isEqualTo("nat.mapping");
        assertThat(error.get("error").getAsString()).matches(java.util.regex.Pattern.quote(file.toString())
                + ":\\d+: nat\\.mapping: expected .*got \"full-cone\"; nothing was changed");
        // A key that cannot change live is refused by name.
        Files.writeString(file, good.replace("[nat]\n", "[nat]\nports = \"2000-65535\"\n"));
        String refused = api("POST", "/api/v1/reload");
        assertThat(refused).startsWith("409 ").contains("nat.ports cannot change while jnat runs");

        assertThat(jnat.alive()).isTrue();
        assertThat(config()).as("the config in force is unchanged").isEqualTo(before);
        assertThat(fromSv(8080)).as("traffic still flows").startsWith("hello 8000 from " + Lab.SV);
        assertThat(fromSv(8082)).startsWith("hello 8002 from " + Lab.SV);
        Files.writeString(file, good);
    }

    /**
     * The web page in a real headless Chromium: a forward added through its form (with the token)
     * lets sv reach cl's server through it. The browser runs outside the lab, so a relay on this
     * machine's loopback carries its requests to the admin API on rt's loopback. Saves
     * {@code target/web-page-forward.png}.
     */
    @Test
    @Order(4)
    void aForwardAddedThroughTheWebPageWorks() throws Exception {
        List<AutoCloseable> closing = new java.util.ArrayList<>();
        try (HelloServer hello = HelloServer.start(lab.ns("cl"), Lab.CL, 8003, "hello 8003 from %s:%s\n")) {
            String base = relay(closing);
            WebDriver browser = HeadlessChromium.start(getClass(), closing);
            browser.get(base);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            WebElement section = browser.findElement(By.id("forwards"));
            wait.until(d -> section.isDisplayed() && section.getText().contains(Lab.CL + ":8000"));
            assertThat(fromSv(8083)).as("no forward yet").isNull();

            browser.findElement(By.id("token")).sendKeys(TOKEN);
            browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
            WebElement add = browser.findElement(By.id("forward-add"));
            new Select(add.findElement(By.name("protocol"))).selectByVisibleText("tcp");
            add.findElement(By.name("port")).sendKeys("8083");
            add.findElement(By.name("to")).sendKeys(Lab.CL + ":8003");
            add.findElement(By.tagName("button")).click();
            wait.until(d -> section.getText().contains(Lab.CL + ":8003"));
            assertThat(browser.findElement(By.id("message")).getText()).contains("Forward added");

            assertThat(fromSv(8083)).as("sv reaches cl through the page's forward")
                    .startsWith("hello 8003 from " + Lab.SV + ":");
            HeadlessChromium.screenshot(browser, "web-page-forward.png");
        } finally {
            for (AutoCloseable c : closing.reversed()) {
                c.close();
            }
        }
    }

    /** A relay from this machine's loopback to the admin API in rt; its base URL. */
    private String relay(List<AutoCloseable> closing) throws IOException {
        ServerSocket relay = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Socket> sockets = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        closing.add(() -> {
            relay.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        });
        // A platform thread: it enters rt's namespace for each connection (setns is per OS thread).
        Thread.ofPlatform().daemon().name("wf-relay").start(() -> {
            while (!relay.isClosed()) {
                try {
                    Socket in = relay.accept();
                    String[] hostPort = ADMIN.split(":");
                    Socket out = NetNamespace.call(lab.ns("rt"),
                            () -> new Socket(hostPort[0], Integer.parseInt(hostPort[1])));
                    sockets.add(in);
                    sockets.add(out);
                    pipe(in, out);
                    pipe(out, in);
                } catch (IOException | RuntimeException e) {
                    return; // the relay was closed
                }
            }
        });
        return "http://127.0.0.1:" + relay.getLocalPort() + "/";
    }

    private static void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
                to.shutdownOutput();
            } catch (IOException ignored) {
                // either side went away: the browser or jnat closed the connection
            }
        });
    }
}
