package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A remote file as the bytes a {@code juju} process delivers, handed to the caller as they arrive: the stdout of
 * {@code juju ssh UNIT -- sudo cat PATH}, or the FIFO {@code juju scp} writes into (see {@link ScpDownload}).
 *
 * <p>Not captured like a command's output (see {@link ProcessRunner}): the core's verified download pulls the bytes
 * itself (constant memory, back-pressure, no temporary copy), and a file has no size cap. stderr is drained on a
 * thread so the child never blocks on a full pipe.
 *
 * <p>End of stream is only reported once the process exited with 0; any other exit, a kill by the deadline, or a
 * stream cut mid-file is an {@link IOException} from {@code read}. {@link #close()} kills the process tree.
 *
 * <p>The deadline holds whatever the children do: the bytes are read ahead on a daemon thread (see
 * {@link ReadAhead}), so {@code read} waits for them at most until the deadline, and returns at once when the stream
 * is closed (by the core's watchdog, for instance), even while a child that {@code juju} left behind, in a session
 * of its own or not, still holds the pipe. A {@code read} ends by the deadline plus the time of a kill (a scan of
 * {@code /proc}, milliseconds). The deadline timer is armed for the life of the stream, not of the process: it kills
 * the process tree and whatever holds its pipes (see {@link ProcessTree}) when nobody reads.
 */
public final class RemoteFileStream extends BlockInputStream {
    private final ProcessTree tree;
    private final Process process;
    private final ProcessRunner owner;
    private final ReadAhead data;
    private final StderrDrain stderr;
    private final Deadline deadline;
    private final String description;
    private final String command;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by whichever sees the deadline pass first: a read, the exit wait, or the watchdog. */
    private final AtomicBoolean expired = new AtomicBoolean();
    /** Kills the process tree when the deadline passes: core's one timer for every stream of the library. */
    private final StreamWatchdog.Guard deadlineKill;
    private long toSkip;
    private boolean verifiedEnd;

    /**
     * @param data        what the process delivers the file through
     * @param skip        how many leading bytes to discard (a command that cannot start at an offset)
     * @param description what is streamed, e.g. {@code etcd/0:/path}
     * @param command     what delivers it, for messages, e.g. {@code juju ssh}
     */
    RemoteFileStream(ProcessRunner owner, ProcessTree tree, StderrDrain stderr, InputStream data, long skip,
                     Deadline deadline, String description, String command) {
        this.tree = tree;
        this.process = tree.process();
        this.owner = owner;
        this.data = ReadAhead.start(data, command.replace(' ', '-') + "-data");
        this.stderr = stderr;
        this.toSkip = skip;
        this.deadline = deadline;
        this.description = description;
        this.command = command;
        this.deadlineKill = StreamWatchdog.closeAfter(() -> {
            expired.set(true);
            tree.kill();
        }, deadline.remaining());
    }

    /**
     * Starts {@code juju ARGV...} (an {@code ssh} whose remote command prints the file) with the runner's executable
     * and environment and returns its stdout; the runner's {@code close()} stops it too.
     *
     * @throws TransportException if the process cannot be started
     */
    public static RemoteFileStream start(ProcessRunner runner, List<String> argv, Deadline deadline,
                                         String description) {
        deadline.check(description);
        ProcessTree tree = runner.startTracked(argv, ProcessBuilder.Redirect.PIPE, description);
        StderrDrain stderr = StderrDrain.start(tree.process(), "juju-ssh-stderr");
        return new RemoteFileStream(runner, tree, stderr, tree.process().getInputStream(), 0, deadline, description,
                "juju ssh");
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (verifiedEnd) {
            return -1;
        }
        if (closed.get()) {
            throw new IOException("stream of " + description + " is closed");
        }
        if (length == 0) {
            return 0;
        }
        int n;
        try {
            n = skipLeadingBytes() ? readBeforeDeadline(buffer, offset, length) : -1;
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw failure("was cut: " + e.getMessage(), e);
        }
        if (n == -1) {
            checkExit();
            verifiedEnd = true;
        }
        return n;
    }

    /**
     * Discards the bytes before the offset, through a buffer of its own (the caller's bytes past what {@code read}
     * returns must stay untouched).
     *
     * @return false when the data ended first: the file is shorter than the offset and its remainder is empty, as
     *         with {@code tail -c +N}
     */
    private boolean skipLeadingBytes() throws IOException {
        byte[] discard = toSkip > 0 ? new byte[(int) Math.min(64 * 1024, toSkip)] : null;
        while (toSkip > 0) {
            int n = readBeforeDeadline(discard, 0, (int) Math.min(discard.length, toSkip));
            if (n == -1) {
                return false;
            }
            toSkip -= n;
        }
        return true;
    }

    /** The next bytes, or -1 at the end; when the deadline comes first, kills the process tree and throws. */
    private int readBeforeDeadline(byte[] buffer, int offset, int length) throws IOException {
        int n = data.read(buffer, offset, length, deadline);
        if (n == 0) {
            expired.set(true);
            tree.kill();
            throw failure("delivered nothing more before the deadline", null);
        }
        return n;
    }

    /** At end of the data the process must have exited with 0, or the file is not complete. */
    private void checkExit() throws IOException {
        int exitCode;
        try {
            if (!process.waitFor(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                expired.set(true);
                tree.kill();
                throw failure("did not end before the deadline", null);
            }
            exitCode = process.exitValue();
            if (!stderr.awaitEnd(deadline)) {
                // A child orphaned by juju still holds stderr: end it, so that neither it nor the drain outlives us.
                tree.kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while streaming " + description);
            interrupted.initCause(e);
            throw interrupted;
        }
        if (expired.get()) {
            throw failure("was stopped by its deadline", null);
        }
        if (exitCode != 0) {
            throw new RemoteCommandFailedException(message("failed: '" + command + "' exited with " + exitCode),
                    exitCode, stderr.text());
        }
        deadlineKill.cancel();
        owner.untrack(tree);
    }

    private IOException failure(String what, Throwable cause) {
        IOException e = new IOException(message(what));
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private String message(String what) {
        String err = stderr.text().strip();
        return "Streaming " + description + " " + what
                + (expired.get() ? " (deadline " + deadline.timeout() + " passed)" : "")
                + (err.isEmpty() ? "" : "; stderr: " + tail(err));
    }

    private static String tail(String text) {
        return text.length() <= 2048 ? text : "…" + text.substring(text.length() - 2048);
    }

    /** Kills the process tree, unless the file was read to a verified end (nothing is left to stop); idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            deadlineKill.cancel();
            if (!verifiedEnd) {
                tree.kill();
            }
            owner.untrack(tree);
            data.close();
        }
    }

    /**
     * The process delivered what it could and exited with a non-zero status: a remote command that failed, or
     * {@code ssh} itself (255). Its exit code and stderr let {@link ScpFallbackStream} decide whether scp can do
     * better.
     */
    static final class RemoteCommandFailedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;
        private final transient String stderr;

        RemoteCommandFailedException(String message, int exitCode, String stderr) {
            super(message);
            this.exitCode = exitCode;
            this.stderr = stderr;
        }

        int exitCode() {
            return exitCode;
        }

        String stderr() {
            return stderr == null ? "" : stderr;
        }
    }
}
