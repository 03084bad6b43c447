package io.github.etcdbackup.transport.ssh.internal;

/**
 * What a remote command left: its exit status and its (bounded) outputs.
 *
 * @param exitCode the remote exit status
 * @param stdout   standard output, cut to its head if it was very long
 * @param stderr   standard error, cut to its tail if it was very long
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    /** Whether the command exited 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }
}
