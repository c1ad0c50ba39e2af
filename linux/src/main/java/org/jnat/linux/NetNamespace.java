package org.jnat.linux;

import java.lang.foreign.Arena;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs set-up code inside a named network namespace ({@code ip netns add NAME}, which keeps it at
 * {@code /run/netns/NAME}). Devices, sockets and TAPs opened there belong to that namespace for
 * their whole life, whichever thread uses them later: this is how the tests and the demo put
 * jnat's interfaces into a namespace without moving the whole process.
 *
 * <p>{@code setns(2)} switches only the calling thread, so the work runs on a fresh platform
 * thread that joins the namespace and ends with the call; the caller's thread never moves.
 */
public final class NetNamespace {
    private NetNamespace() {
    }

    /** Runs {@code action} in namespace {@code name} and returns its result or rethrows its failure. */
    public static <T> T call(String name, Callable<T> action) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("netns-" + name).unstarted(() -> {
            try {
                enter(name);
                result.set(action.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for work in network namespace " + name, e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t.getMessage(), t);
        }
        return result.get();
    }

    private static void enter(String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("network namespace name '" + name + "' is not valid: use the name shown by ip netns list");
        }
        CallState st = new CallState();
        String path = "/run/netns/" + name;
        try (Arena arena = Arena.ofConfined()) {
            int fd = st.check(LibC.open(st.segment, LibC.cString(arena, path), LibC.O_RDONLY | LibC.O_CLOEXEC, 0),
                    "open(" + path + ")", errno -> errno == Errno.ENOENT
                            ? "no network namespace " + name + ": create it with ip netns add " + name
                            : Errno.privileged("CAP_SYS_ADMIN").forErrno(errno));
            try {
                st.check(LibC.setns(st.segment, fd, LibC.CLONE_NEWNET), "setns(" + path + ")",
                        Errno.privileged("CAP_SYS_ADMIN"));
            } finally {
                LibC.close(st.segment, fd);
            }
        }
    }
}
