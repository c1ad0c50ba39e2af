package org.jnat.app.admin;

import org.jnat.nat.NatEngine;
import org.jnat.runtime.ControlQueue;

/**
 * What the admin API needs of a running data plane: the queue its commands go through and the NAT
 * whose state those commands read or change (on the data-plane thread, never from an admin thread).
 */
public record DataPlane(ControlQueue control, NatEngine nat) {
}
