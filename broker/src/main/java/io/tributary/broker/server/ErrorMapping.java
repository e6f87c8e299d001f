package io.tributary.broker.server;

import io.tributary.broker.log.LogStorageException;
import io.tributary.broker.log.MessageTooLargeException;
import io.tributary.broker.log.OffsetOutOfRangeException;
import io.tributary.metadata.QuorumNoAnswerException;
import io.tributary.metadata.QuorumUnavailableException;
import io.tributary.proto.v1.ErrorCode;
import io.tributary.record.CorruptRecordException;
import io.tributary.record.InvalidRecordException;
import io.tributary.record.UnsupportedRecordFormatException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** The one place where broker exceptions become wire error codes. */
final class ErrorMapping {
    private ErrorMapping() {
    }

    static ErrorCode codeFor(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof MessageTooLargeException) {
            return ErrorCode.MESSAGE_TOO_LARGE;
        }
        if (cause instanceof CorruptRecordException) {
            return ErrorCode.CORRUPT_RECORD;
        }
        if (cause instanceof InvalidRecordException) {
            return ErrorCode.INVALID_RECORD;
        }
        if (cause instanceof UnsupportedRecordFormatException) {
            return ErrorCode.UNSUPPORTED_RECORD_FORMAT;
        }
        if (cause instanceof OffsetOutOfRangeException) {
            return ErrorCode.OFFSET_OUT_OF_RANGE;
        }
        if (cause instanceof LogStorageException) {
            return ErrorCode.STORAGE_ERROR;
        }
        if (cause instanceof TimeoutException || cause instanceof QuorumNoAnswerException) {
            return ErrorCode.REQUEST_TIMED_OUT;
        }
        if (cause instanceof BrokerNotRegisteredException) {
            return ErrorCode.BROKER_NOT_AVAILABLE; // retriable: another node, or this one once registered
        }
        if (cause instanceof QuorumUnavailableException) {
            return ErrorCode.NOT_CONTROLLER; // not sent: definite, and another node may reach the quorum
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    /** The wire code of a metadata command's answer (an unknown number is a server error). */
    static ErrorCode codeOf(io.tributary.proto.metadata.v1.MetadataCommandResult result) {
        ErrorCode code = ErrorCode.forNumber(result.getErrorCode());
        return code == null ? ErrorCode.UNKNOWN_SERVER_ERROR : code;
    }

    static String messageFor(Throwable error) {
        Throwable cause = unwrap(error);
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
