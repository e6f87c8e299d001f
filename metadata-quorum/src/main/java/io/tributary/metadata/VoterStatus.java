package io.tributary.metadata;

/**
 * One voter's replication progress.
 *
 * @param matchIndex the highest log index known to be replicated on the voter (the leader's view;
 *     a node's own flushed index for itself), -1 when unknown
 * @param lag commit index - match index, at least 0; -1 when unknown
 */
public record VoterStatus(int id, String host, int port, long matchIndex, long lag) {
}
