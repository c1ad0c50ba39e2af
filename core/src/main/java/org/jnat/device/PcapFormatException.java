package org.jnat.device;

import java.io.IOException;

/** A file is not a classic Ethernet pcap file, or is cut short. The message is one sentence naming the file. */
public final class PcapFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public PcapFormatException(String message) {
        super(message);
    }
}
