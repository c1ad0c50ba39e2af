package org.jnat.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A minimal io_uring (include/uapi/linux/io_uring.h, io_uring_setup(2), io_uring_enter(2)) bound
 * through FFM: one submission queue, one completion queue, no SQPOLL, no registered files. It
 * exists to batch many reads (or writes) of one non-blocking fd into one system call.
 *
 * <p>The rings are shared memory with the kernel. Producer/consumer indexes follow the kernel's
 * rules: SQEs are written first, then the SQ tail with a release store (the kernel reads it with
 * an acquire); the CQ tail is read with an acquire load (the kernel publishes it with a release),
 * then the CQEs, then our CQ head with a release store so the kernel may reuse the entries.
 *
 * <p>Requires {@code IORING_FEAT_SINGLE_MMAP} (5.4 and later): SQ and CQ rings in one mapping.
 * Set-up throws {@link SystemCallException}; the rest never throws or allocates.
 *
 * <p>Threads: one thread submits and reaps; {@link #close()} once it has stopped.
 */
final class IoUring implements AutoCloseable {
    static final long SYS_IO_URING_SETUP = 425, SYS_IO_URING_ENTER = 426, SYS_IO_URING_REGISTER = 427; // x86_64 and the generic table
    static final int IORING_REGISTER_PBUF_RING = 22;
    static final byte IORING_OP_NOP = 0, IORING_OP_READ_MULTISHOT = 49;   // READ_MULTISHOT: 6.7
    static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    static final int IORING_CQE_F_BUFFER = 1, IORING_CQE_F_MORE = 2, IORING_CQE_BUFFER_SHIFT = 16;
    static final int ENOBUFS = 105;
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final long IORING_OFF_SQ_RING = 0L, IORING_OFF_SQES = 0x10000000L;
    static final int IORING_ENTER_GETEVENTS = 1;
    static final byte IORING_OP_READV = 1, IORING_OP_WRITEV = 2;
    static final int RWF_NOWAIT = 0x8;
    static final int ECANCELED = 125;

    private static final int SQE_SIZE = 64, CQE_SIZE = 16;
    private static final int MAP_POPULATE = 0x8000;
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final int fd;
    private final MemorySegment rings;
    private final long ringsLength;
    private final MemorySegment sqes;
    private final long sqesLength;
    private final int sqEntries, sqMask, cqMask;
    private final long sqTailOffset, cqHeadOffset, cqTailOffset, cqesOffset;
    private final CallState state;

    // Our copies of the indexes we own: the SQ tail (we produce) and the CQ head (we consume).
    private int sqTail;
    private int cqHead;
    private volatile boolean closed;

    private IoUring(int fd, MemorySegment rings, long ringsLength, MemorySegment sqes, long sqesLength, int sqEntries,
                    int sqMask, int cqMask, long sqTailOffset, long cqHeadOffset, long cqTailOffset, long cqesOffset,
                    CallState state) {
        this.fd = fd;
        this.rings = rings;
        this.ringsLength = ringsLength;
        this.sqes = sqes;
        this.sqesLength = sqesLength;
        this.sqEntries = sqEntries;
        this.sqMask = sqMask;
        this.cqMask = cqMask;
        this.sqTailOffset = sqTailOffset;
        this.cqHeadOffset = cqHeadOffset;
        this.cqTailOffset = cqTailOffset;
        this.cqesOffset = cqesOffset;
        this.state = state;
        this.sqTail = (int) INT.getAcquire(rings, sqTailOffset);
        this.cqHead = (int) INT.getAcquire(rings, cqHeadOffset);
    }

    /**
     * Sets up a ring of at least {@code entries} submission entries (a power of two up to 32768).
     * Throws {@link SystemCallException} when the kernel refuses (ENOSYS: no io_uring; EPERM:
     * {@code kernel.io_uring_disabled} or a seccomp filter; ENOMEM: locked-memory limit).
     */
    static IoUring open(int entries) {
        CallState st = new CallState();
        int fd;
        int sqEntries, cqEntries;
        long sqTail, sqMaskOff, sqArray, cqHead, cqTail, cqMaskOff, cqes;
        try (Arena arena = Arena.ofConfined()) {
            // struct io_uring_params: 10 u32 (sq_entries, cq_entries, flags, sq_thread_cpu,
            // sq_thread_idle, features, wq_fd, resv[3]), then io_sqring_offsets at 40 and
            // io_cqring_offsets at 80, 40 bytes each.
            MemorySegment params = arena.allocate(120, 8);
            fd = (int) st.check(LibC.syscall(st.segment, SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0),
                    "io_uring_setup", errno -> switch (errno) {
                        case Errno.ENOSYS -> "this kernel has no io_uring (CONFIG_IO_URING)";
                        case Errno.EPERM -> "io_uring is disabled (sysctl kernel.io_uring_disabled, or a seccomp filter)";
                        default -> null;
                    });
            int features = params.get(JAVA_INT, 20);
            if ((features & IORING_FEAT_SINGLE_MMAP) == 0) {
                LibC.close(st.segment, fd);
                throw new SystemCallException("io_uring_setup", Errno.ENOSYS, "the kernel is older than 5.4 (no IORING_FEAT_SINGLE_MMAP)");
            }
            sqEntries = params.get(JAVA_INT, 0);
            cqEntries = params.get(JAVA_INT, 4);
            sqTail = params.get(JAVA_INT, 44);
            sqMaskOff = params.get(JAVA_INT, 48);
            sqArray = params.get(JAVA_INT, 64);
            cqHead = params.get(JAVA_INT, 80);
            cqTail = params.get(JAVA_INT, 84);
            cqMaskOff = params.get(JAVA_INT, 88);
            cqes = params.get(JAVA_INT, 100);
        }
        long ringsLength = Math.max(sqArray + 4L * sqEntries, cqes + (long) CQE_SIZE * cqEntries);
        long sqesLength = (long) SQE_SIZE * sqEntries;
        long ringsAddress = LibC.mmap(st.segment, ringsLength, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
        if (ringsAddress == -1) {
            int errno = st.errno();
            LibC.close(st.segment, fd);
            throw new SystemCallException("mmap(io_uring rings)", errno, null);
        }
        long sqesAddress = LibC.mmap(st.segment, sqesLength, LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
        if (sqesAddress == -1) {
            int errno = st.errno();
            LibC.munmap(st.segment, ringsAddress, ringsLength);
            LibC.close(st.segment, fd);
            throw new SystemCallException("mmap(io_uring SQEs)", errno, null);
        }
        MemorySegment rings = MemorySegment.ofAddress(ringsAddress).reinterpret(ringsLength);
        MemorySegment sqes = MemorySegment.ofAddress(sqesAddress).reinterpret(sqesLength);
        // The SQ array maps ring positions to SQE indexes: the identity, set once, so that the
        // SQE for position p is always sqes[p & mask].
        for (int i = 0; i < sqEntries; i++) {
            rings.set(JAVA_INT, sqArray + 4L * i, i);
        }
        return new IoUring(fd, rings, ringsLength, sqes, sqesLength, sqEntries,
                rings.get(JAVA_INT, sqMaskOff), rings.get(JAVA_INT, cqMaskOff), sqTail, cqHead, cqTail, cqes,
                new CallState());
    }

    /** How many SQEs one {@link #submit} may carry. */
    int entries() {
        return sqEntries;
    }

    /**
     * Fills the {@code i}-th SQE after the current tail (not yet visible to the kernel) with a
     * vectored read or write of {@code fd} at offset 0 (streams ignore it).
     */
    void prepare(int i, byte opcode, byte sqeFlags, int fd, long iovecs, int iovecCount, int rwFlags, long userData) {
        long base = (long) ((sqTail + i) & sqMask) * SQE_SIZE;
        sqes.set(JAVA_BYTE, base, opcode);
        sqes.set(JAVA_BYTE, base + 1, sqeFlags);
        sqes.set(JAVA_SHORT, base + 2, (short) 0);   // ioprio
        sqes.set(JAVA_INT, base + 4, fd);
        sqes.set(JAVA_LONG, base + 8, 0L);          // off
        sqes.set(JAVA_LONG, base + 16, iovecs);     // addr
        sqes.set(JAVA_INT, base + 24, iovecCount);  // len
        sqes.set(JAVA_INT, base + 28, rwFlags);
        sqes.set(JAVA_LONG, base + 32, userData);
        sqes.set(JAVA_LONG, base + 40, 0L);         // buf_index, personality, splice_fd_in
        sqes.set(JAVA_LONG, base + 48, 0L);
        sqes.set(JAVA_LONG, base + 56, 0L);
    }

    /**
     * Publishes {@code count} prepared SQEs and enters the kernel once: submits them and waits
     * until at least {@code minComplete} completions are in the CQ. Returns how many were
     * submitted, or −errno.
     */
    int submit(int count, int minComplete) {
        sqTail += count;
        INT.setRelease(rings, sqTailOffset, sqTail);
        long r = LibC.syscall(state.segment, SYS_IO_URING_ENTER, fd, count, minComplete,
                minComplete > 0 ? IORING_ENTER_GETEVENTS : 0, 0, 0);
        return r < 0 ? -state.errno() : (int) r;
    }

    /** The flags of the {@code j}-th ready completion (IORING_CQE_F_*, the buffer id in the top 16 bits). */
    int flags(int j) {
        return rings.get(JAVA_INT, cqesOffset + (long) ((cqHead + j) & cqMask) * CQE_SIZE + 12);
    }

    /** Sets buf_group of the {@code i}-th prepared SQE (with {@link #IOSQE_BUFFER_SELECT}). */
    void bufferGroup(int i, short group) {
        sqes.set(JAVA_SHORT, (long) ((sqTail + i) & sqMask) * SQE_SIZE + 40, group);
    }

    /**
     * Set-up: registers a ring of provided buffers (IORING_REGISTER_PBUF_RING, 5.19) as buffer
     * group {@code group}: {@code ring} is page-aligned memory of {@code entries} (a power of two)
     * struct io_uring_buf of 16 bytes each.
     */
    void registerBufferRing(MemorySegment ring, int entries, short group) {
        try (Arena arena = Arena.ofConfined()) {
            // struct io_uring_buf_reg: ring_addr u64, ring_entries u32, bgid u16, flags u16, resv[3] u64.
            MemorySegment reg = arena.allocate(40, 8);
            reg.set(JAVA_LONG, 0, ring.address());
            reg.set(JAVA_INT, 8, entries);
            reg.set(JAVA_SHORT, 12, group);
            state.check(LibC.syscall(state.segment, SYS_IO_URING_REGISTER, fd, IORING_REGISTER_PBUF_RING, reg.address(), 1, 0, 0),
                    "io_uring_register(IORING_REGISTER_PBUF_RING)", null);
        }
    }

    /** The ring's own descriptor: readable (poll) when completions are waiting. */
    int fd() {
        return fd;
    }

    /** Takes back the last {@code count} published SQEs the kernel did not consume (after a refused submit). */
    void unpublish(int count) {
        sqTail -= count;
        INT.setRelease(rings, sqTailOffset, sqTail);
    }

    /**
     * As {@link #submit} without waiting and without errno (−1 on failure): for rare calls on the
     * packet path, since a capturing downcall allocates until the JIT's top tier compiles it.
     */
    int submitNoWait(int count) {
        sqTail += count;
        INT.setRelease(rings, sqTailOffset, sqTail);
        return (int) LibC.syscall(SYS_IO_URING_ENTER, fd, count, 0, 0, 0, 0);
    }

    /** Waits (one system call) until at least {@code minComplete} completions are ready; 0 or −errno. */
    int await(int minComplete) {
        long r = LibC.syscall(state.segment, SYS_IO_URING_ENTER, fd, 0, minComplete, IORING_ENTER_GETEVENTS, 0, 0);
        return r < 0 ? -state.errno() : 0;
    }

    /** How many completions are ready to reap. */
    int ready() {
        return (int) INT.getAcquire(rings, cqTailOffset) - cqHead;
    }

    /** The user_data of the {@code j}-th ready completion. */
    long userData(int j) {
        return rings.get(JAVA_LONG, cqesOffset + (long) ((cqHead + j) & cqMask) * CQE_SIZE);
    }

    /** The result (bytes, or −errno) of the {@code j}-th ready completion. */
    int result(int j) {
        return rings.get(JAVA_INT, cqesOffset + (long) ((cqHead + j) & cqMask) * CQE_SIZE + 8);
    }

    /** Hands the first {@code n} ready completions back to the kernel. */
    void consume(int n) {
        cqHead += n;
        INT.setRelease(rings, cqHeadOffset, cqHead);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            CallState st = new CallState();
            LibC.munmap(st.segment, sqes.address(), sqesLength);
            LibC.munmap(st.segment, rings.address(), ringsLength);
            LibC.close(st.segment, fd);
        }
    }
}
