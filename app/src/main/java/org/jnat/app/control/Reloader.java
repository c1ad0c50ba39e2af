package org.jnat.app.control;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jnat.app.admin.ApiException;
import org.jnat.app.config.ConfigException;
import org.jnat.app.config.ConfigLoader;
import org.jnat.app.config.LoadedConfig;
import org.jnat.app.config.Origins;
import org.jnat.config.NatConfig;
import org.jnat.config.RouterConfig;
import org.jnat.config.PcpConfig;
import org.jnat.nat.NatEngine;
import org.jnat.pcp.PcpServer;
import org.jnat.runtime.ControlQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a running router's config file (SIGHUP, {@code POST /api/v1/reload}), all or nothing:
 * the file is loaded and validated first (a bad one changes nothing, and the error names
 * file:line:key); then it is compared with the running config ({@link ConfigDiff}), and any key
 * that cannot change live refuses the whole reload, naming each. Otherwise the file's forwards are
 * replaced by the new file's ({@link LiveForwards}: those added through the API stay, and one the
 * new file collides with refuses the reload), and the NAT's live settings are set in one command on
 * the data-plane thread. No session is dropped by a reload, but those of a removed forward.
 * One info line is logged per reload, with what changed.
 */
public final class Reloader {
    private static final Logger log = LoggerFactory.getLogger(Reloader.class);
    /** A {@link ConfigException}'s message: {@code file:line: key: ...}. */
    private static final Pattern KEY = Pattern.compile("^.*?:\\d+: ([A-Za-z0-9_.-]+): .*");

    private final Path file;
    private final ControlQueue control;
    private final NatEngine nat;
    /** The PCP server, or null when {@code [pcp]} is off. */
    private final PcpServer pcp;
    private final LiveForwards forwards;
    /** The config of the file in force (its forwards those of the file); changed only by {@link #reload}. */
    private volatile RouterConfig running;
    /** Where each value of {@link #running} came from, as its load noted; changed only by {@link #reload}. */
    private volatile Origins origins;

    /**
     * {@code file}: the config file to reload, or null for a router started without one (the demo);
     * {@code origins}: where each value of {@code running} came from ({@link LoadedConfig#origins()});
     * {@code pcp}: the PCP server whose live settings a reload changes, or null when there is none.
     */
    public Reloader(Path file, RouterConfig running, Origins origins, ControlQueue control, NatEngine nat,
            PcpServer pcp) {
        this.pcp = pcp;
        this.file = file;
        this.origins = origins;
        this.running = running;
        this.control = control;
        this.nat = nat;
        this.forwards = new LiveForwards(control, nat, running.forwards());
    }

    /** Where each value of the file's config in force came from (empty for a router started without a file). */
    public Origins origins() {
        return origins;
    }

    public LiveForwards forwards() {
        return forwards;
    }

    /** The config in force: the file's last accepted one, with the forwards in force now (the API's too). */
    public RouterConfig inForce() {
        return running.withForwards(forwards.rules()); // the rest as loaded, the pool (and its DMZ) included
    }

    /**
     * Reloads the file; returns one line per change (empty when the file changes nothing). Throws
     * a 400 for a bad file (the sentence names file:line:key), a 409 for a change that cannot be
     * made live, or for a forward that collides with one added through the API; nothing changes then.
     */
    public synchronized List<String> reload() throws ApiException {
        if (file == null) {
            throw new ApiException(409, "this router was not started from a config file, so there is none to"
                    + " reload", null);
        }
        LoadedConfig loaded;
        try {
            loaded = ConfigLoader.loadWithWarnings(file);
        } catch (ConfigException e) {
            Matcher m = KEY.matcher(e.getMessage());
            throw ApiException.badRequest(m.matches() ? m.group(1) : "config", e.getMessage()
                    + "; nothing was changed");
        }
        RouterConfig next = loaded.config();
        ConfigDiff diff = ConfigDiff.between(running, next);
        if (diff.refusal() != null) {
            throw new ApiException(409, file + ": " + diff.refusal(), diff.refused().getFirst());
        }
        loaded.warnings().forEach(log::warn);
        List<String> changes = new ArrayList<>(forwards.replaceFileForwards(next.forwards()));
        if (!diff.changes().isEmpty()) {
            NatConfig before = running.nat();
            NatConfig after = next.nat();
            PcpConfig pcpAfter = next.pcp();
            LiveForwards.onDataPlane(control, now -> {
                apply(before, after);
                if (pcp != null) {
                    pcp.settings(pcpAfter); // the mappings made stay; their limits apply to requests from now on
                }
                return null;
            });
            changes.addAll(diff.changes());
        }
        running = next;
        origins = loaded.origins();
        log.info("reloaded {}: {}", file, changes.isEmpty() ? "nothing changed" : String.join("; ", changes));
        return changes;
    }

    /** {@link #reload}, for SIGHUP: a refusal is logged (the router goes on as it was), never thrown. */
    public void reloadAndLog() {
        try {
            reload();
        } catch (ApiException e) {
            log.error("reload refused: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error("reload failed; the router goes on with its config as it was", e);
        }
    }

    /** On the data-plane thread: the NAT's live settings from {@code before} to {@code after}. */
    private void apply(NatConfig before, NatConfig after) {
        nat.hairpinning(after.hairpinning());
        nat.table().maxSessionsPerHost(after.maxSessionsPerHost());
        nat.table().timeouts(after.timeouts());
        nat.policy().dmz(after.dmz());
        if (after.unmatched() != before.unmatched()) { // (going to drop forgets the held SYNs)
            nat.policy().unmatched(after.unmatched());
        }
    }
}
