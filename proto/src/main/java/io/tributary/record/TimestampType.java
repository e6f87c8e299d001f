package io.tributary.record;

/** Bit 3 of a batch's attributes. */
public enum TimestampType {
    CREATE_TIME, LOG_APPEND_TIME
}
