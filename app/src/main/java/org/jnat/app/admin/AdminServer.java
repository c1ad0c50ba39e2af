package org.jnat.app.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jnat.linux.ThreadScheduling;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server (the JDK's {@code com.sun.net.httpserver}): serves {@link Routes} on a few
 * threads of its own, so that many clients are answered at once and none of them ever runs on the
 * data plane. A request that fails in any way gets a JSON error; the server goes on.
 */
public final class AdminServer implements AutoCloseable {
    /** The nice value of the threads that run endpoints (the data plane's is the process's, 0 by default). */
    static final int CONTROL_NICE = 10;
    /** Threads that run endpoints: enough for a browser, a scraper and a CLI at once. */
    static final int THREADS = 4;
    /** Requests waiting for a thread; past that the accepting thread runs them itself (back-pressure). */
    static final int QUEUE = 256;

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private AdminServer(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds {@code address} (port 0: any free port) and starts serving {@code routes}. */
    public static AdminServer start(InetSocketAddress address, Routes routes) throws IOException {
        HttpServer server = HttpServer.create(address, 128);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    // Nice 10: a listing's JSON never takes the CPU from the data plane.
                    Thread t = new Thread(() -> {
                        ThreadScheduling.niceCurrentThread(CONTROL_NICE);
                        r.run();
                    }, "jnat-admin-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        server.createContext("/", exchange -> serve(routes, exchange));
        server.start();
        log.info("admin API listening on http://{}:{}/api/v1", server.getAddress().getHostString(),
                server.getAddress().getPort());
        return new AdminServer(server, executor);
    }

    /** The address bound (with the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void serve(Routes routes, HttpExchange exchange) {
        try (exchange) {
            Response response;
            try {
                Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                        Request.parseQuery(exchange.getRequestURI().getRawQuery()),
                        exchange.getRequestHeaders().getFirst("Authorization"),
                        exchange.getRemoteAddress().getAddress().isLoopbackAddress(), exchange.getRequestBody());
                response = routes.dispatch(request);
            } catch (ApiException e) {
                response = Response.error(e);
            } catch (RuntimeException e) {
                log.warn("admin API: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                response = Response.error(500, "the request failed inside jnat (" + e + "); the router goes on", null);
            }
            log.debug("admin API: {} {} -> {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                    response.status());
            send(exchange, response);
        } catch (IOException e) {
            log.debug("admin API: the client went away: {}", e.toString());
        } catch (RuntimeException | Error e) {
            // Never out of the handler: the JDK server would close the connection without an answer.
            log.warn("admin API: answering {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        }
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        response.headers().forEach(exchange.getResponseHeaders()::set);
        if (response.stream() != null) {
            exchange.sendResponseHeaders(response.status(), 0); // chunked
            try (OutputStream out = exchange.getResponseBody()) {
                response.stream().writeTo(out);
            }
            return;
        }
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(response.status(), head ? -1 : response.body().length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }

    /** Stops accepting, lets requests in progress finish for up to a second, then ends the threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("admin API stopped");
    }
}
