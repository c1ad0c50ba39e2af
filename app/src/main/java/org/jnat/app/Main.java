package org.jnat.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jnat} command line (DESIGN section 4). */
@Command(name = "jnat",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A NAT router in userspace: masquerades a LAN behind one public address.",
        subcommands = {
                RunCommand.class,
                CheckCommand.class,
                ReplayCommand.class,
                DemoCommand.class,
                SessionsCommand.class,
        })
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int execute(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return 0;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/jnat-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"jnat " + p.getProperty("version", "unknown") + " (Java "
                    + Runtime.version() + ")"};
        }
    }
}
