package io.tributary.broker.group;

/** Bytes in the offsets topic that are not a group record: the coordinator cannot load the group state. */
public class GroupRecordFormatException extends RuntimeException {
    public GroupRecordFormatException(String message) {
        super(message);
    }
}
