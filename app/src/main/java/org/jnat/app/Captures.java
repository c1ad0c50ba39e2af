package org.jnat.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jnat.device.CapturingDevice;
import org.jnat.device.EpochClock;
import org.jnat.device.NetDevice;
import org.jnat.device.PcapWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jnat run --capture DIR}: the router's two devices wrapped so that {@code DIR/inside.pcap}
 * and {@code DIR/outside.pcap} get every frame jnat receives and sends on that side, both
 * directions in one file, stamped with wall-clock time. The poll loop keeps the bare devices (it
 * needs their file descriptors); only the router sees the capturing ones.
 */
final class Captures implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Captures.class);

    private final Path directory;
    private final PcapWriter insideFile;
    private final PcapWriter outsideFile;
    /** What the router gets instead of the bare devices. */
    final CapturingDevice inside;
    final CapturingDevice outside;

    private Captures(Path directory, PcapWriter insideFile, PcapWriter outsideFile, NetDevice in, NetDevice out) {
        this.directory = directory;
        this.insideFile = insideFile;
        this.outsideFile = outsideFile;
        EpochClock clock = new EpochClock();
        this.inside = new CapturingDevice(in, insideFile, insideFile, clock);
        this.outside = new CapturingDevice(out, outsideFile, outsideFile, clock);
    }

    /** Creates {@code directory} if need be and the two files in it (truncating earlier captures). */
    static Captures open(Path directory, NetDevice inside, NetDevice outside) throws IOException {
        Files.createDirectories(directory);
        PcapWriter in = PcapWriter.create(directory.resolve("inside.pcap"), PcapWriter.Resolution.NANOSECONDS);
        PcapWriter out;
        try {
            out = PcapWriter.create(directory.resolve("outside.pcap"), PcapWriter.Resolution.NANOSECONDS);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        log.info("capturing both sides into {}/inside.pcap and outside.pcap", directory);
        return new Captures(directory, in, out, inside, outside);
    }

    /** Closes the two files (not the devices, which the runtime closes); a failed write is logged. */
    @Override
    public void close() {
        for (PcapWriter file : new PcapWriter[] {insideFile, outsideFile}) {
            try {
                file.close();
            } catch (UncheckedIOException e) {
                log.warn("the capture in {} is incomplete: {}", directory, e.getMessage());
            }
        }
    }
}
