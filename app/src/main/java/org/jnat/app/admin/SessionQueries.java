package org.jnat.app.admin;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jnat.nat.SessionReader;
import org.jnat.nat.SessionReader.Chunk;
import org.jnat.nat.SessionReader.Filter;
import org.jnat.runtime.ControlQueue;

/**
 * The control plane's side of {@link SessionReader}: every read of the sessions as a series of
 * short {@link ControlQueue} commands, one chunk each, into buffers allocated here, on the admin
 * thread, so that the data plane neither allocates nor is held long. Each call waits for its
 * command; a data plane that does not answer is a 503, never a hung request.
 */
public final class SessionQueries {
    /** How long one command may wait for the data plane (a live one takes it within a round). */
    static final long TIMEOUT_MILLIS = 5000;
    /** Sessions one listing chunk may carry: as many as {@link SessionReader#ROWS_PER_CALL} rows can hold. */
    static final int CHUNK_SESSIONS = SessionReader.ROWS_PER_CALL;

    private final ControlQueue control;
    private final SessionReader reader;

    public SessionQueries(DataPlane plane) {
        this.control = plane.control();
        this.reader = plane.nat().table().reader();
    }

    /** Runs {@code command} on the data plane and waits for it. */
    <T> T call(ControlQueue.Command<T> command) throws ApiException {
        try {
            return control.callWithin(command, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw unavailable("the data plane did not take the request within " + TIMEOUT_MILLIS
                    + " ms, so it was not done");
        } catch (ExecutionException e) {
            throw unavailable("the data plane refused the request (" + e.getCause().getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while waiting for the data plane");
        }
    }

    private static ApiException unavailable(String sentence) {
        return new ApiException(503, sentence + "; is the router stopping?", null);
    }

    /**
     * A walk over the sessions matching {@code filter}, copying at most {@code limit} of them and
     * counting all: call {@link Walk#next} until it answers false, reading {@link Walk#chunk} after each.
     */
    Walk walk(Filter filter, long limit) {
        return new Walk(filter, limit);
    }

    final class Walk {
        final Filter filter;
        final Chunk chunk = new Chunk(CHUNK_SESSIONS);
        private long wanted;
        private long total;
        /** Sessions in the table when the walk began; the total when every session matches. */
        private long size = -1;

        private Walk(Filter filter, long limit) {
            this.filter = filter;
            this.wanted = limit;
        }

        /** The next chunk; false once the walk is over (the chunk then holds nothing new). */
        boolean next() throws ApiException {
            if (size < 0 && filter.all()) {
                long[] g = gauges();
                size = g[SessionReader.GAUGE_SESSIONS];
            }
            // Once enough are copied, counting the rest needs no walk when all match.
            if (chunk.done() || wanted == 0 && filter.all()) {
                chunk.copied = 0;
                return false;
            }
            chunk.room = (int) Math.min(CHUNK_SESSIONS, wanted);
            call(now -> {
                reader.copy(filter, chunk, now);
                return null;
            });
            wanted -= chunk.copied;
            total += chunk.matched;
            return true;
        }

        /** Sessions matching: all walked so far, or the table's size when the filter takes all. */
        long total() {
            return filter.all() ? Math.max(size, total) : total;
        }
    }

    /** Deletes every session of inside host {@code address}, chunk by chunk; returns how many went. */
    long flush(int address) throws ApiException {
        Chunk chunk = new Chunk(0);
        long removed = 0;
        while (!chunk.done()) {
            call(now -> {
                reader.flushHost(address, chunk, now);
                return null;
            });
            removed += chunk.matched;
        }
        return removed;
    }

    /** {@link SessionReader#gauges}: sessions by kind, sessions, max-sessions, hosts. */
    long[] gauges() throws ApiException {
        long[] into = new long[SessionReader.GAUGES];
        call(now -> {
            reader.gauges(into);
            return null;
        });
        return into;
    }

    /** External ports of {@code protocol}'s range held now. */
    int portsInUse(int protocol) throws ApiException {
        int[] into = new int[1]; // an answer the data plane writes, so that it boxes nothing
        call(now -> {
            into[0] = reader.portsInUse(protocol);
            return null;
        });
        return into[0];
    }

    int portRangeSize() {
        return reader.portRangeSize(); // fixed at construction: safe to read from any thread
    }

    /** The {@code n} inside hosts with the most sessions, most first, as {@code sessions << 32 | address}. */
    long[] topHosts(int n) throws ApiException {
        Chunk chunk = new Chunk(n);
        while (!chunk.done()) {
            call(now -> {
                reader.topHosts(chunk);
                return null;
            });
        }
        long[] out = new long[chunk.copied];
        System.arraycopy(chunk.rows, 0, out, 0, chunk.copied);
        return out;
    }

    /** The longest one command held the data plane, and one round of commands, in nanoseconds. */
    long longestCommandNanos() {
        return control.longestCommandNanos();
    }

    long longestDrainNanos() {
        return control.longestDrainNanos();
    }

    long[] holdCounts() {
        return control.holdCounts();
    }

    long holdNanos() {
        return control.holdNanos();
    }

    /** As the above, by the CPU time the data-plane thread spent in each command. */
    long longestCommandCpuNanos() {
        return control.longestCommandCpuNanos();
    }

    long[] cpuHoldCounts() {
        return control.cpuHoldCounts();
    }

    long cpuHoldNanos() {
        return control.cpuHoldNanos();
    }
}
