package org.jnat.app.admin;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CLI's side of the admin API ({@code jnat counters}, later {@code jnat sessions} and
 * {@code jnat forwards}): one request, its JSON back, and every way it can fail as one
 * {@link Failure} whose message is the line for the user.
 */
public final class AdminClient implements AutoCloseable {
    /** How long a router gets to answer: it answers from its own threads, so a live one is quick. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(AdminClient.class);

    /** The request did not get a JSON answer; the message says why, in one line. */
    public static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final HostPort target;
    private final String token;
    private final HttpClient http;

    /** {@code token}: sent as {@code Authorization: Bearer}; null sends none. */
    public AdminClient(HostPort target, String token) {
        this.target = target;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    public HostPort target() {
        return target;
    }

    /** {@code GET pathAndQuery}, e.g. {@code /api/v1/counters}. */
    public JsonElement get(String pathAndQuery) throws Failure {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
    }

    /** {@code POST pathAndQuery} with {@code body} as JSON. */
    public JsonElement post(String pathAndQuery, Object body) throws Failure {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).header("Content-Type", Response.JSON)
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    /** {@code DELETE pathAndQuery}. */
    public JsonElement delete(String pathAndQuery) throws Failure {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).DELETE());
    }

    private URI uri(String pathAndQuery) {
        return URI.create(target.url() + pathAndQuery);
    }

    private JsonElement send(HttpRequest.Builder builder) throws Failure {
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpRequest request = builder.timeout(TIMEOUT).build();
        log.debug("{} {}", request.method(), request.uri());
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new Failure("no router answers at " + target + " (connection refused); is jnat run going with"
                    + " [admin] listen = \"" + target + "\"? Give its address with --admin HOST:PORT or --config");
        } catch (HttpTimeoutException e) {
            throw new Failure("the router at " + target + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new Failure("cannot reach the router at " + target + " (" + e + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while waiting for the router at " + target);
        }
        log.debug("{} {} -> {}", request.method(), request.uri(), response.statusCode());
        JsonElement json;
        try {
            json = Json.parse(response.body());
        } catch (JsonParseException e) {
            json = null;
        }
        if (json == null || !json.isJsonObject() && !json.isJsonArray()) {
            throw new Failure("what answers at " + target + " is not jnat's admin API (HTTP " + response.statusCode()
                    + ", not JSON)");
        }
        if (response.statusCode() >= 400) {
            JsonElement error = json.isJsonObject() ? json.getAsJsonObject().get("error") : null;
            throw new Failure("the router at " + target + " refused (HTTP " + response.statusCode() + "): "
                    + (error == null ? response.body().strip() : error.getAsString()));
        }
        return json;
    }

    @Override
    public void close() {
        http.close();
    }
}
