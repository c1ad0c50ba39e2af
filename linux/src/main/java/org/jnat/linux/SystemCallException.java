package org.jnat.linux;

/**
 * A libc call failed while a device was being set up. The message is one line: the call, the
 * errno by name and text, and what to do, e.g.
 * {@code open(/dev/net/tun) failed: ENOENT (No such file or directory); /dev/net/tun is missing: run modprobe tun}.
 *
 * <p>Only set-up code throws this; the packet path returns counts and error codes instead.
 */
public final class SystemCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public SystemCallException(String call, int errno, String whatToDo) {
        super(Errno.message(call, errno, whatToDo));
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed, with its main argument, e.g. {@code ioctl(TUNSETIFF, jnat0)}. */
    public String call() {
        return call;
    }

    /** The errno value, e.g. 1 for EPERM. */
    public int errno() {
        return errno;
    }
}
