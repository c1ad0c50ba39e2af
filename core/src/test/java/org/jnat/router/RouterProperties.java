package org.jnat.router;

import org.jnat.nat.NatEngine;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.jnat.config.NatConfig;
import org.jnat.device.MemoryDevice;
import org.jnat.device.Offloads;
import org.jnat.device.PacketBuffer;
import org.jnat.stack.Fragments;
import org.jnat.stack.Neighbors;
import org.jnat.stack.Side;
import org.jnat.testing.FrameFields;
import org.jnat.testing.Frames;
import org.jnat.testing.Require;
import org.jnat.wire.IpProtocol;
import org.jnat.wire.Ipv4Packet;
import org.jnat.wire.MacAddress;
import org.jnat.wire.TcpSegment;

/**
 * The property the fuzz tests check: whatever frames arrive on either side, with whatever clock
 * steps, with or without the NAT engine in the seam, the router never throws, never holds more
 * than its bounds (ARP's held frames and table, the reassembly store), never sends a frame its
 * link can not carry (a single frame within the MTU, a GSO super-packet's segments within it), and
 * every IPv4 header it sends has a valid checksum. While every IPv4 frame that came in carried
 * valid checksums (the run is "clean": templates the input did not patch, or input that happens to
 * verify), every whole datagram it sends also has valid TCP, UDP and ICMP checksums (a UDP checksum
 * of 0 fails: every frame sent in carries one); a frame with a bad transport checksum may leave
 * with it, since a router does not verify what it forwards, so after one the run is tainted.
 * {@link #STATS} counts how often the transport checks ran and frames were forwarded, for the
 * seeded test to assert that both happen.
 */
final class RouterProperties {
    /** Where the choices come from: Jazzer, or a seeded Random for the plain test. */
    interface Source {
        boolean bool();

        int intIn(int min, int max);

        byte[] bytes(int max);

        int remaining();

        /** How many bytes of a template to patch. */
        default int patches() {
            return intIn(0, 4);
        }

        /** What the next operation is: 0 a clock step, 1 random bytes, 2 or 3 a template. */
        default int kind() {
            return intIn(0, 3);
        }

        /** Whether a frame goes in with offload metadata (where the side takes it). */
        default boolean metadata() {
            return bool();
        }
    }

    static Source of(FuzzedDataProvider data) {
        return new Source() {
            public boolean bool() {
                return data.consumeBoolean();
            }

            public int intIn(int min, int max) {
                return data.consumeInt(min, max);
            }

            public byte[] bytes(int max) {
                return data.consumeBytes(max);
            }

            public int remaining() {
                return data.remainingBytes();
            }
        };
    }

    static Source of(Random random, int operations) {
        return of(random, operations, false);
    }

    /**
     * A seeded source; {@code gentle}: only clock steps and unpatched templates without offload
     * metadata, so that runs stay clean and the transport checksums of what the router sends are
     * checked throughout.
     */
    static Source of(Random random, int operations, boolean gentle) {
        return new Source() {
            int left = operations * 8;

            public boolean bool() {
                left--;
                return random.nextBoolean();
            }

            public int intIn(int min, int max) {
                left--;
                return min + random.nextInt(max - min + 1);
            }

            public byte[] bytes(int max) {
                left -= 8;
                byte[] b = new byte[random.nextInt(max + 1)];
                random.nextBytes(b);
                return b;
            }

            public int remaining() {
                return Math.max(0, left);
            }

            public int patches() {
                return gentle ? 0 : intIn(0, 4);
            }

            public int kind() {
                return gentle ? (random.nextInt(5) == 0 ? 0 : 2) : intIn(0, 3);
            }

            public boolean metadata() {
                return !gentle && bool();
            }
        };
    }

    /** Well-formed frames the fuzzer starts from and patches, so that it reaches deep paths. */
    private static final List<byte[]> TEMPLATES;

    static {
        byte[] big = MemoryTopology.svToCl(60, 0x55, 0, Frames.pattern(2500));
        byte[] bigUp = MemoryTopology.clToSv(64, 0x56, 0, Frames.pattern(2500));
        List<byte[]> pieces = Frames.fragments(big, 1000);
        List<byte[]> upPieces = Frames.fragments(bigUp, 1200);
        TEMPLATES = List.of(
                MemoryTopology.clToSv(64, 1, 0, new byte[40]),
                MemoryTopology.clToSv(1, 2, 0, new byte[40]),
                MemoryTopology.clToSv(64, 3, Frames.DF, new byte[1472]),
                MemoryTopology.svToCl(60, 4, 0, new byte[40]),
                Frames.arp(MacAddress.BROADCAST, MemoryTopology.CL_MAC, 1, MemoryTopology.CL_MAC, MemoryTopology.CL, 0, MemoryTopology.RT_IN),
                Frames.arp(MemoryTopology.RT_OUT_MAC, MemoryTopology.ISP_MAC, 2, MemoryTopology.ISP_MAC, MemoryTopology.ISP, MemoryTopology.RT_OUT_MAC, MemoryTopology.RT_OUT),
                Frames.arp(MacAddress.BROADCAST, MemoryTopology.CL_MAC, 1, MemoryTopology.CL_MAC, MemoryTopology.CL + 5, 0, MemoryTopology.RT_IN),
                Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.RT_IN, 1, 64, 5, 0, Frames.echoRequest(1, 1, 32)),
                Frames.ipv4(MemoryTopology.RT_OUT_MAC, MemoryTopology.ISP_MAC, MemoryTopology.SV, MemoryTopology.RT_OUT, 6, 60, 6, 0,
                        Frames.tcpSyn(MemoryTopology.SV, MemoryTopology.RT_OUT, 4000, 80, 9)),
                Frames.ipv4(MemoryTopology.RT_OUT_MAC, MemoryTopology.ISP_MAC, MemoryTopology.SV, MemoryTopology.RT_OUT, 1, 60, 7, 0,
                        Frames.icmp(3, 3, 0, new byte[28])),
                pieces.get(0), pieces.get(1), pieces.get(2),
                upPieces.get(0), upPieces.get(1), upPieces.get(2),
                // Outbound TCP and ICMP, so that every transport's checksum is checked on the way through.
                Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 6, 64, 8,
                        0, Frames.tcpSyn(MemoryTopology.CL, MemoryTopology.SV, 40000, 80, 7)),
                Frames.ipv4(MemoryTopology.RT_IN_MAC, MemoryTopology.CL_MAC, MemoryTopology.CL, MemoryTopology.SV, 1, 64, 9,
                        0, Frames.echoRequest(0x77, 1, 24)));
    }

    /** Templates that come in on the outside (the rest come in on the inside unless the input says otherwise). */
    private static boolean outsideTemplate(int i) {
        return i == 3 || i == 5 || i == 8 || i == 9 || (i >= 10 && i <= 12);
    }

    /** Across runs: whole datagrams whose transport checksums were checked; TCP/UDP frames sent. */
    static final class Stats {
        long transportChecked;
        long forwarded;
    }

    static final Stats STATS = new Stats();

    /**
     * The NAT sized for the fuzzer, as NatProperties sizes its own: the defaults (a million
     * sessions, every port) cost tens of megabytes per input, and each input resets the engine's
     * tables, so their size is part of every input's cost. A run sends at most 64 frames and its
     * templates open a handful of flows: 32 sessions (all for one host, if it opens them) and 32
     * ports hold every flow of most runs, and a run that opens more reaches the NAT's exhaustion
     * paths instead of forwarding them (the router's paths are the same either way).
     */
    private static final NatConfig FUZZ_NAT = NatConfig.defaults().withPorts(20_000, 20_031).withLimits(32, 32);

    /**
     * The slot each run sends metadata frames from and reads what the router sent into: made once
     * (64 KiB of native memory per input was a good part of a run's allocation). Every use sets
     * it whole: {@code Frames.into} or the device's poll writes the frame, its length and its metadata.
     */
    private static final PacketBuffer SLOT = PacketBuffer.allocate();
    /**
     * The slot {@code cleanFrame} checks a frame's checksums in (2 KiB: a frame is at most 1 600
     * bytes), made once for the same reason; its metadata stays zero.
     */
    private static final PacketBuffer CHECKED = Frames.buffer();

    /** The configuration an input picks. */
    record LabKey(boolean staticNeighbors, int insideMtu, int outsideMtu, boolean nat, boolean insideOffloads,
                  boolean outsideOffloads) {
        /** What a cached lab is made for: the rest (neighbors, MTUs) its reset sets. */
        int made() {
            return (nat ? 4 : 0) | (insideOffloads ? 2 : 0) | (outsideOffloads ? 1 : 0);
        }
    }

    /** The NAT engine's seed (labs are reset with it). */
    private static final long NAT_SEED = 1;
    /**
     * One lab for each translator and offloads (eight in all, made at the largest MTU an input
     * picks), reset to the state of a new lab with the input's neighbors and MTUs for each input
     * (RouterResetTest shows that a reset lab sends what a new one sends): making one per input
     * allocated and zeroed megabytes of native slots, most of the target's time.
     */
    private static final MemoryTopology[] LABS = new MemoryTopology[8];

    /** The lab for {@code key}: the one made for its translator and offloads, reset to its neighbors and MTUs. */
    static MemoryTopology lab(LabKey key) {
        MemoryTopology lab = LABS[key.made()];
        if (lab == null) {
            lab = newLab(new LabKey(true, 1500, 1500, key.nat(), key.insideOffloads(), key.outsideOffloads()));
            LABS[key.made()] = lab;
        }
        lab.reset(NAT_SEED, key.staticNeighbors(), key.insideMtu(), key.outsideMtu());
        return lab;
    }

    /** A new lab for {@code key}, as each input had before the cache. */
    static MemoryTopology newLab(LabKey key) {
        return new MemoryTopology(key.staticNeighbors(), key.insideMtu(), key.outsideMtu(),
                (config, counters) -> key.nat() ? NatEngine.of(config, counters, NAT_SEED) : Translator.ROUTING,
                key.insideOffloads() ? Offloads.ALL : Offloads.NONE, key.outsideOffloads() ? Offloads.ALL : Offloads.NONE,
                FUZZ_NAT, 128);
    }

    static void neverThrowsNorBreaksABound(Source in) {
        LabKey key = pick(in);
        run(in, key, lab(key), null);
    }

    /** The configuration the input picks, first. */
    static LabKey pick(Source in) {
        boolean staticNeighbors = in.bool();
        int insideMtu = in.bool() ? 1500 : in.intIn(68, 1500);
        int outsideMtu = in.bool() ? 1500 : in.intIn(68, 1500);
        boolean nat = in.bool();
        // Offload metadata as a TAP gives it: GSO super-packets and partial checksums, on either
        // side, with a device on the other side that may or may not take them.
        boolean insideOffloads = in.bool();
        boolean outsideOffloads = in.bool();
        return new LabKey(staticNeighbors, insideMtu, outsideMtu, nat, insideOffloads, outsideOffloads);
    }

    /**
     * The property over the rest of the input, on {@code lab}, new or reset for {@code key}.
     * {@code sent}, unless null, gets every frame the router sent (side, bytes, offload metadata)
     * and at the end every counter: for RouterResetTest, which compares a reset lab with a new one.
     */
    static void run(Source in, LabKey key, MemoryTopology lab, List<String> sent) {
        boolean insideOffloads = key.insideOffloads();
        boolean outsideOffloads = key.outsideOffloads();
        PacketBuffer slot = SLOT;
        boolean[] clean = {true};
        for (int op = 0; op < 64 && in.remaining() > 0; op++) {
            int kind = in.kind();
            if (kind == 0) {
                // A clock step: none, a little, or up to a minute (ARP ageing, fragment timeouts).
                lab.clock.advance(in.bool() ? in.intIn(0, 2_000) * MemoryTopology.MS : in.intIn(0, 60) * 1_000 * MemoryTopology.MS);
                lab.run();
            } else {
                boolean outside;
                byte[] frame;
                boolean patched = true;
                if (kind == 1) {
                    outside = in.bool();
                    frame = in.bytes(1600);
                } else {
                    int t = in.intIn(0, TEMPLATES.size() - 1);
                    frame = TEMPLATES.get(t).clone();
                    outside = outsideTemplate(t) != (kind == 3 && in.bool());
                    int patches = in.patches();
                    patched = patches > 0;
                    for (; patches > 0 && frame.length > 0; patches--) {
                        frame[in.intIn(0, frame.length - 1)] = (byte) in.intIn(0, 255);
                    }
                }
                boolean withMetadata = (outside ? outsideOffloads : insideOffloads) && in.metadata();
                clean[0] &= !withMetadata && (!patched || cleanFrame(frame));
                MemoryDevice peer = outside ? lab.outside.b() : lab.inside.b();
                if (withMetadata) {
                    Frames.into(slot, frame).clearOffload();
                    slot.timestampNanos = 0; // as in a fresh slot (the last frame read may have set it)
                    slot.gsoType = in.bool() ? PacketBuffer.GSO_NONE : in.intIn(0, 5);
                    slot.gsoSize = in.intIn(0, 9000);
                    slot.headerLength = in.intIn(0, 200);
                    slot.flags = in.intIn(0, 3);
                    slot.checksumStart = in.bool() ? 34 : in.intIn(-10, 70_000);
                    slot.checksumOffset = in.bool() ? in.intIn(0, 16) : in.intIn(-70_000, 70_000);
                    peer.transmit(slot);
                } else {
                    // As MemoryDevice.send, but from the reused slot: a frame without metadata.
                    Frames.into(slot, frame).clearOffload();
                    slot.timestampNanos = 0;
                    peer.transmit(slot);
                }
                lab.run();
            }
            checkBounds(lab, clean[0], slot, sent);
        }
        // Past every timer: ARP gives up, fragments time out.
        for (int i = 0; i < 8; i++) {
            lab.clock.advance(5_000 * MemoryTopology.MS);
            lab.run();
        }
        checkBounds(lab, clean[0], slot, sent);
        assertThat(lab.router.fragments().datagramsHeld()).as("everything times out").isZero();
        if (sent != null) {
            sent.add("counters " + lab.counters.snapshot());
            for (MemoryDevice device : List.of(lab.inside.a(), lab.inside.b(), lab.outside.a(), lab.outside.b())) {
                sent.add(device.name() + " transmitted " + device.transmitted() + " received " + device.received()
                        + " dropped " + device.droppedFull() + "/" + device.droppedOversize() + "/"
                        + device.droppedClosed() + "/" + device.droppedBatchSlotTooSmall());
            }
        }
    }

    /**
     * Whether a frame that came in keeps the run clean: anything but IPv4, an IPv4 header the router
     * drops (bad checksum or length), or a whole datagram whose every checksum verifies. A
     * fragment the input patched taints the run: its transport checksum covers other fragments.
     */
    private static boolean cleanFrame(byte[] frame) {
        if (frame.length < 14 + 20 || FrameFields.etherType(frame) != 0x0800) {
            return true;
        }
        Ipv4Packet ip = new Ipv4Packet().wrap(MemorySegment.ofArray(frame), 14);
        if (!ip.check(frame.length - 14) || !ip.headerChecksumValid()) {
            return true;
        }
        if (ip.isFragment()) {
            return false;
        }
        return FrameFields.checksumsValid(Frames.into(CHECKED, frame));
    }

    private static void checkBounds(MemoryTopology lab, boolean clean, PacketBuffer slot, List<String> sent) {
        for (int side = 0; side < 2; side++) {
            Neighbors n = lab.router.neighbors(side);
            Require.between(n.heldFrames(), 0, n.heldCapacity(), "frames held for a next hop");
            Require.between(n.size(), 0, n.capacity(), "neighbor entries");
        }
        Fragments f = lab.router.fragments();
        Require.between(f.datagramsHeld(), 0, f.maxDatagrams(), "datagrams in reassembly");
        Require.between(f.bytesHeld(), 0, f.maxBytes(), "bytes in reassembly");
        Require.equal(lab.inside.a().droppedOversize(), 0, "frames too big for the inside link");
        Require.equal(lab.outside.a().droppedOversize(), 0, "frames too big for the outside link");
        checkSent(lab.inside.b(), lab.router.iface(Side.INSIDE).mtu(), clean, slot, sent);
        checkSent(lab.outside.b(), lab.router.iface(Side.OUTSIDE).mtu(), clean, slot, sent);
    }

    /** Every frame the router sent to {@code peer}: its size against the MTU, its checksums. */
    private static void checkSent(MemoryDevice peer, int mtu, boolean clean, PacketBuffer frame, List<String> sent) {
        while (peer.poll(frame)) {
            if (sent != null) {
                sent.add(peer.name() + " " + HexFormat.of().formatHex(frame.segment().asSlice(0, frame.length())
                        .toArray(ValueLayout.JAVA_BYTE)) + " gso " + frame.gsoType + "/" + frame.gsoSize + "/"
                        + frame.headerLength + " flags " + frame.flags + " csum " + frame.checksumStart + "/"
                        + frame.checksumOffset);
            }
            if (FrameFields.u16(frame, 12) != 0x0800) {
                continue;
            }
            Ipv4Packet ip = FrameFields.ip(frame);
            Require.isTrue(ip.headerChecksumValid(), "IPv4 header checksum of a frame the router sent");
            if (frame.gsoType == PacketBuffer.GSO_NONE) {
                Require.atMost(frame.length(), 14 + mtu, "a frame the router sent, MTU %d", mtu);
                Require.atMost(ip.totalLength(), mtu, "an IPv4 datagram the router sent, MTU %d", mtu);
            } else {
                // A segment as the receiving kernel makes it (skb_gso_network_seglen): the packet's
                // own IP and transport headers and gso_size (UFO: a fragment of gso_size rounded
                // down to 8). Not virtio's hdr_len, a hint that the router passes on as it came:
                // the fuzzer found (seed gso-header-length-hint-larger-than-headers) that an
                // input's hint of 127 bytes over real headers of 42 made this check fail a
                // segment of 1 473 bytes on an MTU of 1 500.
                int ihl = ip.headerLength();
                int segment = frame.gsoType == PacketBuffer.GSO_UDP ? ihl + Math.max(8, frame.gsoSize & ~7)
                        : ihl + frame.gsoSize + (ip.protocol() == IpProtocol.TCP
                                ? TCP.wrap(frame.segment(), 14 + ihl).headerLength() : 8);
                Require.atMost(segment, mtu, "one segment of a GSO super-packet the router sent, MTU %d", mtu);
            }
            int protocol = ip.protocol();
            if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
                STATS.forwarded++;
            }
            if (clean && !ip.isFragment() && frame.gsoType == PacketBuffer.GSO_NONE
                    && (frame.flags & PacketBuffer.F_NEEDS_CSUM) == 0) {
                STATS.transportChecked++;
                if (!FrameFields.checksumsValid(frame)) {
                    Require.isTrue(false, "checksums of a whole datagram the router sent (protocol %d)", protocol);
                }
            }
        }
    }

    private static final TcpSegment TCP = new TcpSegment();

    private RouterProperties() {
    }
}
