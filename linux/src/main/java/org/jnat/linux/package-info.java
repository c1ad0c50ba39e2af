/**
 * jnat's Linux devices, through FFM ({@code java.lang.foreign}) only: no JNI, no JNA.
 *
 * <ul>
 * <li>{@link org.jnat.linux.TapDevice} ({@code tap:NAME}): a TAP with a virtio_net_hdr on every
 *     frame, so the kernel can hand over partial checksums and GSO super-packets and take them
 *     back ({@link org.jnat.linux.VirtioNetHeader} says exactly what the offload fields of a
 *     {@link org.jnat.device.PacketBuffer} mean).</li>
 * <li>{@link org.jnat.linux.AfPacketDevice} ({@code afpacket:IFNAME}): an AF_PACKET socket on an
 *     existing interface with TPACKET_V2 RX and TX rings; it composes {@code AfPacketSocket} (the
 *     sockets, their options and mapping), {@code PacketRing} (a view over one ring) and
 *     {@code GroControl} (GRO on the interface while jnat runs).</li>
 * <li>{@link org.jnat.linux.PollLoop}: the data-plane loop; sleeps in poll(2) until a device has
 *     frames, a timer is due or another thread wakes or stops it, or busy-polls for a window
 *     after frames, as its {@link org.jnat.linux.IdleStrategy} says.</li>
 * <li>{@link org.jnat.linux.LinuxDevices}: opens a device from its config string.</li>
 * <li>{@link org.jnat.linux.NetNamespace}: runs set-up inside a named network namespace.</li>
 * </ul>
 *
 * <p>Failures at set-up throw {@link org.jnat.linux.SystemCallException} (or
 * {@link java.lang.IllegalArgumentException} for a bad name) with a one-line message: the call,
 * the errno by name and text, and what to do. On the packet path nothing throws, logs or
 * allocates: errors are counted in {@link org.jnat.runtime.Counters} under
 * {@code linux.tap.NAME.*} and {@code linux.afpacket.NAME.*}, and calls return counts or false.
 * libc is bound once ({@code LibC}); every call captures errno into a per-device buffer made at
 * set-up.
 */
package org.jnat.linux;
