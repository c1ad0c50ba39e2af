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
                Main.Run.class,
                Main.Check.class,
                Main.Replay.class,
                Main.Demo.class,
                Main.Sessions.class,
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

    /** Until a verb is built, it says so and fails: no verb pretends to work. */
    abstract static class NotYet implements Callable<Integer> {
        @Override
        public Integer call() {
            System.err.println("jnat " + getClass().getSimpleName().toLowerCase() + ": not implemented yet");
            return 2;
        }
    }

    @Command(name = "run", description = "Run the router in the foreground (SIGINT/SIGTERM: clean stop).")
    static final class Run extends NotYet {
        @CommandLine.Option(names = "--config", required = true, description = "the router's TOML file")
        String config;
    }

    @Command(name = "check", description = "Validate a config file and print the effective config.")
    static final class Check extends NotYet {
        @CommandLine.Option(names = "--config", required = true, description = "the router's TOML file")
        String config;
    }

    @Command(name = "replay", description = "Run the router offline over pcap files.")
    static final class Replay extends NotYet {
        @CommandLine.Option(names = "--config", required = true, description = "the router's TOML file")
        String config;
        @CommandLine.Option(names = "--inside", required = true, description = "frames arriving on the inside")
        String inside;
        @CommandLine.Option(names = "--outside", description = "frames arriving on the outside")
        String outside;
        @CommandLine.Option(names = "--write", required = true, description = "directory for inside.pcap and outside.pcap")
        String write;
    }

    @Command(name = "demo", description = "A throwaway lab: a laptop and an internet server with jnat between them.")
    static final class Demo extends NotYet {
    }

    @Command(name = "sessions", description = "Show the live session table of a running router.")
    static final class Sessions extends NotYet {
        @CommandLine.Option(names = "--admin", description = "HOST:PORT of the admin API", defaultValue = "127.0.0.1:8080")
        String admin;
        @CommandLine.Option(names = "--json", description = "print JSON")
        boolean json;
    }
}
