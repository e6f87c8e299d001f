package io.tributary.chaos.checker;

import java.util.Comparator;

/** A place in the topic: partition and offset, printed {@code partition@offset}. */
record Position(int partition, long offset) implements Comparable<Position> {
    private static final Comparator<Position> ORDER =
            Comparator.comparingInt(Position::partition).thenComparingLong(Position::offset);

    @Override
    public int compareTo(Position other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return partition + "@" + offset;
    }
}
