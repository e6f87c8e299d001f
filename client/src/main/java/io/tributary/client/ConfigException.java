package io.tributary.client;

/** A client configuration value that is missing or out of range. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String name, Object value, String reason) {
        super("Invalid value " + value + " for " + name + ": " + reason);
    }
}
