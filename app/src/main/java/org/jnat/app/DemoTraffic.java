package org.jnat.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jnat.app.lab.HelloServer;
import org.jnat.app.lab.Lab;
import org.jnat.app.lab.Ping;
import org.jnat.app.lab.Shell;
import org.jnat.app.lab.Traceroute;

/**
 * The demo's traffic, step by step: by the real tool where it is installed (ping, traceroute, socat),
 * else by jnat's own stand-in, which sends the same packets from the same namespace, so that the
 * demo runs on a fresh machine with nothing but ip and curl. Each run says which did the work.
 */
final class DemoTraffic implements AutoCloseable {
    /** What a step ran, in the host ("cl" or "sv"), as the command line a user would type. */
    record Run(String host, String commandLine, Shell.Result result) {
    }

    private final Lab lab;
    private final List<AutoCloseable> servers = new ArrayList<>();

    DemoTraffic(Lab lab) {
        this.lab = lab;
    }

    /** The tools the demo needs that no stand-in replaces. */
    static List<String> required() {
        return List.of("curl");
    }

    private static String standIn(String tool) {
        return "   (jnat's own " + tool + ": '" + tool + "' is not installed)";
    }

    Run ping(String host, String target) {
        String line = "ping -c 3 -i 0.2 -W 2 " + target;
        if (Shell.has("ping")) {
            return new Run(host, line, lab.exec(host, Duration.ofSeconds(10), line.split(" ")));
        }
        return new Run(host, line + standIn("ping"), Ping.run(lab.ns(host), target, 3, 200, 2000));
    }

    Run traceroute(String host, String target) {
        String line = "traceroute -n -q 1 -w 2 -m 5 " + target;
        if (Shell.has("traceroute")) {
            return new Run(host, line, lab.exec(host, Duration.ofSeconds(30), line.split(" ")));
        }
        return new Run(host, line + standIn("traceroute"), Traceroute.run(lab.ns(host), target, 5, 2000));
    }

    Run curl(String host, String url, int maxSeconds) {
        String line = "curl -sS --max-time " + maxSeconds + " " + url;
        return new Run(host, line, lab.exec(host, Duration.ofSeconds(maxSeconds + 5), line.split(" ")));
    }

    /**
     * A web server in {@code host} on {@code address:port} whose reply is {@code greeting} with the
     * client's address and port in its two {@code %s}: socat when installed, else {@link HelloServer}.
     * Returns once it listens.
     */
    void startWebServer(String host, String address, int port, String greeting) {
        if (!Shell.has("socat")) {
            servers.add(HelloServer.start(lab.ns(host), address, port, greeting));
            return;
        }
        lab.spawn(host, "socat", "TCP4-LISTEN:" + port + ",bind=" + address + ",reuseaddr,fork",
                "SYSTEM:'read request; printf \"HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\n"
                        + greeting.replace("\n", "\\n") + "\" $SOCAT_PEERADDR $SOCAT_PEERPORT'");
        lab.awaitListening(System.nanoTime() + Duration.ofSeconds(5).toNanos(), host, "-ltnH", address, port);
    }

    @Override
    public void close() {
        for (AutoCloseable s : servers) {
            try {
                s.close();
            } catch (Exception ignored) {
                // a stand-in server that fails to close leaves nothing behind once the lab is gone
            }
        }
    }
}
