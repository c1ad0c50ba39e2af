package org.jnat.app.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The admin web page at {@code /}: plain HTML, CSS and JavaScript from the jar (resources under
 * {@code org/jnat/app/admin/web/}), no build step, nothing from elsewhere. The page itself is never
 * cached ({@code no-cache}), and it names its script and style sheet with a hash of their bytes
 * ({@code web/page.js?v=HASH}), so that browsers may keep those for good and still never run an old
 * script against a newer jnat. The Content-Security-Policy lets the page load and fetch only from
 * jnat itself.
 */
final class WebPage {
    static final String HTML = "text/html; charset=utf-8";
    static final String CSS = "text/css; charset=utf-8";
    static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    private static final Map<String, String> SECURITY = Map.of(
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");

    private WebPage() {
    }

    /** {@code routes} with {@code GET /}, {@code /web/page.css} and {@code /web/page.js}. */
    static Routes addTo(Routes routes) {
        byte[] css = resource("page.css");
        byte[] js = resource("page.js");
        String html = new String(resource("index.html"), StandardCharsets.UTF_8)
                .replace("@page.css@", hash(css))
                .replace("@page.js@", hash(js));
        return routes.get("/", file(HTML, html.getBytes(StandardCharsets.UTF_8), "no-cache"))
                .get("/web/page.css", file(CSS, css, "public, max-age=31536000, immutable"))
                .get("/web/page.js", file(JAVASCRIPT, js, "public, max-age=31536000, immutable"));
    }

    private static Endpoint file(String contentType, byte[] body, String cacheControl) {
        Response response = new Response(200, contentType, body, null, SECURITY).withHeader("Cache-Control",
                cacheControl);
        return request -> {
            request.acceptOnly("v");
            return response;
        };
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebPage.class.getResourceAsStream("web/" + name)) {
            if (in == null) {
                throw new IllegalStateException("the web page's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first 12 hex digits of the SHA-256 of {@code bytes}: changes whenever the file does. */
    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
