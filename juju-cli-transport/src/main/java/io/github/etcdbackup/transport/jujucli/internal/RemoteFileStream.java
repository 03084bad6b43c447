package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.TransportException;
import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A remote file as the bytes a {@code juju} process delivers, handed to the caller as they arrive: the stdout of
 * {@code juju ssh UNIT -- sudo cat PATH}, or the FIFO {@code juju scp} writes into (see {@link ScpDownload}).
 *
 * <p>Started with {@link ProcessBuilder}, not commons-exec: commons-exec pumps a child's stdout into an
 * {@code OutputStream} of ours, whereas the core's verified download must pull the bytes itself (constant memory,
 * back-pressure, no temporary copy). stderr is drained on a thread so the child never blocks on a full pipe.
 *
 * <p>End of stream is only reported once the process exited with 0; any other exit, a kill by the deadline, or a
 * stream cut mid-file is an {@link IOException} from {@code read}. {@link #close()} kills the process tree.
 *
 * <p>The deadline timer is armed for the life of the stream, not of the process: a {@code juju} that exited while a
 * background child still holds stdout leaves {@code read} blocked, and the timer's kill of the process's session
 * (see {@link ProcessTree}) ends that child, so {@code read} sees the end and reports the deadline.
 */
public final class RemoteFileStream extends InputStream {
    private static final ScheduledExecutorService DEADLINES = deadlineTimer();

    private final Process process;
    private final ProcessRunner owner;
    private final InputStream data;
    private final StderrDrain stderr;
    private final Deadline deadline;
    private final String description;
    private final String command;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean expired = new AtomicBoolean();
    private final ScheduledFuture<?> deadlineKill;
    private long toSkip;
    private boolean verifiedEnd;

    /**
     * @param data        what the process delivers the file through
     * @param skip        how many leading bytes to discard (a command that cannot start at an offset)
     * @param description what is streamed, e.g. {@code etcd/0:/path}
     * @param command     what delivers it, for messages, e.g. {@code juju ssh}
     */
    RemoteFileStream(ProcessRunner owner, Process process, StderrDrain stderr, InputStream data, long skip,
                     Deadline deadline, String description, String command) {
        this.process = process;
        this.owner = owner;
        this.data = data;
        this.stderr = stderr;
        this.toSkip = skip;
        this.deadline = deadline;
        this.description = description;
        this.command = command;
        this.deadlineKill = DEADLINES.schedule(() -> {
            expired.set(true);
            ProcessTree.kill(process.toHandle());
        }, Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
    }

    private static ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName("juju-stream-deadline");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
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
        Process process = runner.startTracked(argv, ProcessBuilder.Redirect.PIPE, description);
        StderrDrain stderr = StderrDrain.start(process, "juju-ssh-stderr");
        return new RemoteFileStream(runner, process, stderr, process.getInputStream(), 0, deadline, description,
                "juju ssh");
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (verifiedEnd) {
            return -1;
        }
        if (closed.get()) {
            throw new IOException("stream of " + description + " is closed");
        }
        int n;
        try {
            n = skipLeadingBytes() ? data.read(buffer, offset, length) : -1;
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
            int n = data.read(discard, 0, (int) Math.min(discard.length, toSkip));
            if (n == -1) {
                return false;
            }
            toSkip -= n;
        }
        return true;
    }

    /** At end of the data the process must have exited with 0, or the file is not complete. */
    private void checkExit() throws IOException {
        int exitCode;
        try {
            if (!process.waitFor(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                expired.set(true);
                ProcessTree.kill(process.toHandle());
                throw failure("did not end before the deadline", null);
            }
            exitCode = process.exitValue();
            if (!stderr.awaitEnd()) {
                // A child orphaned by juju still holds stderr: end it, so that neither it nor the drain outlives us.
                ProcessTree.kill(process.toHandle());
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
        deadlineKill.cancel(false);
        owner.untrack(process);
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
            deadlineKill.cancel(false);
            if (!verifiedEnd) {
                ProcessTree.kill(process.toHandle());
            }
            owner.untrack(process);
            try {
                data.close();
            } catch (IOException ignored) {
                // Closing a pipe of a killed process; nothing more to release.
            }
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
