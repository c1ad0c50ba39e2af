package org.jnat.config;

/** A static ARP entry ({@code [[neighbor]]}): never aged out, never overwritten by what is learned. */
public record StaticNeighbor(int address, long mac) {
}
