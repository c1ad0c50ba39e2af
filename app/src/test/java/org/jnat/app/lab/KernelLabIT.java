package org.jnat.app.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab itself, with the kernel's NAT in rt: if these fail, the topology is wrong, not jnat.
 * It is also the baseline that jnat's end-to-end tests and bench/compare are held against.
 */
class KernelLabIT {
    private static Lab lab;

    @BeforeAll
    static void build() {
        String why = Lab.unavailableReason();
        if (why != null) {
            System.out.println("SKIPPED KernelLabIT: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        Assumptions.assumeTrue(Shell.has("nft"), "nft is missing: apt-get install nftables");
        lab = Lab.create(Lab.uniquePrefix("jk"), Lab.Mode.KERNEL);
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void pingCrossesTheKernelNat() {
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(10), "ping", "-c", "2", "-W", "2", Lab.SV);
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
    }

    @Test
    void serverSeesThePublicAddress() {
        Process listener = lab.spawn("sv", "socat", "-u", "UDP4-RECVFROM:5353,bind=" + Lab.SV,
                "SYSTEM:echo $SOCAT_PEERADDR >/tmp/" + lab.prefix() + "-peer");
        sleep(300);
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(5), "sh", "-c",
                "echo hi | socat -u - UDP4-SENDTO:" + Lab.SV + ":5353");
        assertThat(r.exitCode()).isZero();
        sleep(500);
        Shell.Result peer = Shell.run(Duration.ofSeconds(5), "cat", "/tmp/" + lab.prefix() + "-peer");
        Shell.run(Duration.ofSeconds(5), "rm", "-f", "/tmp/" + lab.prefix() + "-peer");
        Shell.stop(listener);
        assertThat(peer.stdout().strip()).isEqualTo(Lab.RT_OUTSIDE);
    }

    @Test
    void tooBigWithDontFragmentGetsFragmentationNeeded() {
        Shell.Result r = lab.exec("cl", Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", "-M", "do", "-s",
                "1450", Lab.SV);
        assertThat(r.stdout() + r.stderr()).containsIgnoringCase("mtu = 1400");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
