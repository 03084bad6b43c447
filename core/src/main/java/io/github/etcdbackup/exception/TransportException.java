package io.github.etcdbackup.exception;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * The transport could not do its part: {@code juju} missing or not logged in, a process that exited with an
 * error, an SSH connection refused or not trusted, a stream cut mid-file. The message says what to fix.
 */
public final class TransportException extends EtcdBackupException {
    private final String transport;
    private final Integer exitCode;
    private final String stderrTail;

    /**
     * @param transport the transport's name, e.g. {@code juju-cli} or {@code ssh}
     * @param message   what failed and what to do about it
     * @param exitCode  the exit code of the process or remote command, {@code null} if none
     * @param stderr    its stderr; only the tail is kept
     * @param cause     the low-level error, may be {@code null}
     */
    public TransportException(String transport, String message, Integer exitCode, String stderr, Throwable cause) {
        super(message + (stderr == null || stderr.isBlank() ? "" : "\nstderr (tail):\n" + tail(stderr.strip(), 1024)),
                cause);
        this.transport = Objects.requireNonNull(transport, "transport");
        this.exitCode = exitCode;
        this.stderrTail = tail(stderr, MESSAGE_TAIL_CHARS);
    }

    /** Shorthand for an error with no process behind it. */
    public TransportException(String transport, String message, Throwable cause) {
        this(transport, message, null, null, cause);
    }

    /** The transport's name. */
    public String transport() {
        return transport;
    }

    /** The exit code of the failed process or remote command, when there was one. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The last few KiB of its stderr, empty if none. */
    public String stderrTail() {
        return stderrTail;
    }
}
