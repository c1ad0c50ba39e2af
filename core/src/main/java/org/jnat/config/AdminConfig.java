package org.jnat.config;

/** The {@code [admin]} table: where the HTTP admin API listens, e.g. {@code 127.0.0.1:8080}. */
public record AdminConfig(String listen) {
}
