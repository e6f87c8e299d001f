package io.tributary.chaos.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system commands ({@code ip}, {@code nft}, {@code kill}) that build and break the lab. */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 30;

    private Commands() {
    }

    /** Runs {@code command}, feeding it {@code stdin} (may be null), and returns its output. */
    public static String run(List<String> command, String stdin) throws LabCommandException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            try (InputStream out = process.getInputStream()) {
                out.transferTo(output);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new LabCommandException(command, -1, "no exit within " + TIMEOUT_SECONDS + " s");
            }
            String text = output.toString(StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new LabCommandException(command, process.exitValue(), text);
            }
            return text;
        } catch (IOException e) {
            throw new LabCommandException(command, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabCommandException(command, -1, "interrupted");
        }
    }

    public static String run(String... command) throws LabCommandException {
        return run(List.of(command), null);
    }

    /** Whether {@code command --version}-style probing finds the program on the PATH. */
    public static boolean available(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return new java.io.File("/usr/sbin", program).canExecute() || new java.io.File("/sbin", program).canExecute();
    }
}
