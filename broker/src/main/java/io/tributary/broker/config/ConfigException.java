package io.tributary.broker.config;

/** A node setting that is missing, malformed or out of range. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
