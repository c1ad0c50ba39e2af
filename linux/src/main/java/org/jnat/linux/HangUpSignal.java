package org.jnat.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Takes SIGHUP back when the process was started with it ignored ({@code nohup}, a supervisor, a
 * shell's {@code trap '' HUP}), so that {@code jnat run} can reload its config on SIGHUP.
 *
 * <p>Why this is needed: an ignored disposition is inherited across exec, and HotSpot refuses to
 * install a handler for an ignored shutdown signal ({@code sun.misc.Signal.handle} then returns
 * without error and the handler is never called). {@code sigaction(2)} reads the disposition; if it
 * is {@code SIG_IGN}, {@link #takeBackIfIgnored()} sets it to {@code SIG_DFL}, after which the JVM
 * installs the handler it is given. A hang-up then reloads rather than kills, which is still what
 * the parent asked for (the process survives it); nginx does the same.
 *
 * <p>Set-up only: it allocates. Linux numbers SIGHUP 1 on every architecture; glibc's and musl's
 * {@code struct sigaction} both begin with the handler, a pointer.
 */
public final class HangUpSignal {
    private HangUpSignal() {
    }

    static final int SIGHUP = 1;
    /** The handler values sigaction(2) reports for "default" and "ignore". */
    static final long SIG_DFL = 0, SIG_IGN = 1;
    /** Larger than struct sigaction on every Linux ABI (152 bytes with glibc on x86_64 and aarch64). */
    private static final long SIGACTION_BYTES = 256;

    private static final MethodHandle SIGACTION = LibC.bind("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));

    /** True if this process ignores SIGHUP (it was started so). */
    public static boolean ignored() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGACTION_BYTES, 8);
            return call(SIGHUP, MemorySegment.NULL, old) == 0 && old.get(JAVA_LONG, 0) == SIG_IGN;
        }
    }

    /**
     * If SIGHUP is ignored, sets it to its default disposition and returns true (the caller installs
     * its handler next: the window in which a hang-up would end the process is that short); else
     * changes nothing and returns false.
     */
    public static boolean takeBackIfIgnored() {
        if (!ignored()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION_BYTES, 8); // zeroed: SIG_DFL, empty mask, no flags
            action.set(JAVA_LONG, 0, SIG_DFL);
            if (call(SIGHUP, action, MemorySegment.NULL) != 0) {
                return false;
            }
        }
        return true;
    }

    private static int call(int signal, MemorySegment action, MemorySegment old) {
        try {
            return (int) SIGACTION.invokeExact(signal, action, old);
        } catch (Throwable t) {
            throw new IllegalStateException("sigaction(" + signal + ")", t);
        }
    }
}
