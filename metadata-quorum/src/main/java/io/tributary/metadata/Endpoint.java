package io.tributary.metadata;

/** A broker listener: its name (e.g. "CLIENT") and where it listens. */
public record Endpoint(String name, String host, int port) {
}
