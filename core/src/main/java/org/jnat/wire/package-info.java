/**
 * Zero-copy views of the headers jnat reads and writes, the checksums, and the builders of the
 * frames the router sends on its own behalf.
 *
 * <p><b>Views</b> ({@link org.jnat.wire.EthernetFrame}, {@link org.jnat.wire.ArpPacket},
 * {@link org.jnat.wire.Ipv4Packet}, {@link org.jnat.wire.IcmpPacket},
 * {@link org.jnat.wire.UdpDatagram}, {@link org.jnat.wire.TcpSegment}) are flyweights in the
 * smoltcp/Agrona style: allocate one per header kind at set-up, then per packet
 * {@code view.wrap(segment, offset).check(available)}. {@code check} validates the lengths once
 * and never throws; after it returns true no accessor throws. Accessors are named after the RFC
 * field ({@code ttl()} reads, {@code ttl(int)} writes and returns the view). Addresses are
 * {@code int}s in network order, MACs the low 48 bits of a {@code long}, ports and 16-bit fields
 * unsigned {@code int}s, TCP sequence numbers {@code int}s used with sequence arithmetic.
 * {@code payloadOffset()} is the absolute offset of the next header in the segment. Errors quote
 * truncated datagrams: {@code checkQuoted} accepts those.
 *
 * <p><b>Checksums</b>: {@link org.jnat.wire.Checksum} has the RFC 1071 sum, the pseudo-header,
 * full recomputation per protocol and the RFC 1624 incremental updates; for a NAT rewrite, add
 * the {@code delta16}/{@code delta32} of every changed field and {@code apply} them once, or use
 * {@code translateSource}/{@code translateDestination} of the views, which do exactly that.
 *
 * <p><b>Builders</b> ({@link org.jnat.wire.ArpFrames}, {@link org.jnat.wire.IcmpFrames},
 * {@link org.jnat.wire.TcpFrames}) write a whole Ethernet frame at offset 0 of a buffer, possibly
 * over the frame they answer, and return its length (0 if it does not fit or must not be sent).
 *
 * <p>Nothing here allocates, logs or throws on the packet path.
 */
package org.jnat.wire;
