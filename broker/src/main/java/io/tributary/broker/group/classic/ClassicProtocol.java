package io.tributary.broker.group.classic;

/** One protocol a classic member offers (an assignor's name, for consumers) and its opaque metadata. */
public record ClassicProtocol(String name, byte[] metadata) {
}
