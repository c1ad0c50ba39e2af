package org.jnat.app.admin;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One request to the admin API, as an {@link Endpoint} sees it: method, path, query parameters,
 * body, who sent it ({@code fromLoopback}: from 127.0.0.0/8 or ::1; {@code authorization}: that
 * header, or null). The accessors that check input throw {@link ApiException}s (400) naming the
 * parameter or key, so that every endpoint reports bad input the same way.
 */
public record Request(String method, String path, Map<String, String> query, String authorization,
                      boolean fromLoopback, InputStream body) {
    /** The largest body read: the API's bodies are a few keys ({@code [[forward]]}'s). */
    static final int MAX_BODY = 64 * 1024;

    /**
     * Decodes a raw query string ({@code a=1&b=x%20y}); a parameter given twice or not
     * percent-encoded properly is a 400.
     */
    static Map<String, String> parseQuery(String raw) throws ApiException {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "query");
            String value = decode(eq < 0 ? "" : pair.substring(eq + 1), name);
            if (out.putIfAbsent(name, value) != null) {
                throw ApiException.badRequest(name, "\"" + name + "\" is given twice; give it once");
            }
        }
        return out;
    }

    private static String decode(String text, String field) throws ApiException {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field, "\"" + text + "\" is not percent-encoded properly");
        }
    }

    /** Refuses any query parameter not in {@code allowed}, naming it and the ones this path takes. */
    public void acceptOnly(String... allowed) throws ApiException {
        Set<String> known = Set.of(allowed);
        for (String name : query.keySet()) {
            if (!known.contains(name)) {
                throw ApiException.badRequest(name, "unknown parameter \"" + name + "\"; " + path
                        + (allowed.length == 0 ? " takes none" : " takes " + String.join(", ", allowed)));
            }
        }
    }

    /** The parameter's value, or null when it is absent. */
    public String query(String name) {
        return query.get(name);
    }

    /** The parameter as a whole number within {@code min..max}, or {@code absent} when it is not given. */
    public long intQuery(String name, long min, long max, long absent) throws ApiException {
        String text = query.get(name);
        if (text == null) {
            return absent;
        }
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest(name, "expected a whole number from " + min + " to " + max + ", got \"" + text
                + "\"");
    }

    /** The body as a JSON object; a missing, oversized or malformed body is a 400 naming "body". */
    public JsonObject jsonBody() throws ApiException {
        String text = bodyText();
        if (text.isBlank()) {
            throw ApiException.badRequest("body", "the request has no body; send a JSON object");
        }
        JsonElement element;
        try {
            element = Json.parse(text);
        } catch (JsonParseException e) {
            throw ApiException.badRequest("body", "the body is not JSON (" + rootCause(e) + ")");
        }
        if (!element.isJsonObject()) {
            throw ApiException.badRequest("body", "the body must be a JSON object like {\"key\": \"value\"}");
        }
        return element.getAsJsonObject();
    }

    /** {@code body[key]} as a string; absent or not a string is a 400 naming {@code key}. */
    public static String stringField(JsonObject body, String key, String example) throws ApiException {
        JsonElement value = body.get(key);
        if (value == null || value.isJsonNull()) {
            throw ApiException.badRequest(key, "\"" + key + "\" is missing; e.g. \"" + key + "\": " + example);
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw ApiException.badRequest(key, "\"" + key + "\" must be a string like " + example + ", got " + value);
        }
        return value.getAsString();
    }

    /** Refuses any key of {@code body} not in {@code allowed}, naming it. */
    public static void acceptOnlyKeys(JsonObject body, String... allowed) throws ApiException {
        List<String> known = List.of(allowed);
        List<String> unknown = new ArrayList<>(body.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest(unknown.getFirst(), "unknown key \"" + unknown.getFirst() + "\"; the body takes "
                    + String.join(", ", allowed));
        }
    }

    private String bodyText() throws ApiException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try {
            for (int n; (n = body.read(chunk)) > 0; ) {
                out.write(chunk, 0, n);
                if (out.size() > MAX_BODY) {
                    throw ApiException.badRequest("body", "the body is larger than " + MAX_BODY / 1024 + " KiB");
                }
            }
        } catch (IOException e) {
            throw ApiException.badRequest("body", "the body could not be read (" + e.getMessage() + ")");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String rootCause(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
