package io.tributary.chaos.net;

import java.util.List;

/** A system command the harness needs (ip, nft, kill) failed: the lab cannot be built or a fault not applied or undone. */
public final class LabCommandException extends RuntimeException {
    private final List<String> command;
    private final int exitCode;

    public LabCommandException(List<String> command, int exitCode, String output) {
        super(String.join(" ", command) + " failed (exit " + exitCode + "): " + output.strip());
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
    }

    public List<String> command() {
        return command;
    }

    public int exitCode() {
        return exitCode;
    }
}
