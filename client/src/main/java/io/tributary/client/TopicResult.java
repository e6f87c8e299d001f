package io.tributary.client;

import io.tributary.proto.v1.ErrorCode;

/**
 * The outcome of creating or deleting one topic. {@code topicId} is empty on errors and for
 * deletions that do not report it.
 */
public record TopicResult(String name, String topicId, ErrorCode errorCode, String errorMessage) {
    public boolean isSuccess() {
        return errorCode == ErrorCode.NONE;
    }

    /** The typed exception for a failed result, or null on success. */
    public TributaryException exception() {
        if (isSuccess()) {
            return null;
        }
        String quoted = "'" + name + "'";
        return TributaryException.forCode(errorCode, errorMessage != null && errorMessage.contains(quoted)
                ? errorMessage : "topic " + quoted + ": " + errorMessage);
    }

    /** Returns this result, or throws its exception. */
    public TopicResult orThrow() {
        TributaryException e = exception();
        if (e != null) {
            throw e;
        }
        return this;
    }
}
