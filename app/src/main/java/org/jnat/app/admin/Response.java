package org.jnat.app.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an {@link Endpoint} answers: a status, a content type and a body. A body of known length is
 * sent at once; a streamed body ({@link #stream}) is sent chunked as it is written, for answers
 * that last (a live capture).
 */
public record Response(int status, String contentType, byte[] body, Body stream, Map<String, String> headers) {

    public Response {
        headers = Map.copyOf(headers);
    }

    /** Writes a streamed body until it ends or the client goes away (an IOException). */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    public static final String JSON = "application/json; charset=utf-8";

    /** 200 with {@code value} as JSON. */
    public static Response json(Object value) {
        return json(200, value);
    }

    public static Response json(int status, Object value) {
        return new Response(status, JSON, (Json.write(value) + "\n").getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    /** 200 with {@code text} as it is. */
    public static Response text(String contentType, String text) {
        return new Response(200, contentType, text.getBytes(StandardCharsets.UTF_8), null, Map.of());
    }

    /** 200, chunked: {@code body} writes for as long as it likes. */
    public static Response stream(String contentType, Body body) {
        return new Response(200, contentType, null, body, Map.of());
    }

    /** {@code {"error": sentence, "field": field}} (no field when it is null). */
    public static Response error(int status, String sentence, String field) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", sentence);
        if (field != null) {
            body.put("field", field);
        }
        return json(status, body);
    }

    /** This response with one more header, e.g. {@code Allow} on a 405. */
    public Response withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new Response(status, contentType, body, stream, more);
    }

    static Response error(ApiException e) {
        return error(e.status(), e.getMessage(), e.field());
    }
}
