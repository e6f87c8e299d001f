package io.tributary.chaos.checker;

/**
 * One producer send, assembled from its INVOKE and its first completion.
 *
 * @param value the unique value sent
 * @param process the producer
 * @param partition the partition it was sent to
 * @param invokeOrder index of its INVOKE in the history (of its first event if the INVOKE is missing):
 *        one producer records its INVOKEs in the order it sends
 * @param outcome OK, FAIL, or UNKNOWN (an INFO, or no completion before the run ended)
 * @param completionNanos when the completion was recorded, or -1
 * @param completionOrder index of the completion in the history, or -1
 * @param ackOffset the acknowledged offset for OK, else -1
 */
record Send(String value, String process, int partition, long invokeOrder, Outcome outcome, long completionNanos,
            long completionOrder, long ackOffset) {

    enum Outcome { OK, FAIL, UNKNOWN }

    boolean isOk() {
        return outcome == Outcome.OK;
    }

    Position ackPosition() {
        return new Position(partition, ackOffset);
    }

    /** Whether this send's completion was recorded before the other's (time first, then history order). */
    boolean completedBefore(Send other) {
        if (completionNanos != other.completionNanos) {
            return completionNanos < other.completionNanos;
        }
        return completionOrder < other.completionOrder;
    }
}
