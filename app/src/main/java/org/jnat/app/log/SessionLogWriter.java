package org.jnat.app.log;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jnat.nat.SessionLog;
import org.jnat.runtime.Counters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session log's writer: a thread of its own, off the data plane, that drains the
 * {@link SessionLog} ring and appends one line per record to the file ({@link SessionLogLines}).
 * Lines are buffered and flushed when the ring runs empty, at least every second while it does not,
 * and when the writer closes. It remembers when each session started (by session id) so that the
 * "ended" line can say it.
 *
 * <p>The file is opened for appending (O_APPEND): logrotate's {@code copytruncate} works (the next
 * line goes to the start of the truncated file); a rotation that moves the file away would leave jnat
 * writing to the moved file, since the file is not reopened.
 *
 * <p>Counters: {@code log.sessions.written}, and {@code log.sessions.lost} for lines a failing file
 * did not take. This thread is the only writer of those two slots, which is what {@link Counters}
 * needs (one writer per slot); the data plane counts {@code log.sessions.dropped}.
 */
public final class SessionLogWriter implements AutoCloseable {
    private static final long FLUSH_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long the thread sleeps when the ring is empty: lines are at most this late. */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long UNKNOWN = Long.MIN_VALUE;
    private static final Logger log = LoggerFactory.getLogger(SessionLogWriter.class);

    private final Path file;
    private final SessionLog ring;
    private final SessionLogLines lines;
    private final Writer out;
    /** When each session id started, in the router's clock; {@link #UNKNOWN} when not known. */
    private final long[] starts;
    private final Counters counters;
    private final int written;
    private final int lost;
    private final SessionLog.Record record = new SessionLog.Record();
    private volatile boolean running;
    private Thread thread;
    private long lastFlush;
    private boolean dirty;
    private boolean failed;
    private boolean closed;

    private SessionLogWriter(Path file, Writer out, SessionLog ring, SessionLogLines lines, int sessionIds,
                             Counters counters) {
        this.file = file;
        this.out = out;
        this.ring = ring;
        this.lines = lines;
        this.starts = new long[sessionIds];
        Arrays.fill(starts, UNKNOWN);
        this.counters = counters;
        this.written = counters.register("log.sessions.written", "session log lines written ([log] sessions)");
        this.lost = counters.register("log.sessions.lost", "session log lines lost because the file could not be"
                + " written (disk full, permissions)");
    }

    /** Opens {@code file} for appending (created if need be); {@code sessionIds}: the session table's capacity. */
    public static SessionLogWriter open(Path file, SessionLog ring, SessionLogLines lines, int sessionIds,
                                       Counters counters) throws IOException {
        Writer out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND), StandardCharsets.UTF_8), 64 * 1024);
        return new SessionLogWriter(file, out, ring, lines, sessionIds, counters);
    }

    /** Starts the writer thread. */
    public void start() {
        running = true;
        lastFlush = System.nanoTime();
        thread = Thread.ofPlatform().name("jnat-session-log").daemon(true).start(this::run);
        log.info("session log: appending to {}", file);
    }

    private void run() {
        while (running) {
            int n = drain();
            long now = System.nanoTime();
            if (dirty && (n == 0 || now - lastFlush >= FLUSH_EVERY_NANOS)) {
                flush(now);
            }
            if (n == 0) {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
    }

    /** Writes every record waiting in the ring; returns how many. The writer thread's (or, stopped, the closer's). */
    int drain() {
        int n = 0;
        while (ring.poll(record)) {
            n++;
            Long start = null;
            if (record.id >= 0 && record.id < starts.length) {
                if (record.event == SessionLog.CREATED) {
                    starts[record.id] = record.nanos;
                } else {
                    start = starts[record.id] == UNKNOWN ? null : starts[record.id];
                    starts[record.id] = UNKNOWN;
                }
            }
            write(lines.line(record, start));
        }
        return n;
    }

    private void write(String line) {
        if (failed) {
            counters.increment(lost);
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            dirty = true;
            counters.increment(written);
        } catch (IOException e) {
            fail(e);
            counters.increment(lost);
        }
    }

    private void flush(long now) {
        lastFlush = now;
        dirty = false;
        if (failed) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            fail(e);
        }
    }

    private void fail(IOException e) {
        // Once: a full disk would otherwise log a line per session.
        failed = true;
        log.warn("session log: cannot write {} ({}); lines are lost from now on (log.sessions.lost) until jnat"
                + " restarts", file, e.getMessage());
    }

    /** Stops the thread, writes what is left in the ring, flushes and closes the file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        drain();
        flush(System.nanoTime());
        try {
            out.close();
        } catch (IOException e) {
            log.warn("session log: closing {} failed ({})", file, e.getMessage());
        }
    }
}
