package io.tributary.broker.producer;

/** Sequence arithmetic with Kafka's wrap-around: after {@link Integer#MAX_VALUE} comes 0. */
final class Sequences {
    private Sequences() {
    }

    /** The sequence {@code increment} steps after {@code sequence}, wrapping to 0 past MAX_VALUE. */
    static int increment(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    /** The sequence right after {@code sequence}. */
    static int next(int sequence) {
        return increment(sequence, 1);
    }

    /**
     * Whether {@code sequence} comes before {@code reference}, allowing for wrap-around: it is less
     * than half the sequence space behind it.
     */
    static boolean isBefore(int sequence, int reference) {
        long behind = ((long) reference - sequence + (1L << 31)) % (1L << 31);
        return behind > 0 && behind < (1L << 30);
    }

    /** Whether {@code nextFirst} directly follows {@code last}. */
    static boolean inSequence(int last, int nextFirst) {
        return nextFirst == (long) last + 1L || (nextFirst == 0 && last == Integer.MAX_VALUE);
    }
}
