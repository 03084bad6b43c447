package io.github.etcdbackup.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a finished short-lived command left behind: its exit code and both streams.
 *
 * @param command  the command line, for error messages
 * @param exitCode the process exit status
 * @param stdout   standard output, byte for byte
 * @param stderr   standard error as UTF-8 text
 */
public record CommandResult(List<String> command, int exitCode, byte[] stdout, String stderr) {

    public CommandResult {
        command = List.copyOf(command);
        stdout = stdout.clone();
    }

    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    /** Standard output decoded as UTF-8. */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** True when the command exited with status 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result, or throws with both streams in the message when the command failed. */
    public CommandResult orThrow() {
        if (exitCode != 0) {
            throw new IllegalStateException("command failed with exit status " + exitCode + ": "
                    + String.join(" ", command) + "\nstdout: " + stdoutText() + "\nstderr: " + stderr);
        }
        return this;
    }
}
