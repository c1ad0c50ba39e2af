package org.jnat.app;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.nio.file.Path;
import org.jnat.app.admin.AdminClient;
import org.jnat.app.admin.HostPort;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.config.AdminConfig;
import picocli.CommandLine.Option;

/**
 * The options every verb that talks to a running router shares (a picocli mixin): {@code --admin
 * HOST:PORT}, or {@code --config} to take the address and the token from the router's own file,
 * else 127.0.0.1:8080.
 */
final class AdminTarget {
    static final String DEFAULT = "127.0.0.1:8080";

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "the running router's admin API (default: [admin] listen of --config, else " + DEFAULT + ")")
    String admin;

    @Option(names = "--config", paramLabel = "FILE",
            description = "the router's TOML file, for its [admin] listen and token")
    Path config;

    /** A client for the router, or null after printing why not (prefixed {@code jnat VERB: }) to stderr. */
    AdminClient client(String verb) {
        String prefix = "jnat " + verb + ": ";
        AdminConfig fromFile = null;
        if (config != null) {
            try {
                fromFile = ConfigLoader.load(config).admin();
            } catch (ConfigException e) {
                System.err.println(prefix + e.getMessage());
                return null;
            }
            if (fromFile == null && admin == null) {
                System.err.println(prefix + config + " has no [admin] table, so that router serves no admin API;"
                        + " add [admin] listen = \"" + DEFAULT + "\" and restart it");
                return null;
            }
        }
        String address = admin != null ? admin : fromFile != null ? fromFile.listen() : DEFAULT;
        HostPort target;
        try {
            target = HostPort.parse(address);
        } catch (IllegalArgumentException e) {
            System.err.println(prefix + "--admin: " + e.getMessage());
            return null;
        }
        // A router listening on every address is reached on this machine through loopback.
        if (target.host().equals("0.0.0.0")) {
            target = new HostPort("127.0.0.1", target.port());
        } else if (target.host().equals("[::]")) {
            target = new HostPort("[::1]", target.port());
        }
        return new AdminClient(target, fromFile == null ? null : fromFile.token());
    }

    /**
     * GETs {@code pathAndQuery} from the router and gives the array under {@code key} of its answer,
     * or null after printing why in one line (prefixed {@code jnat VERB: }).
     */
    JsonArray fetchList(String verb, String pathAndQuery, String key) {
        try (AdminClient client = client(verb)) {
            if (client == null) {
                return null;
            }
            JsonElement body = client.get(pathAndQuery);
            JsonElement list = body.isJsonObject() ? body.getAsJsonObject().get(key) : null;
            if (list == null || !list.isJsonArray()) {
                System.err.println("jnat " + verb + ": the answer from " + client.target() + " lists no " + key
                        + "; is it jnat's admin API?");
                return null;
            }
            return list.getAsJsonArray();
        } catch (AdminClient.Failure e) {
            System.err.println("jnat " + verb + ": " + e.getMessage());
            return null;
        }
    }
}
