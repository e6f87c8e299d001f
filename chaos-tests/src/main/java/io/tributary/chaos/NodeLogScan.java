package io.tributary.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * Which node log entries count as a crash: ERROR-level entries and uncaught exceptions. Warnings
 * are expected under faults (a peer unreachable, a request timed out) and are not counted. An
 * entry is its first line and the stack trace under it; when the run filled a disk on purpose, an
 * error caused by "No space left on device" is the fault's expected effect, not a crash.
 */
final class NodeLogScan {
    private NodeLogScan() {
    }

    /** The suspicious entries of one node's log, each as its first line. */
    static List<String> suspicious(List<String> lines, boolean diskFullInjected) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!isSuspicious(line)) {
                continue;
            }
            boolean expected = false;
            for (int j = i + 1; j < lines.size() && isContinuation(lines.get(j)); j++) {
                expected |= diskFullInjected && lines.get(j).contains("No space left on device");
            }
            expected |= diskFullInjected && line.contains("No space left on device");
            // Ratis logs an AppendEntries it could not take (the server is closing, or the log moved
            // under a partition) at ERROR and retries it itself: protocol noise under faults, not a crash
            expected |= line.contains("RaftServer$Division") && line.contains("Failed appendEntries");
            if (!expected) {
                out.add(line);
            }
        }
        return out;
    }

    static boolean isSuspicious(String line) {
        return line.contains(" ERROR ") || line.startsWith("Exception in thread") || line.contains("FATAL");
    }

    /** A stack trace line, or a "Caused by" line, under a log entry. */
    private static boolean isContinuation(String line) {
        return line.startsWith("\t") || line.startsWith("Caused by") || line.startsWith("  ") || line.startsWith("...")
                || (!line.isEmpty() && !Character.isDigit(line.charAt(0)) && !line.startsWith("===")
                && !line.startsWith("Tributary"));
    }
}
