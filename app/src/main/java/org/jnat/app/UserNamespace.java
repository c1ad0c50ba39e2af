package org.jnat.app;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jnat.app.lab.Shell;

/**
 * Runs a verb that needs root (namespaces, TAP devices) without root, where the kernel allows it:
 * this same command again, inside a new user namespace in which we are root, with its own network
 * and mount namespaces and a private /run for {@code ip netns}. Otherwise it says what is needed.
 */
final class UserNamespace {
    private static final String MARK = "JNAT_IN_USER_NAMESPACE";

    private UserNamespace() {
    }

    static int reexecOrExplain(String verb, String why) throws Exception {
        return reexecOrExplain(verb, why, true);
    }

    /** As above; {@code needsTun}: the verb opens TAP devices (the demo does; a lab's AF_PACKET routers do not). */
    static int reexecOrExplain(String verb, String why, boolean needsTun) throws Exception {
        String missing = whyNot(needsTun);
        if (missing != null) {
            System.err.println("jnat " + verb + ": " + why + "; and a user namespace is no way out here: " + missing);
            return 1;
        }
        Optional<String> java = ProcessHandle.current().info().command();
        Optional<String[]> args = ProcessHandle.current().info().arguments();
        if (java.isEmpty() || args.isEmpty()) {
            System.err.println("jnat " + verb + ": " + why + " (and this JVM cannot tell its own command line to "
                    + "re-run itself in a user namespace)");
            return 1;
        }
        System.err.println("jnat " + verb + ": not root; running in a user namespace instead (unshare --user --net --mount)");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--net", "--mount", "--",
                "sh", "-c", "mount -t tmpfs jnat /run && exec \"$0\" \"$@\"", java.get()));
        cmd.addAll(List.of(args.get()));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(MARK, "1");
        return pb.start().waitFor();
    }

    /** True in the user namespace {@link #reexecOrExplain} made. */
    static boolean active() {
        return System.getenv(MARK) != null;
    }

    /** Why a user namespace cannot stand in for root here, or null if it can. */
    private static String whyNot(boolean needsTun) {
        if (System.getenv(MARK) != null) {
            return "already inside one, and still not allowed: the kernel refused what the demo needs";
        }
        if (!Shell.has("unshare")) {
            return "the 'unshare' tool is missing (apt-get install util-linux), or run as root";
        }
        try {
            Path max = Path.of("/proc/sys/user/max_user_namespaces");
            if (Files.exists(max) && Files.readString(max).strip().equals("0")) {
                return "the kernel allows no user namespaces (user.max_user_namespaces = 0); run as root";
            }
            Path clone = Path.of("/proc/sys/kernel/unprivileged_userns_clone");
            if (Files.exists(clone) && Files.readString(clone).strip().equals("0")) {
                return "the kernel forbids unprivileged user namespaces (kernel.unprivileged_userns_clone = 0); "
                        + "run as root or set it to 1";
            }
        } catch (Exception e) {
            return "cannot read the kernel's user namespace settings (" + e.getMessage() + "); run as root";
        }
        if (needsTun && (!new File("/dev/net/tun").canRead() || !new File("/dev/net/tun").canWrite())) {
            return "/dev/net/tun is missing or not open to this user (modprobe tun; chmod 0666 /dev/net/tun), "
                    + "or run as root";
        }
        return null;
    }
}
