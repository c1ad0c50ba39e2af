package org.jnat.nat;

/**
 * Each inside host's closed TCP sessions (both FINs seen, or a RST: {@link TcpTracker#isClosed}),
 * oldest first, so that a host at its quota can give up the one it closed first for a new one
 * ({@link NatTable}'s reclaim). Closed sessions keep their row for the transitory timeout (RFC 5382
 * REQ-5, RFC 7857 section 2.2) only so that the segments still in flight find it; a new connection
 * of the same host needs the room more.
 *
 * <p>One intrusive circular doubly linked list per host over the session ids ({@link Links}); the
 * host's entry in {@link HostTable} points at the oldest, whose previous is the newest. Appending,
 * removing and taking the oldest are O(1) and allocate nothing. A session is on its host's list
 * exactly while it is live, TCP and closed.
 */
final class ClosedSessions {
    private final int[] links;
    private final HostTable hosts;

    ClosedSessions(int capacity, HostTable hosts) {
        this.links = new int[2 * capacity];
        this.hosts = hosts;
    }

    /**
     * No closed session listed, as new ({@link HostTable#reset} empties the heads).
     * For a fuzzer that reuses one instance per configuration ({@link NatEngine#reset}): no
     * allocation, every field as the constructor left it.
     */
    void reset() {
        java.util.Arrays.fill(links, 0);
    }

    /** Puts session {@code id} of {@code address} (which holds it) last on the host's list. */
    void append(int address, int id) {
        int slot = hosts.slot(address);
        int oldest = hosts.oldestClosed(slot);
        if (oldest < 0) {
            Links.alone(links, id);
            hosts.oldestClosed(slot, id);
        } else {
            Links.insertBefore(links, oldest, id); // before the oldest: after the newest
        }
    }

    /** Takes session {@code id} of {@code address} off the host's list, on which it must be. */
    void remove(int address, int id) {
        int next = Links.next(links, id);
        Links.unlink(links, id);
        int slot = hosts.slot(address);
        if (next == id) {
            hosts.oldestClosed(slot, HostTable.NONE);
        } else if (hosts.oldestClosed(slot) == id) {
            hosts.oldestClosed(slot, next);
        }
    }

    /** The closed session {@code address} closed first, or {@link HostTable#NONE}. */
    int oldest(int address) {
        int slot = hosts.slot(address);
        return slot < 0 ? HostTable.NONE : hosts.oldestClosed(slot);
    }

    /** The session after {@code id} on its host's list (newer; the oldest again after the newest). For tests. */
    int next(int id) {
        return Links.next(links, id);
    }

    /** The session before {@code id} on its host's list. For tests. */
    int previous(int id) {
        return Links.previous(links, id);
    }

    long bytes() {
        return 4L * links.length;
    }
}
