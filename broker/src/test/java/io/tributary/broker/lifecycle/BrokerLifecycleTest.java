package io.tributary.broker.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 (the chaos harness's pause of the active controller): a heartbeat held by a controller
 * that paused kept this broker's next heartbeats from being sent, so the new controller heard
 * nothing for a whole session and fenced every broker, its own included. Driven by hand on a fake
 * clock: each call is one tick of the heartbeat timer.
 */
class BrokerLifecycleTest {
    private static final long INTERVAL_MS = 250;
    private static final long SESSION_MS = 1500;
    private final AtomicLong nowNanos = new AtomicLong(1_000_000_000L);
    private final List<CompletableFuture<BrokerHeartbeatResponse>> sent = new ArrayList<>();
    private final List<CompletableFuture<ElectionLeaseRule.Verdict>> probes = new ArrayList<>();
    private final AtomicLong appliedMetadataOffset = new AtomicLong(10);
    private final BrokerLifecycle lifecycle = new BrokerLifecycle(1, 7, request -> {
        CompletableFuture<BrokerHeartbeatResponse> answer = new CompletableFuture<>();
        sent.add(answer);
        return answer;
    }, appliedMetadataOffset::get, () -> {
        CompletableFuture<ElectionLeaseRule.Verdict> verdict = new CompletableFuture<>();
        probes.add(verdict);
        return verdict;
    }, nowNanos::get, null, INTERVAL_MS, SESSION_MS);

    private void advanceMs(long ms) {
        nowNanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static BrokerHeartbeatResponse answer(boolean fenced) {
        return BrokerHeartbeatResponse.newBuilder().setIsFenced(fenced).build();
    }

    @Test
    void aHeartbeatHeldByAPausedControllerDoesNotHoldTheNextOnes() {
        lifecycle.maybeSendHeartbeat();
        sent.get(0).complete(answer(false));
        assertThat(lifecycle.hasLease()).isTrue();

        lifecycle.maybeSendHeartbeat(); // goes to a controller that then pauses: never answered
        advanceMs(INTERVAL_MS);
        lifecycle.maybeSendHeartbeat();
        assertThat(sent).as("one in flight at a time while it is fresh").hasSize(2);

        advanceMs(INTERVAL_MS);
        lifecycle.maybeSendHeartbeat();
        assertThat(sent).as("overdue for two intervals: the next is sent anyway").hasSize(3);
        sent.get(2).complete(answer(false)); // the new controller answers it
        advanceMs(1_000);
        assertThat(lifecycle.hasLease()).as("renewed by the new controller's answer").isTrue();
    }

    @Test
    void anOlderAnswerArrivingLateIsDropped() {
        lifecycle.maybeSendHeartbeat();
        advanceMs(2 * INTERVAL_MS);
        lifecycle.maybeSendHeartbeat();
        sent.get(1).complete(answer(false)); // the newer heartbeat: unfenced
        sent.get(0).complete(answer(true)); // the older one, from a controller that had fenced it

        assertThat(lifecycle.isFenced()).isFalse();
        assertThat(lifecycle.hasLease()).isTrue();
    }

    /** Ticks every interval for {@code ms}, answering every probe with {@code verdict}; heartbeats stay unanswered. */
    private void tickFor(long ms, ElectionLeaseRule.Verdict verdict) {
        for (long t = 0; t < ms; t += INTERVAL_MS) {
            advanceMs(INTERVAL_MS);
            lifecycle.tick();
            probes.forEach(p -> p.complete(verdict));
        }
    }

    @Test
    void noProbeWhileHeartbeatsAreAnswered() {
        for (int i = 0; i < 10; i++) {
            lifecycle.tick();
            sent.get(sent.size() - 1).complete(answer(false));
            advanceMs(INTERVAL_MS);
        }
        assertThat(probes).isEmpty();
    }

    @Test
    void anElectionUnderWayKeepsTheLeaseUntilTheNewControllerAnswersButNoLongerThanItsBound() {
        lifecycle.tick();
        sent.get(0).complete(answer(false));
        ElectionLeaseRule.Verdict election = new ElectionLeaseRule.Verdict(true, "an election is under way");

        tickFor(3 * SESSION_MS, election);
        assertThat(probes).as("probed once the answers stopped").isNotEmpty();
        assertThat(lifecycle.hasLease()).as("three sessions on, still leading").isTrue();

        tickFor(3 * SESSION_MS, election);
        assertThat(lifecycle.hasLease()).as("an election that never ends is not waited out").isFalse();

        lifecycle.maybeSendHeartbeat();
        sent.get(sent.size() - 1).complete(answer(false));
        assertThat(lifecycle.hasLease()).as("a heartbeat answer restores it").isTrue();
    }

    @Test
    void withoutAnElectionTheLeaseRunsOutOneSessionAfterTheLastAnsweredHeartbeat() {
        lifecycle.tick();
        sent.get(0).complete(answer(false));

        tickFor(SESSION_MS - INTERVAL_MS, new ElectionLeaseRule.Verdict(false, "node 2 is the active controller"));
        assertThat(probes).isNotEmpty();
        assertThat(lifecycle.hasLease()).isTrue();
        tickFor(INTERVAL_MS, new ElectionLeaseRule.Verdict(false, "node 2 is the active controller"));
        assertThat(lifecycle.hasLease()).isFalse();
    }

    @Test
    void aLeaseThatRanOutIsNotRevivedByAProbe() {
        lifecycle.tick();
        sent.get(0).complete(answer(false));
        advanceMs(SESSION_MS);
        lifecycle.tick();
        probes.forEach(p -> p.complete(new ElectionLeaseRule.Verdict(true, "an election is under way")));
        assertThat(probes).isEmpty();
        assertThat(lifecycle.hasLease()).isFalse();
    }

    /**
     * A chaos run: a coordinator cut off from the quorum heard from it again and answered group
     * requests from stale state for 0.8 s, until its metadata showed that another node had taken
     * its partitions over meanwhile.
     */
    @Test
    void afterALapseTheLeaseWaitsForThisNodesMetadataToReachTheControllersAtTheAnswer() {
        lifecycle.tick();
        sent.get(0).complete(answer(false));
        advanceMs(2 * SESSION_MS);
        assertThat(lifecycle.hasLease()).isFalse();

        lifecycle.maybeSendHeartbeat();
        sent.get(sent.size() - 1).complete(BrokerHeartbeatResponse.newBuilder().setIsFenced(false)
                .setMetadataOffset(25).build());
        assertThat(lifecycle.hasLease()).as("its metadata (offset 10) may still name it leader").isFalse();
        appliedMetadataOffset.set(24);
        assertThat(lifecycle.hasLease()).isFalse();
        appliedMetadataOffset.set(25);
        assertThat(lifecycle.hasLease()).as("caught up with the controller's answer").isTrue();
    }
}
