package org.jnat.app.e2e;

import org.jnat.app.lab.Lab;

/**
 * The same suite with the kernel's own NAT (nftables) in rt: proves the suite's commands and the
 * lab are right, independently of jnat, and prints the baseline figures (iperf3).
 */
class KernelEndToEndIT extends EndToEndSuite {
    @Override
    Lab.Mode mode() {
        return Lab.Mode.KERNEL;
    }
}
