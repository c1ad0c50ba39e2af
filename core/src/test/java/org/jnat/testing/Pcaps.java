package org.jnat.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jnat.device.PcapReader;
import org.jnat.device.PcapWriter;

/** Test conveniences for pcap files: read a whole file, write frames, find the reference captures. */
public final class Pcaps {
    private Pcaps() {
    }

    /** One record of a pcap file. */
    public record Record(long timestampNanos, byte[] frame, int originalLength) {
    }

    /** Every record of {@code file}, in order. */
    public static List<Record> read(Path file) {
        try (PcapReader reader = PcapReader.open(file)) {
            List<Record> records = new ArrayList<>();
            byte[] frame;
            while ((frame = reader.nextBytes()) != null) {
                records.add(new Record(reader.timestampNanos(), frame, reader.originalLength()));
            }
            return records;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The frames of {@code file}, in order, without timestamps. */
    public static List<byte[]> frames(Path file) {
        return read(file).stream().map(Record::frame).toList();
    }

    /** Writes {@code frames} to {@code file}, one microsecond apart from {@code startNanos}. */
    public static void write(Path file, long startNanos, List<byte[]> frames) {
        try (PcapWriter writer = PcapWriter.create(file)) {
            long t = startNanos;
            for (byte[] frame : frames) {
                writer.write(frame, t);
                t += 1_000;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory of the Linux kernel NAT reference captures (test resources of core). */
    public static Path linuxNatVectors() {
        URL url = Pcaps.class.getResource("/vectors/linux-nat/README.md");
        if (url == null) {
            throw new IllegalStateException("vectors/linux-nat is not on the test class path");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException | java.nio.file.FileSystemNotFoundException e) {
            // Another module's tests read core's test jar: take the captures from core's sources.
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path vectors = dir.resolve("core/src/test/resources/vectors/linux-nat");
                if (java.nio.file.Files.isDirectory(vectors)) {
                    return vectors;
                }
            }
            throw new IllegalStateException("vectors/linux-nat is inside a jar; read it from core's test resources", e);
        }
    }

    /**
     * The scenarios of the reference captures, each an {@code -inside} and an {@code -outside}
     * capture: the parameters of every test that replays them all.
     */
    public static List<String> linuxNatScenarios() {
        return List.of("tcp-http", "udp-echo", "icmp-echo", "traceroute", "udp-closed-port", "tcp-closed-port",
                "pmtu-upload", "two-hosts-same-port", "udp-fragmented", "icmp-frag-needed", "tcp-port-forward",
                "unsolicited-inbound");
    }

    /** One reference capture, e.g. {@code linuxNat("tcp-http-inside")}. */
    public static Path linuxNat(String name) {
        return linuxNatVectors().resolve(name.endsWith(".pcap") ? name : name + ".pcap");
    }

    /** Every reference capture, sorted by name. */
    public static List<Path> allLinuxNat() {
        try (Stream<Path> files = Files.list(linuxNatVectors())) {
            return files.filter(p -> p.toString().endsWith(".pcap")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
