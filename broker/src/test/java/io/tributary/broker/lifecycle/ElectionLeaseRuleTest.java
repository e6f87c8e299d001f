package io.tributary.broker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.metadata.QuorumMemberState;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElectionLeaseRuleTest {
    private static final Set<Integer> VOTERS = Set.of(1, 2, 3);
    private static final long TIMEOUT = 400;

    private static boolean mayExtend(QuorumMemberState... answers) {
        return ElectionLeaseRule.judge(VOTERS, List.of(answers), TIMEOUT).mayExtend();
    }

    private static QuorumMemberState follower(int id, int leader, long ageMs) {
        return QuorumMemberState.follower(id, OptionalInt.of(leader), ageMs);
    }

    @Test
    void theControllerSilentToAMajorityMeansAnElectionIsComing() {
        // node 1, the controller, is cut off: it does not answer, and 2 and 3 have not heard from it
        assertThat(mayExtend(follower(2, 1, 600), follower(3, 1, 450))).isTrue();
    }

    @Test
    void candidatesAndLeaderlessFollowersMeanAnElection() {
        assertThat(mayExtend(QuorumMemberState.candidate(2, 900),
                QuorumMemberState.follower(3, OptionalInt.empty(), 0))).isTrue();
    }

    @Test
    void aNewLeaderNotYetActiveStillLetsTheLeaseRun() {
        assertThat(mayExtend(QuorumMemberState.leader(2, false), follower(3, 2, 10))).isTrue();
    }

    @Test
    void anActiveControllerAnsweringStopsIt() {
        assertThat(mayExtend(QuorumMemberState.leader(2, true), follower(3, 2, 10))).isFalse();
        assertThat(mayExtend(QuorumMemberState.leader(1, true), follower(2, 1, 600), follower(3, 1, 600))).isFalse();
    }

    @Test
    void aFollowerInTouchWithALeaderThatDidNotAnswerStopsIt() {
        // this broker is cut off from a working controller 1 only: 3 still hears from it
        assertThat(mayExtend(follower(2, 1, 900), follower(3, 1, 120))).isFalse();
        // a new leader 1 that did not answer: it may be active already
        assertThat(mayExtend(QuorumMemberState.candidate(2, 900), follower(3, 1, 5))).isFalse();
    }

    @Test
    void withoutAMajorityOfAnswersNothingIsKnown() {
        assertThat(mayExtend(QuorumMemberState.candidate(2, 900))).isFalse();
        assertThat(ElectionLeaseRule.judge(Set.of(1, 2, 3, 4), List.of(QuorumMemberState.candidate(2, 900),
                QuorumMemberState.candidate(3, 900)), TIMEOUT).mayExtend()).isFalse();
        assertThat(mayExtend(QuorumMemberState.candidate(2, 900), QuorumMemberState.candidate(2, 900)))
                .as("one voter answering twice is one answer").isFalse();
        assertThat(mayExtend(QuorumMemberState.candidate(2, 900), QuorumMemberState.candidate(7, 900)))
                .as("a non-voter does not count").isFalse();
    }
}
