package io.tributary.chaos.checker;

import java.util.Locale;

/** History times are nanoseconds; reports show milliseconds with one decimal. */
final class Millis {
    private Millis() {
    }

    static double of(long nanos) {
        return nanos / 1_000_000.0;
    }

    static String format(long nanos) {
        // Locale.ROOT: a report must read the same on every machine (a decimal point, never a comma)
        return String.format(Locale.ROOT, "%.1f", of(nanos));
    }
}
