package org.jnat.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Where a native call leaves its {@code errno}: one per device (or per set-up sequence), made once,
 * so that reading errno on the packet path allocates nothing. Not thread-safe: one thread per
 * state.
 */
final class CallState {
    final MemorySegment segment;

    CallState(Arena arena) {
        segment = arena.allocate(LibC.CAPTURE_LAYOUT);
    }

    CallState() {
        this(Arena.ofAuto());
    }

    /** The errno left by the last call made with this state. */
    int errno() {
        return (int) LibC.CAPTURED_ERRNO.get(segment, 0L);
    }

    /**
     * Set-up only: returns {@code result} if it is not −1, else throws a {@link SystemCallException}
     * naming {@code call}, the errno and what to do about it.
     */
    long check(long result, String call, Errno.Hint hint) {
        if (result == -1) {
            int errno = errno();
            throw new SystemCallException(call, errno, hint == null ? null : hint.forErrno(errno));
        }
        return result;
    }

    int check(int result, String call, Errno.Hint hint) {
        return (int) check((long) result, call, hint);
    }
}
