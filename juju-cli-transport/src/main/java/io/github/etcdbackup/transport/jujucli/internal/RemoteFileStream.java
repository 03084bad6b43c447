package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * A remote file as the stdout of {@code juju ssh UNIT -- sudo cat PATH}, handed to the caller as it arrives.
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
    private static final Logger LOG = LoggerFactory.getLogger(RemoteFileStream.class);
    private static final int STDERR_LIMIT = 64 * 1024;
    private static final ScheduledExecutorService DEADLINES = deadlineTimer();

    private final Process process;
    private final ProcessRunner owner;
    private final InputStream stdout;
    private final BoundedBuffer stderr = new BoundedBuffer(STDERR_LIMIT);
    private final Thread stderrDrain;
    private final Deadline deadline;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean expired = new AtomicBoolean();
    private final ScheduledFuture<?> deadlineKill;
    private boolean verifiedEnd;

    private RemoteFileStream(Process process, ProcessRunner owner, Deadline deadline, String description) {
        this.process = process;
        this.owner = owner;
        this.stdout = process.getInputStream();
        this.deadline = deadline;
        this.description = description;
        this.stderrDrain = new Thread(this::drainStderr, "juju-ssh-stderr");
        stderrDrain.setDaemon(true);
        stderrDrain.start();
        this.deadlineKill = DEADLINES.schedule(() -> {
            expired.set(true);
            ProcessTree.kill(process.toHandle());
        }, Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS);
    }

    private static ScheduledExecutorService deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = Executors.defaultThreadFactory().newThread(runnable);
            thread.setName("juju-ssh-deadline");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /**
     * Starts {@code juju ARGV...} with the runner's executable and environment and returns its stdout; the runner's
     * {@code close()} stops it too.
     *
     * @throws TransportException if the process cannot be started
     */
    public static RemoteFileStream start(ProcessRunner runner, List<String> argv, Deadline deadline,
                                         String description) {
        runner.requireOpen();
        deadline.check(description);
        String executable = runner.executable();
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.command(executable, argv));
        builder.environment().clear();
        builder.environment().putAll(runner.environment());
        builder.redirectInput(ProcessBuilder.Redirect.PIPE);
        LOG.debug("streaming {} {}", executable, Redaction.redact(argv));
        try {
            Process process = builder.start();
            runner.track(process);
            // Nothing is sent to the remote command; an open stdin would only keep ssh waiting for input.
            process.getOutputStream().close();
            return new RemoteFileStream(process, runner, deadline, description);
        } catch (IOException e) {
            throw new TransportException(ProcessRunner.TRANSPORT, "Cannot run '" + executable + "' to stream "
                    + description + ": " + e.getMessage() + ". Install Juju or give its location with"
                    + " JujuCliTransport.builder().executable(Path).", e);
        }
    }

    private void drainStderr() {
        byte[] buffer = new byte[8192];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(buffer)) != -1) {
                stderr.write(buffer, 0, n);
            }
        } catch (IOException ignored) {
            // The process was killed or closed; what was read so far is kept for the message.
        }
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
            n = stdout.read(buffer, offset, length);
        } catch (IOException e) {
            throw failure("was cut: " + e.getMessage(), e);
        }
        if (n == -1) {
            checkExit();
            verifiedEnd = true;
        }
        return n;
    }

    /** At end of stdout the process must have exited with 0, or the file is not complete. */
    private void checkExit() throws IOException {
        int exitCode;
        try {
            if (!process.waitFor(Math.max(1, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                expired.set(true);
                ProcessTree.kill(process.toHandle());
                throw failure("did not end before the deadline", null);
            }
            exitCode = process.exitValue();
            stderrDrain.join(TimeUnit.SECONDS.toMillis(5));
            if (stderrDrain.isAlive()) {
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
            throw failure("failed: 'juju ssh' exited with " + exitCode, null);
        }
        deadlineKill.cancel(false);
        owner.untrack(process);
    }

    private IOException failure(String what, Throwable cause) {
        String err = stderr.text().strip();
        IOException e = new IOException("Streaming " + description + " " + what
                + (expired.get() ? " (deadline " + deadline.timeout() + " passed)" : "")
                + (err.isEmpty() ? "" : "; stderr: " + tail(err)));
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
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
                stdout.close();
            } catch (IOException ignored) {
                // Closing a pipe of a killed process; nothing more to release.
            }
        }
    }
}
