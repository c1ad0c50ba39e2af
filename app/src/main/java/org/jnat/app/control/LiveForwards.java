package org.jnat.app.control;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jnat.app.admin.ApiException;
import org.jnat.app.config.EffectiveConfig;
import org.jnat.config.ForwardRule;
import org.jnat.nat.Endpoint;
import org.jnat.nat.NatEngine;
import org.jnat.nat.PortAllocator;
import org.jnat.nat.PublicAddresses;
import org.jnat.runtime.ControlQueue;
import org.jnat.wire.Ipv4Address;

/**
 * The port forwards in force on a running router, each with an id that stays the same for its
 * life, and where it came from (the config file, or the admin API). The control plane's copy: every
 * change is made here first under one lock (so that two requests, or a request and a reload, take
 * turns), then on the data plane through the {@link ControlQueue}, onto the NAT's
 * {@link org.jnat.nat.InboundPolicy}; the data-plane thread stays the only writer of its tables.
 *
 * <p>Two forwards never share a public port of one protocol: the config file refuses it, and so do
 * {@link #add} and {@link #replaceFileForwards} (409).
 */
public final class LiveForwards {
    /** How long a change waits for the data plane to take it; a live router takes it within a round. */
    static final long WAIT_SECONDS = 5;
    /**
     * Session rows a removal looks at per command: about 0.1 ms of the data plane's time, so that
     * cutting a forward's connections out of a table of a million rows (some 5 to 10 ms of work)
     * holds no round up for long.
     */
    static final int ROWS_PER_COMMAND = 16384;

    /** A forward in force: its id, its rule, and whether the config file (rather than the API) set it. */
    public record Entry(long id, ForwardRule rule, boolean fromFile) {
        /** E.g. "tcp 8080 to 192.168.1.20:80". */
        public String describe() {
            return EffectiveConfig.protocol(rule) + " " + EffectiveConfig.port(rule) + " to " + EffectiveConfig.to(rule);
        }
    }

    /** A forward just added, and, when an inside host's mapping holds one of its ports now, what that means. */
    public record Added(Entry entry, String note) {
    }

    private final ControlQueue control;
    private final NatEngine nat;
    private final List<Entry> entries = new ArrayList<>();
    private long nextId = 1;

    /** {@code fromFile}: the forwards the engine was built with (they get ids 1, 2, ...). */
    public LiveForwards(ControlQueue control, NatEngine nat, List<ForwardRule> fromFile) {
        this.control = control;
        this.nat = nat;
        for (ForwardRule rule : fromFile) {
            entries.add(new Entry(nextId++, rule, true));
        }
    }

    /** The forwards in force, in the order they were added. */
    public synchronized List<Entry> list() {
        return List.copyOf(entries);
    }

    /** The rules in force, in order (for the effective config). */
    public synchronized List<ForwardRule> rules() {
        return entries.stream().map(Entry::rule).toList();
    }

    /**
     * Adds {@code rule} from the API: 409 if a forward in force covers one of its ports. A port an
     * inside host's mapping holds now stays that mapping's until it ends (its connections are not
     * cut), then goes to the forward ({@link PortAllocator#reserve}); the answer's note says so.
     */
    public synchronized Added add(ForwardRule rule) throws ApiException {
        checkFree(rule, entries);
        String note = onDataPlane(now -> {
            nat.policy().addForward(rule);
            return heldBy(rule);
        });
        Entry entry = new Entry(nextId++, rule, false);
        entries.add(entry);
        return new Added(entry, note);
    }

    /** Removes forward {@code id} and cuts the connections through it; 404 if there is none. */
    public synchronized Entry remove(long id) throws ApiException {
        Entry entry = entries.stream().filter(e -> e.id() == id).findFirst().orElseThrow(() -> new ApiException(404,
                "there is no forward " + id + "; GET /api/v1/forwards lists them", "id"));
        cut(entry.rule());
        entries.remove(entry);
        return entry;
    }

    /**
     * A reload: the forwards of the file become {@code next}. One the file keeps keeps its id and
     * its connections; one it dropped goes (its connections cut); a new one is added. Forwards added
     * through the API stay; if one of the new file's forwards collides with one of them, nothing
     * changes and this throws a 409 naming both. Returns one line per change.
     */
    public synchronized List<String> replaceFileForwards(List<ForwardRule> next) throws ApiException {
        List<Entry> gone = entries.stream().filter(e -> e.fromFile() && !next.contains(e.rule())).toList();
        List<ForwardRule> kept = entries.stream().filter(e -> e.fromFile() && next.contains(e.rule()))
                .map(Entry::rule).toList();
        List<ForwardRule> added = next.stream().filter(r -> !kept.contains(r)).toList();
        List<Entry> fromApi = entries.stream().filter(e -> !e.fromFile()).toList();
        for (ForwardRule rule : added) {
            checkFree(rule, fromApi);
        }
        List<String> changes = new ArrayList<>();
        for (Entry entry : gone) {
            cut(entry.rule());
            entries.remove(entry);
            changes.add("forward " + entry.id() + " removed: " + entry.describe());
        }
        for (ForwardRule rule : added) {
            onDataPlane(now -> {
                nat.policy().addForward(rule);
                return null;
            });
            Entry entry = new Entry(nextId++, rule, true);
            entries.add(entry);
            changes.add("forward " + entry.id() + " added: " + entry.describe());
        }
        return changes;
    }

    /**
     * Removes {@code rule} from the data plane in short commands ({@link org.jnat.nat.InboundPolicy}'s
     * three steps): withdrawn first (no new connection), its connections cut a share of the table at a
     * time, and only then its ports released.
     */
    private void cut(ForwardRule rule) throws ApiException {
        if (!onDataPlane(now -> nat.policy().withdrawForward(rule))) {
            return; // (never: this list and the data plane's agree)
        }
        for (int from = 0; from >= 0; ) {
            int start = from;
            from = onDataPlane(now -> nat.policy().cutForwardSessions(rule, start, ROWS_PER_COMMAND, now));
        }
        onDataPlane(now -> {
            nat.policy().releaseForwardPorts(rule, now);
            return null;
        });
    }

    /** 409 if a forward of {@code in} covers one of {@code rule}'s ports. */
    private static void checkFree(ForwardRule rule, List<Entry> in) throws ApiException {
        for (Entry other : in) {
            ForwardRule o = other.rule();
            boolean sameAddress = o.address() == 0 || rule.address() == 0 || o.address() == rule.address();
            if (o.protocol() == rule.protocol() && sameAddress && o.portLow() <= rule.portHigh()
                    && rule.portLow() <= o.portHigh()) {
                int port = Math.max(rule.portLow(), o.portLow());
                throw ApiException.conflict("port", EffectiveConfig.protocol(rule) + " port " + port
                        + " is already forwarded by forward " + other.id() + " (" + other.describe() + (other.fromFile()
                        ? ", from the config file" : ", added through the API") + "); remove it first or choose"
                        + " another port");
            }
        }
    }

    /**
     * On the data-plane thread: a sentence naming the inside endpoint whose mapping holds the first
     * of {@code rule}'s ports that one holds, or null when none does.
     */
    private String heldBy(ForwardRule rule) {
        PortAllocator ports = nat.table().ports();
        PublicAddresses pool = nat.pool();
        for (int a = 0; a < pool.count(); a++) {
            for (int port = rule.portLow(); rule.appliesTo(pool.address(a)) && port <= rule.portHigh(); port++) {
                String by = heldBy(rule, ports.owner(rule.protocol(), PublicAddresses.external(a, port)), port);
                if (by != null) {
                    return by;
                }
            }
        }
        return null;
    }

    /** The sentence for {@code port} of {@code rule} held by mapping {@code m}, or null if {@code m} is none. */
    private String heldBy(ForwardRule rule, int m, int port) {
        if (m < 0) {
            return null;
        }
        long inside = nat.table().mappings().inside(m);
        return EffectiveConfig.protocol(rule) + " port " + port + " is in use by a connection of "
                + Ipv4Address.toString(Endpoint.address(inside)) + ":" + Endpoint.port(inside) + "; the forward takes it when that host's"
                + " mapping ends";
    }

    /**
     * Runs {@code command} on the data-plane thread and waits for it; 503 if the data plane does not
     * take it within {@link #WAIT_SECONDS} (stopped, or far behind), 500 if it failed.
     */
    public static <T> T onDataPlane(ControlQueue control, ControlQueue.Command<T> command) throws ApiException {
        try {
            return control.callWithin(command, WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new ApiException(503, "the data plane did not take the change within " + WAIT_SECONDS
                    + " s, so it was not made; is the router running?", null);
        } catch (ExecutionException e) {
            throw new ApiException(e.getCause() instanceof IllegalStateException ? 503 : 500,
                    "the data plane refused the change: " + e.getCause().getMessage(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for the data plane", null);
        }
    }

    private <T> T onDataPlane(ControlQueue.Command<T> command) throws ApiException {
        return onDataPlane(control, command);
    }
}
