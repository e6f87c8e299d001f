package io.tributary.chaos;

/**
 * Which node log lines count as a crash: ERROR-level lines and uncaught exceptions. Warnings are
 * expected under faults (a peer unreachable, a request timed out) and are not counted.
 */
final class NodeLogScan {
    private NodeLogScan() {
    }

    static boolean isSuspicious(String line) {
        return line.contains(" ERROR ") || line.startsWith("Exception in thread") || line.contains("FATAL");
    }
}
