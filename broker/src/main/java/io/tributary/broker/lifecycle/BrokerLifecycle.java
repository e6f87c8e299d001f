package io.tributary.broker.lifecycle;

import io.tributary.metadata.MetadataQuorum;
import io.tributary.proto.v1.BrokerHeartbeatRequest;
import io.tributary.proto.v1.BrokerHeartbeatResponse;
import io.tributary.proto.v1.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this broker's session with the active controller (wherever it is: {@link ControllerHeartbeats}
 * finds it): a heartbeat every
 * {@code heartbeatIntervalMs}, one in flight at a time unless it has gone unanswered for two
 * intervals: a heartbeat held by a controller that paused or died (the client waits out its RPC
 * timeout there, and may be sent back to it while the others still name it leader) must not hold
 * the next ones past the session, or the new controller fences this healthy broker. Answers are
 * applied newest-sent first; an older answer arriving late is dropped. A registered broker starts fenced; the
 * controller unfences it once it heartbeats with a metadata offset past its own registration.
 * On stop, heartbeats carry {@code want_shutdown} until the controller has moved leadership away.
 *
 * <table>
 * <tr><th>state</th><th>becomes</th><th>when</th></tr>
 * <tr><td>FENCED</td><td>UNFENCED</td><td>a heartbeat answer says is_fenced = false</td></tr>
 * <tr><td>UNFENCED</td><td>FENCED</td><td>an answer says fenced (the lease lapsed, e.g. after a pause)</td></tr>
 * <tr><td>any</td><td>SHUTTING_DOWN</td><td>{@link #controlledShutdown} was called</td></tr>
 * </table>
 */
public final class BrokerLifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerLifecycle.class);
    /** An election that has not produced an active controller after this many sessions is not waited out. */
    static final int MAX_ELECTION_SESSIONS = 5;

    private final int brokerId;
    private final long brokerEpoch;
    private final Function<BrokerHeartbeatRequest, CompletableFuture<BrokerHeartbeatResponse>> controller;
    private final LongSupplier metadataOffset;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService scheduler;
    private final long heartbeatIntervalMs;
    private final CompletableFuture<Void> firstUnfenced = new CompletableFuture<>();
    private final CompletableFuture<Void> shutdownGranted = new CompletableFuture<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lastSentNanos;
    private long newestAnsweredSentNanos = Long.MIN_VALUE; // guarded by this
    private volatile boolean wantShutdown;
    private volatile boolean fenced = true;
    private final BrokerLease lease;
    private final Supplier<CompletableFuture<ElectionLeaseRule.Verdict>> electionProbe;
    private final long probeBelowNanos;
    private final long electionExtensionNanos;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile boolean leaseLapseLogged;
    private volatile boolean electionExtensionLogged;
    private ScheduledFuture<?> task;

    /**
     * Heartbeats through {@code controller} (in-process on the active controller, else straight to
     * it or by the quorum's Ratis client: {@link ControllerHeartbeats}).
     */
    public BrokerLifecycle(int brokerId, long brokerEpoch, MetadataQuorum quorum,
                           Function<BrokerHeartbeatRequest, CompletableFuture<BrokerHeartbeatResponse>> controller,
                           ScheduledExecutorService scheduler, long heartbeatIntervalMs, long sessionTimeoutMs) {
        this(brokerId, brokerEpoch, controller, () -> quorum.image().version(),
                () -> quorum.describeVoters().thenApply(answers -> ElectionLeaseRule.judge(quorum.voterIds(), answers,
                        MetadataQuorum.ELECTION_TIMEOUT_MIN_MS)),
                System::nanoTime, scheduler, heartbeatIntervalMs, sessionTimeoutMs);
    }

    /**
     * @param controller sends a heartbeat to the active controller
     * @param metadataOffset the metadata log offset this node has applied
     * @param electionProbe asks the metadata quorum's voters whether an election is under way
     *     ({@link ElectionLeaseRule})
     * @param nanoClock monotonic time in nanoseconds (tests pass a fake one)
     */
    BrokerLifecycle(int brokerId, long brokerEpoch,
                    Function<BrokerHeartbeatRequest, CompletableFuture<BrokerHeartbeatResponse>> controller,
                    LongSupplier metadataOffset, Supplier<CompletableFuture<ElectionLeaseRule.Verdict>> electionProbe,
                    LongSupplier nanoClock, ScheduledExecutorService scheduler,
                    long heartbeatIntervalMs, long sessionTimeoutMs) {
        long sessionNanos = TimeUnit.MILLISECONDS.toNanos(sessionTimeoutMs);
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(heartbeatIntervalMs);
        this.lease = new BrokerLease(sessionNanos, MAX_ELECTION_SESSIONS * sessionNanos);
        this.electionProbe = electionProbe;
        // probe once a heartbeat answer is half an interval late; extend by less than a session
        this.probeBelowNanos = sessionNanos - intervalNanos * 3 / 2;
        this.electionExtensionNanos = Math.min(2 * intervalNanos, sessionNanos / 2);
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controller = controller;
        this.metadataOffset = metadataOffset;
        this.nanoClock = nanoClock;
        this.scheduler = scheduler;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
    }

    public void start() {
        task = scheduler.scheduleWithFixedDelay(this::tick, 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** Completes the first time the controller reports this broker unfenced. */
    public CompletableFuture<Void> unfenced() {
        return firstUnfenced;
    }

    public boolean isFenced() {
        return fenced;
    }

    /**
     * Whether this broker may act as a leader now: the controller answered, unfenced, a heartbeat
     * sent less than a session timeout ago, and after a lapse its metadata has caught up with the
     * controller's at that answer (see {@link BrokerLease}). Logs once when it lapses.
     */
    public boolean hasLease() {
        long now = nanoClock.getAsLong();
        long applied = metadataOffset.getAsLong();
        boolean valid = lease.isValid(now, applied);
        if (!valid && !leaseLapseLogged && firstUnfenced.isDone() && !wantShutdown) {
            leaseLapseLogged = true;
            log.warn("Broker {} has had no answer from the metadata quorum for {} ms past its session: it stops "
                    + "acting as leader until the controller answers again and its metadata has caught up with the "
                    + "controller's", brokerId,
                    TimeUnit.NANOSECONDS.toMillis(lease.expiredForNanos(now)));
        } else if (valid && leaseLapseLogged) {
            leaseLapseLogged = false;
            log.info("Broker {} heard from the metadata quorum again and its metadata reached offset {}: it acts as "
                    + "leader again", brokerId, applied);
        }
        return valid;
    }

    public long brokerEpoch() {
        return brokerEpoch;
    }

    /** Asks the controller to move leadership away; completes when it has (or fails at the caller's timeout). */
    public CompletableFuture<Void> controlledShutdown() {
        wantShutdown = true;
        scheduler.execute(this::maybeSendHeartbeat);
        return shutdownGranted;
    }

    /** One tick: a heartbeat, and a probe of the voters when the lease is about to run out. */
    void tick() {
        maybeSendHeartbeat();
        maybeProbeElection();
    }

    void maybeSendHeartbeat() {
        long sentNanos = nanoClock.getAsLong();
        if (inFlight.get() > 0 && sentNanos - lastSentNanos < TimeUnit.MILLISECONDS.toNanos(2 * heartbeatIntervalMs)) {
            return; // the previous heartbeat is not answered yet, and not long overdue
        }
        inFlight.incrementAndGet();
        lastSentNanos = sentNanos;
        BrokerHeartbeatRequest request = BrokerHeartbeatRequest.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch).setMetadataOffset(metadataOffset.getAsLong())
                .setWantShutdown(wantShutdown).build();
        CompletableFuture<BrokerHeartbeatResponse> response;
        try {
            response = sendToController(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenComplete((answer, error) -> {
            inFlight.decrementAndGet();
            if (error != null) {
                log.debug("Heartbeat of broker {} failed: {}", brokerId, error.toString());
                return;
            }
            handleResponse(answer, sentNanos);
        });
    }

    /**
     * While no heartbeat is answered and the lease is about to run out, asks the voters whether an
     * election is under way; if it is, nobody can fence this broker until a new controller has
     * been active for a session ({@link ElectionLeaseRule}), so the lease is carried a little past
     * the probe and the broker goes on leading while its controller fails over.
     */
    void maybeProbeElection() {
        long sentNanos = nanoClock.getAsLong();
        long remaining = lease.remainingNanos(sentNanos);
        if (wantShutdown || remaining == 0 || remaining > probeBelowNanos || !probing.compareAndSet(false, true)) {
            return;
        }
        CompletableFuture<ElectionLeaseRule.Verdict> verdict;
        try {
            verdict = electionProbe.get();
        } catch (RuntimeException e) {
            verdict = CompletableFuture.failedFuture(e);
        }
        verdict.whenComplete((answer, error) -> {
            probing.set(false);
            if (error != null) {
                log.debug("Election probe of broker {} failed: {}", brokerId, error.toString());
            } else if (answer.mayExtend() && lease.onElectionUnderWay(sentNanos, electionExtensionNanos)
                    && !electionExtensionLogged && lease.isExtendedByElection(nanoClock.getAsLong())) {
                electionExtensionLogged = true;
                log.info("Broker {}: no controller answers its heartbeats but {}; it goes on leading meanwhile "
                        + "(for at most {} sessions)", brokerId, answer.reason(), MAX_ELECTION_SESSIONS);
            } else if (!answer.mayExtend()) {
                log.debug("Broker {} does not extend its lease: {}", brokerId, answer.reason());
            }
        });
    }

    private synchronized void handleResponse(BrokerHeartbeatResponse answer, long sentNanos) {
        if (sentNanos - newestAnsweredSentNanos < 0 && newestAnsweredSentNanos != Long.MIN_VALUE) {
            return; // a newer heartbeat was answered already: this answer is older news
        }
        newestAnsweredSentNanos = sentNanos;
        if (answer.getErrorCode() != ErrorCode.NONE) {
            if (answer.getErrorCode() != ErrorCode.NOT_CONTROLLER) {
                log.warn("Controller refused the heartbeat of broker {} (epoch {}): {} {}", brokerId, brokerEpoch,
                        answer.getErrorCode(), answer.getErrorMessage());
            } else {
                log.debug("Heartbeat of broker {} reached a node that is not the active controller: {}", brokerId,
                        answer.getErrorMessage());
            }
            return;
        }
        boolean wasFenced = fenced;
        fenced = answer.getIsFenced();
        lease.onHeartbeatAnswer(sentNanos, fenced, answer.getMetadataOffset(), nanoClock.getAsLong());
        if (electionExtensionLogged && !fenced) {
            electionExtensionLogged = false;
            log.info("Broker {}: the controller answers its heartbeats again", brokerId);
        }
        if (wasFenced && !fenced) {
            log.info("Broker {} is unfenced (epoch {})", brokerId, brokerEpoch);
            firstUnfenced.complete(null);
        } else if (!wasFenced && fenced && !wantShutdown) {
            log.warn("Broker {} was fenced by the controller (epoch {})", brokerId, brokerEpoch);
        }
        if (wantShutdown && answer.getShouldShutdown()) {
            shutdownGranted.complete(null);
        }
    }

    /** In-process when this node is the active controller, else carried to it by the Ratis client. */
    private CompletableFuture<BrokerHeartbeatResponse> sendToController(BrokerHeartbeatRequest request) {
        return controller.apply(request);
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
