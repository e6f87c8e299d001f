package io.tributary.broker.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's incremental fetch sessions (KIP-227), the broker's side: a session remembers the
 * partitions a consumer fetches, with their fetch offsets, so the consumer names only what changed
 * (a new offset, a partition added or forgotten), and an answer carries only the partitions with
 * something new (records, a moved high watermark, log start or last stable offset, an error).
 *
 * <p>Epochs as Kafka's {@code FetchMetadata}: epoch 0 opens a session (closing the one named),
 * -1 fetches without one, and a positive epoch continues session {@code id} at exactly the epoch
 * the last answer implied. At most {@code maxSessions} live at once; when full, the least recently
 * used session idle for {@code evictAfterMs} makes room, otherwise the fetch gets no session (id
 * 0), which Kafka's consumer handles by fetching in full. Pure logic on a supplied clock; callers
 * may be on several threads.
 */
final class FetchSessions {
    static final int INITIAL_EPOCH = 0;
    static final int FINAL_EPOCH = -1;
    static final int NO_SESSION = 0;

    /** A partition a fetch names, resolved to its topic's name (absent: an unknown topic id). */
    record Wanted(String topic, Uuid topicId, int partition, long fetchOffset, int maxBytes, int currentLeaderEpoch) {
        Key key() {
            return new Key(topic != null ? topic : "<unknown topic id " + topicId + ">", partition);
        }
    }

    record Key(String topic, int partition) {
    }

    /** What one partition last answered, to tell whether the next answer has news. */
    record Answered(long highWatermark, long logStartOffset, long lastStableOffset, boolean hasRecordsOrError) {
    }

    private static final class Session {
        final int id;
        int expectedEpoch;
        long lastUsedMs;
        final Map<Key, Wanted> partitions = new LinkedHashMap<>();
        final Map<Key, Answered> lastAnswered = new LinkedHashMap<>();

        Session(int id, long nowMs) {
            this.id = id;
            this.lastUsedMs = nowMs;
            this.expectedEpoch = 1;
        }
    }

    /**
     * One fetch's view: the partitions to read and, once read, which of them to answer.
     *
     * @param error     a session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH): answer
     *                  it at the top level with no partitions
     * @param sessionId the session id to answer (0: none)
     */
    record Context(Errors error, int sessionId, boolean incremental, List<Wanted> partitions) {
    }

    private final int maxSessions;
    private final long evictAfterMs;
    private final LongSupplier clockMs;
    private final Random ids;
    private final Map<Integer, Session> sessions = new LinkedHashMap<>(16, 0.75f, true); // access order: LRU first

    FetchSessions(int maxSessions, long evictAfterMs, LongSupplier clockMs, Random ids) {
        this.maxSessions = maxSessions;
        this.evictAfterMs = evictAfterMs;
        this.clockMs = clockMs;
        this.ids = ids;
    }

    /** Starts a fetch: resolves the session and the partitions it reads. */
    synchronized Context open(int sessionId, int epoch, List<Wanted> named, Collection<Key> forgotten) {
        long now = clockMs.getAsLong();
        if (epoch == INITIAL_EPOCH || epoch == FINAL_EPOCH) {
            if (sessionId != NO_SESSION) {
                sessions.remove(sessionId);
            }
            List<Wanted> full = new ArrayList<>(named);
            if (epoch == FINAL_EPOCH) {
                return new Context(Errors.NONE, NO_SESSION, false, full);
            }
            Session created = create(now);
            if (created == null) {
                return new Context(Errors.NONE, NO_SESSION, false, full);
            }
            named.stream().filter(w -> w.topic() != null).forEach(w -> created.partitions.put(w.key(), w));
            return new Context(Errors.NONE, created.id, false, full);
        }
        Session session = sessions.get(sessionId);
        if (session == null) {
            return new Context(Errors.FETCH_SESSION_ID_NOT_FOUND, NO_SESSION, true, List.of());
        }
        if (epoch != session.expectedEpoch) {
            return new Context(Errors.INVALID_FETCH_SESSION_EPOCH, NO_SESSION, true, List.of());
        }
        session.lastUsedMs = now;
        forgotten.forEach(key -> {
            session.partitions.remove(key);
            session.lastAnswered.remove(key);
        });
        List<Wanted> unknown = new ArrayList<>();
        for (Wanted w : named) {
            if (w.topic() == null) {
                unknown.add(w);
            } else {
                session.partitions.put(w.key(), w);
            }
        }
        List<Wanted> all = new ArrayList<>(session.partitions.values());
        all.addAll(unknown);
        return new Context(Errors.NONE, session.id, true, all);
    }

    /**
     * Finishes a fetch that read {@code context.partitions()}: records what each answered and
     * returns the keys to put in the answer (all of them for a full fetch). The next fetch of the
     * session must come at the following epoch.
     */
    synchronized List<Key> answer(Context context, Map<Key, Answered> answered) {
        Session session = context.sessionId() == NO_SESSION ? null : sessions.get(context.sessionId());
        List<Key> include = new ArrayList<>();
        for (Wanted w : context.partitions()) {
            Key key = w.key();
            Answered now = answered.get(key);
            if (!context.incremental() || session == null || now == null) {
                include.add(key);
            } else {
                Answered before = session.lastAnswered.get(key);
                if (now.hasRecordsOrError() || before == null || before.highWatermark() != now.highWatermark()
                        || before.logStartOffset() != now.logStartOffset()
                        || before.lastStableOffset() != now.lastStableOffset()) {
                    include.add(key);
                }
            }
            if (session != null && now != null && session.partitions.containsKey(key)) {
                session.lastAnswered.put(key, now);
            }
        }
        if (session != null && context.incremental()) {
            session.expectedEpoch = session.expectedEpoch == Integer.MAX_VALUE ? 1 : session.expectedEpoch + 1;
        }
        return include;
    }

    synchronized int size() {
        return sessions.size();
    }

    private Session create(long now) {
        if (sessions.size() >= maxSessions) {
            Iterator<Session> lru = sessions.values().iterator();
            Session oldest = lru.next();
            if (now - oldest.lastUsedMs < evictAfterMs) {
                return null; // every slot is in use: this consumer fetches without a session
            }
            lru.remove();
        }
        int id;
        do {
            id = ids.nextInt(Integer.MAX_VALUE - 1) + 1;
        } while (sessions.containsKey(id));
        Session session = new Session(id, now);
        sessions.put(id, session);
        return session;
    }
}
