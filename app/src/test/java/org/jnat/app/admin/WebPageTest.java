package org.jnat.app.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page at {@code /}: served from the jar with its content types and caching headers, and
 * driven in a real headless Chromium (Debian's chromium and chromium-driver, through Selenium):
 * status, counters with their filter, the rate chart moving when the counters do, and the session
 * and forward sections, hidden while jnat has no such endpoints and shown (forwards added and
 * removed with the token) once it has. Screenshots go to {@code target/web-page*.png}. Without
 * Chromium the browser tests skip and say why.
 */
class WebPageTest {
    private final Counters counters = new Counters();
    private final int insideIn = counters.register("inside.received", "frames received on the inside");
    private final int insideOut = counters.register("inside.transmitted", "frames transmitted on the inside");
    private final int outsideIn = counters.register("outside.received", "frames received on the outside");
    private final int outsideOut = counters.register("outside.transmitted", "frames transmitted on the outside");
    private final int forwarded = counters.register("ipv4.forwarded", "IPv4 datagrams forwarded");
    private final int noSession = counters.register("nat.dropped.no_session", "inbound packets with no session");
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private String serve(Routes routes) throws Exception {
        AdminServer server = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), routes);
        closing.add(server);
        return "http://127.0.0.1:" + server.address().getPort() + "/";
    }

    @Test
    void thePageAndItsFilesComeFromTheJarWithTypesAndCaching() throws Exception {
        String base = serve(AdminApi.routes(AdminServerTest.config(), counters, AdminServerTest.status()));
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> page = get(http, base);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                    v -> assertThat(v).contains("default-src 'self'"));
            assertThat(page.body()).contains("<canvas id=\"chart\"").doesNotContain("@page.").doesNotContain("http");
            for (String file : List.of("page.js", "page.css")) {
                Matcher m = Pattern.compile("web/" + Pattern.quote(file) + "\\?v=([0-9a-f]{12})").matcher(page.body());
                assertThat(m.find()).as(file + " is named with its hash").isTrue();
                HttpResponse<String> r = get(http, base + m.group());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).hasValue(file.endsWith(".js")
                        ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
                assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
                assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            }
            assertThat(get(http, base + "web/page.js?x=1").statusCode()).isEqualTo(400);
            assertThat(get(http, base + "web/other.js").statusCode()).isEqualTo(404);
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void showsStatusCountersAndAChartThatMovesWithTheCounters() throws Exception {
        counters.add(forwarded, 42);
        String base = serve(AdminApi.routes(AdminServerTest.config(), counters, AdminServerTest.status()));
        WebDriver browser = browser();
        browser.get(base);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));

        WebElement status = browser.findElement(By.id("status"));
        wait.until(d -> status.isDisplayed());
        assertThat(browser.findElement(By.id("public-address")).getText()).isEqualTo("203.0.113.1");
        assertThat(browser.findElement(By.id("version")).getText()).isEqualTo("version 9.9.9");
        assertThat(status.getText()).contains("tap:jnat0", "tap:jnat1", "203.0.113.254", "02:6a:6e:00:00:02", "1500");
        wait.until(d -> !browser.findElement(By.id("uptime")).getText().isEmpty());

        wait.until(d -> !d.findElements(By.cssSelector("#counters-table tr[data-name='ipv4.forwarded']")).isEmpty());
        WebElement row = browser.findElement(By.cssSelector("#counters-table tr[data-name='ipv4.forwarded']"));
        assertThat(row.getText()).contains("42", "IPv4 datagrams forwarded");
        browser.findElement(By.id("counter-filter")).sendKeys("nat.");
        wait.until(d -> d.findElements(By.cssSelector("#counters-table tr[data-name='ipv4.forwarded']")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("#counters-table tr[data-name='nat.dropped.no_session']")))
                .hasSize(1);
        browser.findElement(By.id("counter-filter")).clear();
        browser.findElement(By.id("counter-filter")).sendKeys(" ");

        // No sessions or forwards endpoints yet: their sections stay hidden.
        assertThat(browser.findElement(By.id("sessions")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("forwards")).isDisplayed()).isFalse();

        wait.until(d -> Integer.parseInt(attribute(d, "#chart", "data-samples", "0")) >= 2);
        String quiet = chartPixels(browser);
        assertThat(rate(browser, "inside.received")).isZero();
        Thread traffic = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                counters.add(insideIn, 300);
                counters.add(outsideOut, 250);
                counters.add(outsideIn, 150);
                counters.add(insideOut, 200);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        closing.add(traffic::interrupt);
        wait.until(d -> rate(d, "inside.received") > 1000 && rate(d, "outside.transmitted") > 1000
                && rate(d, "outside.received") > 500 && rate(d, "inside.transmitted") > 500);
        assertThat(chartPixels(browser)).as("the chart is drawn again with the new rates").isNotEqualTo(quiet);
        assertThat(browser.findElement(By.id("legend")).getText()).contains("inside in", "outside out", "/s");
        screenshot(browser, "web-page-status.png");
    }

    @Test
    void sessionsAndForwardsAppearOnceTheirEndpointsAnswerAndForwardsChangeWithTheToken() throws Exception {
        Map<String, Map<String, String>> forwards = new LinkedHashMap<>();
        forwards.put("1", Map.of("id", "1", "protocol", "tcp", "port", "8080", "to", "192.168.1.10:8000"));
        List<String> authorizations = new ArrayList<>();
        Routes routes = AdminApi.routes(AdminServerTest.config(), counters, AdminServerTest.status())
                .get("/api/v1/sessions", request -> {
                    request.acceptOnly("host", "protocol", "port", "limit");
                    List<Map<String, Object>> all = List.of(
                            session("tcp", "192.168.1.10:40000", "203.0.113.1:40000", "198.51.100.10:80", "established"),
                            session("udp", "192.168.1.11:5353", "203.0.113.1:5353", "198.51.100.10:53", null));
                    String protocol = request.query("protocol");
                    List<Map<String, Object>> shown = all.stream()
                            .filter(s -> protocol == null || protocol.equals(s.get("protocol"))).toList();
                    return Response.json(Map.of("sessions", shown, "total", shown.size()));
                })
                .get("/api/v1/forwards", request -> Response.json(Map.of("forwards", List.copyOf(forwards.values()))))
                .post("/api/v1/forwards", request -> {
                    synchronized (authorizations) {
                        authorizations.add(request.authorization());
                    }
                    JsonObject body = request.jsonBody();
                    Request.acceptOnlyKeys(body, "protocol", "port", "to");
                    String id = "" + (forwards.size() + 1);
                    forwards.put(id, Map.of("id", id, "protocol", Request.stringField(body, "protocol", "\"tcp\""),
                            "port", Request.stringField(body, "port", "\"8081\""),
                            "to", Request.stringField(body, "to", "\"192.168.1.10:8000\"")));
                    return Response.json(201, forwards.get(id));
                })
                .delete("/api/v1/forwards", request -> {
                    request.acceptOnly("id");
                    if (forwards.remove(request.query("id")) == null) {
                        throw new ApiException(404, "no forward " + request.query("id"), "id");
                    }
                    return Response.json(Map.of("removed", request.query("id")));
                });
        WebDriver browser = browser();
        browser.get(serve(routes));
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));

        WebElement sessions = browser.findElement(By.id("sessions"));
        wait.until(d -> sessions.isDisplayed() && sessions.getText().contains("198.51.100.10:53"));
        assertThat(sessions.getText()).contains("192.168.1.10:40000", "203.0.113.1:40000", "198.51.100.10:80",
                "established", "(2)");
        assertThat(sessions.getText()).as("a jnat that counts traffic per session shows it").contains("pkts out",
                "20480");
        new Select(browser.findElement(By.cssSelector("#sessions-filter select[name=protocol]"))).selectByVisibleText("udp");
        wait.until(d -> !sessions.getText().contains("198.51.100.10:80"));
        assertThat(sessions.getText()).contains("198.51.100.10:53", "(1)");

        WebElement section = browser.findElement(By.id("forwards"));
        wait.until(d -> section.isDisplayed() && section.getText().contains("192.168.1.10:8000"));
        WebElement add = browser.findElement(By.id("forward-add"));
        add.findElement(By.name("port")).sendKeys("8081");
        add.findElement(By.name("to")).sendKeys("192.168.1.11:22");
        add.findElement(By.tagName("button")).click();
        wait.until(d -> d.findElement(By.id("message")).getText().contains("not added"));
        assertThat(browser.findElement(By.id("message")).getText()).contains("Authorization: Bearer");
        assertThat(forwards).hasSize(1);

        browser.findElement(By.id("token")).sendKeys(AdminServerTest.TOKEN);
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('jnat.token')"))
                .isEqualTo(AdminServerTest.TOKEN);
        add.findElement(By.tagName("button")).click();
        wait.until(d -> section.getText().contains("192.168.1.11:22"));
        assertThat(forwards.get("2")).containsEntry("protocol", "tcp").containsEntry("port", "8081")
                .containsEntry("to", "192.168.1.11:22");
        synchronized (authorizations) {
            assertThat(authorizations).last().isEqualTo("Bearer " + AdminServerTest.TOKEN);
        }
        screenshot(browser, "web-page.png");

        browser.findElement(By.cssSelector("#forwards-table tr[data-id='1'] button.remove")).click();
        wait.until(d -> !section.getText().contains("192.168.1.10:8000"));
        assertThat(forwards).containsOnlyKeys("2");
    }

    /**
     * The real sessions endpoint over a real NAT engine (its commands on a data-plane thread of its
     * own, {@link LiveNat}): the page lists the engine's sessions with their state and traffic, and
     * its host filter asks the engine for one host's.
     */
    @Test
    void showsTheRealSessionsOfANatAndFiltersThemByHost() throws Exception {
        LiveNat live = new LiveNat(LiveNat.config());
        closing.add(live);
        live.tcpSyn("192.168.1.10", 40000, "198.51.100.10", 80);
        live.udp("192.168.1.11", 5353, "198.51.100.10", 53);
        live.udp("192.168.1.11", 5354, "198.51.100.10", 53);
        WebDriver browser = browser();
        browser.get("http://" + live.address + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));

        WebElement sessions = browser.findElement(By.id("sessions"));
        wait.until(d -> sessions.isDisplayed() && sessions.getText().contains("198.51.100.10:80"));
        assertThat(sessions.getText()).contains("192.168.1.10:40000", "203.0.113.1:40000", "SYN_SENT",
                "192.168.1.11:5353", "192.168.1.11:5354", "203.0.113.1:5353", "198.51.100.10:53", "(3)");
        List<WebElement> rows = browser.findElements(By.cssSelector("#sessions-table tbody tr"));
        assertThat(rows).hasSize(3);
        assertThat(rows.getFirst().findElements(By.tagName("td"))).as("no traffic columns: jnat does not count it")
                .hasSize(7);
        assertThat(browser.findElement(By.id("sessions-table")).getText()).contains("expires s")
                .doesNotContain("pkts out");
        screenshot(browser, "web-page-sessions.png");

        browser.findElement(By.cssSelector("#sessions-filter input[name=host]")).sendKeys("192.168.1.11");
        // Each key typed asks again; the last answer is the whole address's.
        wait.until(d -> !sessions.getText().contains("198.51.100.10:80") && sessions.getText().contains("(2)"));
        assertThat(sessions.getText()).contains("192.168.1.11:5353", "192.168.1.11:5354");
        live.udp("192.168.1.11", 5355, "198.51.100.10", 53);
        wait.until(d -> sessions.getText().contains("192.168.1.11:5355")); // the page polls the live table
        assertThat(sessions.getText()).contains("(3)");
    }

    private static Map<String, Object> session(String protocol, String inside, String outside, String remote,
                                               String state) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("protocol", protocol);
        s.put("inside", inside);
        s.put("outside", outside);
        s.put("remote", remote);
        s.put("state", state);
        s.put("idle_seconds", 3);
        s.put("expires_in_seconds", 297);
        s.put("packets_out", 12);
        s.put("packets_in", 10);
        s.put("bytes_out", 1530);
        s.put("bytes_in", 20480);
        return s;
    }

    // ---- the browser ----

    /** A fresh headless Chromium through chromedriver, closed after the test; skips when either is absent. */
    private WebDriver browser() throws Exception {
        return HeadlessChromium.start(getClass(), closing);
    }

    private static String attribute(WebDriver d, String css, String name, String absent) {
        String v = d.findElement(By.cssSelector(css)).getAttribute(name);
        return v == null ? absent : v;
    }

    /**
     * The legend's rate for {@code counter}, 0 if it shows none. Read in one script: the page
     * redraws the legend every second, and an element found first and read after may be gone
     * (StaleElementReferenceException, seen in CI).
     */
    private static double rate(WebDriver d, String counter) {
        Object rate = ((JavascriptExecutor) d).executeScript(
                "const e = document.querySelector(\"#legend li[data-counter='\" + arguments[0] + \"']\");"
                        + " return e ? e.getAttribute('data-rate') : null;", counter);
        return rate == null ? 0 : Double.parseDouble(rate.toString());
    }

    private static String chartPixels(WebDriver d) {
        return (String) ((JavascriptExecutor) d).executeScript("return document.getElementById('chart').toDataURL()");
    }

    private static void screenshot(WebDriver d, String name) throws Exception {
        HeadlessChromium.screenshot(d, name);
    }
}
