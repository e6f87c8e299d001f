package io.tributary.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.tributary.client.internal.Rpc;
import io.tributary.proto.Errors;
import io.tributary.proto.v1.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TributaryExceptionTest {
    @Test
    void everyCodeMapsWithTheDefinitenessOfErrors() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.NONE || code == ErrorCode.UNRECOGNIZED) {
                continue;
            }
            TributaryException e = TributaryException.forCode(code, "boom");
            assertThat(e.code()).as("%s", code).isEqualTo(code);
            assertThat(e.isDefinite()).as("definite %s", code).isEqualTo(Errors.isDefinite(code));
            assertThat(e.isRetriable()).as("retriable %s", code).isEqualTo(Errors.isRetriable(code));
            assertThat(e.getMessage()).contains(code.name()).contains("boom");
        }
    }

    @Test
    void codesWithAUsefulTypeGetIt() {
        Map<ErrorCode, Class<? extends TributaryException>> expected = Map.of(
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, UnknownTopicOrPartitionException.class,
                ErrorCode.OFFSET_OUT_OF_RANGE, OffsetOutOfRangeException.class,
                ErrorCode.MESSAGE_TOO_LARGE, RecordTooLargeException.class,
                ErrorCode.REQUEST_TIMED_OUT, TimeoutException.class,
                ErrorCode.CORRUPT_RECORD, CorruptRecordException.class,
                ErrorCode.NOT_LEADER_OR_FOLLOWER, NotLeaderOrFollowerException.class,
                ErrorCode.LEADER_NOT_AVAILABLE, LeaderNotAvailableException.class,
                ErrorCode.TOPIC_ALREADY_EXISTS, TopicExistsException.class,
                ErrorCode.INVALID_TOPIC_NAME, InvalidTopicException.class,
                ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, NotEnoughReplicasException.class);
        expected.forEach((code, type) -> assertThat(TributaryException.forCode(code, "")).isInstanceOf(type));
        assertThat(TributaryException.forCode(ErrorCode.REQUEST_TIMED_OUT, "").isDefinite()).isFalse();
        assertThat(TributaryException.forCode(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "").isDefinite()).isFalse();
        assertThat(TributaryException.forCode(ErrorCode.NOT_ENOUGH_REPLICAS, "").isDefinite()).isTrue();
        assertThatThrownBy(() -> TributaryException.forCode(ErrorCode.NONE, "")).isInstanceOf(
                IllegalArgumentException.class);
    }

    @Test
    void transportFailuresAreIndefinite() {
        TributaryException deadline = Rpc.transportFailure(Status.DEADLINE_EXCEEDED.asRuntimeException(), "Produce");
        assertThat(deadline).isInstanceOf(TimeoutException.class);
        assertThat(deadline.isDefinite()).isFalse();
        assertThat(deadline.getMessage()).contains("DEADLINE_EXCEEDED");

        TributaryException unavailable = Rpc.transportFailure(
                Status.UNAVAILABLE.withDescription("refused").asRuntimeException(), "Produce");
        assertThat(unavailable).isInstanceOf(NetworkException.class);
        assertThat(unavailable.isDefinite()).isFalse();
        assertThat(unavailable.isRetriable()).isTrue();

        TributaryException internal = Rpc.transportFailure(Status.INTERNAL.asRuntimeException(), "Produce");
        assertThat(internal.isDefinite()).isFalse();
        assertThat(Rpc.transportFailure(new java.io.IOException("reset"), "Fetch").isDefinite()).isFalse();
    }
}
