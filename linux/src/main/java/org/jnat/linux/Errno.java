package org.jnat.linux;

/**
 * Linux errno values by name and text, and the sentences jnat adds to say what to do. Pure Java
 * (no strerror), so messages are the same in every locale and testable without privileges.
 */
public final class Errno {
    private Errno() {
    }

    public static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22,
            EMFILE = 24, ENOTTY = 25, ENOSPC = 28, ENOSYS = 38, EMSGSIZE = 90, ENOPROTOOPT = 92,
            EPROTONOSUPPORT = 93, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99,
            ENETDOWN = 100, ENETUNREACH = 101, ENOBUFS = 105;

    /** What to do about one errno from one call; null when jnat has nothing to add. */
    @FunctionalInterface
    public interface Hint {
        String forErrno(int errno);
    }

    private static final String[][] TABLE = new String[134][];

    static {
        put(1, "EPERM", "Operation not permitted");
        put(2, "ENOENT", "No such file or directory");
        put(3, "ESRCH", "No such process");
        put(4, "EINTR", "Interrupted system call");
        put(5, "EIO", "Input/output error");
        put(6, "ENXIO", "No such device or address");
        put(7, "E2BIG", "Argument list too long");
        put(9, "EBADF", "Bad file descriptor");
        put(11, "EAGAIN", "Resource temporarily unavailable");
        put(12, "ENOMEM", "Cannot allocate memory");
        put(13, "EACCES", "Permission denied");
        put(14, "EFAULT", "Bad address");
        put(16, "EBUSY", "Device or resource busy");
        put(17, "EEXIST", "File exists");
        put(19, "ENODEV", "No such device");
        put(20, "ENOTDIR", "Not a directory");
        put(21, "EISDIR", "Is a directory");
        put(22, "EINVAL", "Invalid argument");
        put(23, "ENFILE", "Too many open files in system");
        put(24, "EMFILE", "Too many open files");
        put(25, "ENOTTY", "Inappropriate ioctl for device");
        put(28, "ENOSPC", "No space left on device");
        put(30, "EROFS", "Read-only file system");
        put(32, "EPIPE", "Broken pipe");
        put(34, "ERANGE", "Numerical result out of range");
        put(38, "ENOSYS", "Function not implemented");
        put(61, "ENODATA", "No data available");
        put(75, "EOVERFLOW", "Value too large for defined data type");
        put(90, "EMSGSIZE", "Message too long");
        put(92, "ENOPROTOOPT", "Protocol not available");
        put(93, "EPROTONOSUPPORT", "Protocol not supported");
        put(94, "ESOCKTNOSUPPORT", "Socket type not supported");
        put(95, "EOPNOTSUPP", "Operation not supported");
        put(97, "EAFNOSUPPORT", "Address family not supported by protocol");
        put(98, "EADDRINUSE", "Address already in use");
        put(99, "EADDRNOTAVAIL", "Cannot assign requested address");
        put(100, "ENETDOWN", "Network is down");
        put(101, "ENETUNREACH", "Network is unreachable");
        put(105, "ENOBUFS", "No buffer space available");
        put(110, "ETIMEDOUT", "Connection timed out");
    }

    private static void put(int errno, String name, String text) {
        TABLE[errno] = new String[] {name, text};
    }

    /** The symbolic name, e.g. {@code EPERM}, or {@code errno 200} for one jnat does not know. */
    public static String name(int errno) {
        String[] entry = errno > 0 && errno < TABLE.length ? TABLE[errno] : null;
        return entry == null ? "errno " + errno : entry[0];
    }

    /** The C library's text, e.g. {@code Operation not permitted}. */
    public static String text(int errno) {
        String[] entry = errno > 0 && errno < TABLE.length ? TABLE[errno] : null;
        return entry == null ? "Unknown error " + errno : entry[1];
    }

    /**
     * The one-line message for a failed call:
     * {@code CALL failed: NAME (text); WHAT TO DO}.
     */
    public static String message(String call, int errno, String whatToDo) {
        String base = call + " failed: " + name(errno) + " (" + text(errno) + ")";
        return whatToDo == null || whatToDo.isEmpty() ? base : base + "; " + whatToDo;
    }

    /** The usual advice when the kernel refuses for lack of privilege. */
    public static String needPrivilege(String capability) {
        return "run as root or give the process " + capability
                + " (e.g. sudo setcap cap_net_admin,cap_net_raw+ep on the java binary)";
    }

    /** A hint for calls whose only likely failure is a missing privilege. */
    public static Hint privileged(String capability) {
        return errno -> errno == EPERM || errno == EACCES ? needPrivilege(capability) : null;
    }

    /** A hint for calls that name an interface: privilege, or no such interface. */
    public static Hint onInterface(String interfaceName, String capability) {
        return errno -> switch (errno) {
            case EPERM, EACCES -> needPrivilege(capability);
            case ENODEV, ENXIO -> "no such interface " + interfaceName
                    + ": create it or check the name (ip link show)";
            default -> null;
        };
    }
}
