package io.tributary.replication;

import io.tributary.proto.v1.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FetchErrorActionTest {
    @Test
    void outOfRangeAtOrBelowTheLeadersStartRestartsTheLogThereAboveItLooksForTheDivergence() {
        assertThat(FetchErrorAction.after(ErrorCode.OFFSET_OUT_OF_RANGE, 5, 10))
                .isEqualTo(FetchErrorAction.START_AT_LEADER_LOG_START);
        assertThat(FetchErrorAction.after(ErrorCode.OFFSET_OUT_OF_RANGE, 10, 10))
                .as("the leader forgot the epoch it would check the follower against")
                .isEqualTo(FetchErrorAction.START_AT_LEADER_LOG_START);
        assertThat(FetchErrorAction.after(ErrorCode.OFFSET_OUT_OF_RANGE, 11, 10)).isEqualTo(FetchErrorAction.TRUNCATE);
        assertThat(FetchErrorAction.after(ErrorCode.OFFSET_OUT_OF_RANGE, 11, -1)).isEqualTo(FetchErrorAction.TRUNCATE);
        assertThat(FetchErrorAction.after(ErrorCode.FENCED_LEADER_EPOCH, 5, 10)).isEqualTo(FetchErrorAction.BACK_OFF);
        assertThatThrownBy(() -> FetchErrorAction.after(ErrorCode.NONE, 5, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
