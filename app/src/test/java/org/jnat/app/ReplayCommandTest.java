package org.jnat.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jnat.device.PcapReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayCommandTest {
    static final String CONFIG = """
            [inside]
            device  = "tap:jnat0"
            address = "192.168.1.1/24"
            mac     = "5a:75:f7:80:43:b1"

            [outside]
            device  = "tap:jnat1"
            address = "203.0.113.1/24"
            gateway = "203.0.113.254"
            mac     = "42:9f:da:77:32:42"

            [[neighbor]]
            address = "192.168.1.10"
            mac     = "16:6e:36:a4:8d:ef"

            [[neighbor]]
            address = "203.0.113.254"
            mac     = "c6:de:e7:74:70:29"
            """;

    @TempDir
    Path dir;

    private Path vector(String name) throws IOException {
        Path file = dir.resolve(name + ".pcap");
        try (InputStream in = ReplayCommandTest.class.getResourceAsStream("/vectors/linux-nat/" + name + ".pcap")) {
            assertThat(in).as("the linux-nat vectors from core's test jar").isNotNull();
            Files.copy(in, file);
        }
        return file;
    }

    private static List<byte[]> frames(Path pcap) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(pcap)) {
            byte[] f;
            while ((f = reader.nextBytes()) != null) {
                frames.add(f);
            }
        }
        return frames;
    }

    @Test
    void replaysTheTracerouteAndAnswersHopOne() throws IOException {
        Path config = Files.writeString(dir.resolve("router.toml"), CONFIG);
        Path out = dir.resolve("out");
        Cli.Run r = Cli.run("replay", "--config", config.toString(), "--inside", vector("traceroute-inside").toString(),
                "--outside", vector("traceroute-outside").toString(), "--write", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("inside.pcap").contains("outside.pcap");
        List<byte[]> inside = frames(out.resolve("inside.pcap"));
        // A time exceeded (type 11) from 192.168.1.1 (c0 a8 01 01) to cl.
        assertThat(inside).anySatisfy(f -> {
            assertThat(f[23]).isEqualTo((byte) 1);
            assertThat(f[34]).isEqualTo((byte) 11);
            assertThat(new byte[] {f[26], f[27], f[28], f[29]}).containsExactly(192, 168, 1, 1);
        });
        // Hop 2's probe went out masqueraded: from the public address 203.0.113.1.
        assertThat(frames(out.resolve("outside.pcap"))).anySatisfy(f -> {
            assertThat(f[23]).isEqualTo((byte) 17);
            assertThat(new byte[] {f[26], f[27], f[28], f[29]}).containsExactly(203, 0, 113, 1);
        });
    }

    @Test
    void aBadConfigIsOneLineAndNothingRuns() throws IOException {
        Path config = Files.writeString(dir.resolve("bad.toml"), "[inside]\naddress = \"nonsense\"\n");
        Path out = dir.resolve("out");
        Cli.Run r = Cli.run("replay", "--config", config.toString(), "--inside", vector("traceroute-inside").toString(),
                "--write", out.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("jnat replay: ").doesNotContain("\n").contains("bad.toml");
        assertThat(out).doesNotExist();
    }

    @Test
    void aMissingCaptureSaysWhatToDo() throws IOException {
        Path config = Files.writeString(dir.resolve("router.toml"), CONFIG);
        Cli.Run r = Cli.run("replay", "--config", config.toString(), "--inside", dir.resolve("nope.pcap").toString(),
                "--write", dir.resolve("out").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("nope.pcap").contains("pcap file");
    }

    @Test
    void aFileThatIsNotAPcapIsOneLine() throws IOException {
        Path config = Files.writeString(dir.resolve("router.toml"), CONFIG);
        Path notPcap = Files.writeString(dir.resolve("notes.pcap"), "hello, not a capture at all\n");
        Cli.Run r = Cli.run("replay", "--config", config.toString(), "--inside", notPcap.toString(),
                "--write", dir.resolve("out").toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("jnat replay: ").doesNotContain("\n");
    }
}
