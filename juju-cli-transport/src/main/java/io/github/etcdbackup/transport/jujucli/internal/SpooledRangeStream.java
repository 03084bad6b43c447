package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.SpooledRange;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A range of a remote file that a {@code juju ssh ... sudo dd} process writes straight into a file: the process's
 * stdout is that file, not a pipe, and the core reads it when the range's turn comes ({@link SpooledRange}).
 *
 * <p>Why: read from a pipe, a range moves only as fast as the JVM drains the 64 KiB pipe, and OpenSSH reopens its
 * 2 MiB window only as its output drains, so every stall of a reader thread shows on the link; and the core held
 * every range that arrived early in heap, which capped their size and so made every range pay a new OpenSSH
 * connection often. Into a file, OpenSSH writes as fast as into {@code /dev/null}. Measured through the simulator's
 * {@code juju ssh} over a 50 ms, 1 Gbit/s link, 4 streams, 1 GiB: 64 MiB ranges read from pipes by this transport
 * 46-57 MB/s, into files (shell) 90; 128 MiB ranges into files 104, a quarter each 111 (benchmarks/RESULTS.md,
 * issue 22).
 *
 * <p>The file comes from {@link SpooledOutput} (owner-only, unlinked as soon as the process holds it: nothing is left
 * on disk whatever becomes of the JVM), and its space is freed when the stream is closed.
 *
 * <p>End of stream is reported only once the process exited with 0, and only the bytes written by then are read; any
 * other exit, a kill by the deadline, or a range longer than asked is an {@link IOException}. {@link #close()} kills
 * the process tree (unless it ended with 0) and frees the file. A read never blocks past the deadline: a regular
 * file always answers at once, and the wait for more bytes polls the process.
 */
public final class SpooledRangeStream extends BlockInputStream implements SpooledRange {
    /** How long a reader that caught up with the process waits before it looks at the file again. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final ProcessTree tree;
    private final Process process;
    private final ProcessRunner owner;
    private final StderrDrain stderr;
    private final FileChannel file;
    private final long length;
    private final Deadline deadline;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set by whichever sees the deadline pass first: a wait, or the watchdog. */
    private final AtomicBoolean expired = new AtomicBoolean();
    private final StreamWatchdog.Guard deadlineKill;
    private final Object exitLock = new Object();
    /** The file's size when the process exited with 0; -1 until then. Guarded by {@link #exitLock}. */
    private long sizeAtExit = -1;
    /** Why the range failed, once it did. Guarded by {@link #exitLock}. */
    private IOException failure;
    /** Where the reader is in the file; touched by the reader only. */
    private long position;

    private SpooledRangeStream(ProcessRunner owner, ProcessTree tree, FileChannel file, long length,
                               Deadline deadline, String description) {
        this.owner = owner;
        this.tree = tree;
        this.process = tree.process();
        this.stderr = StderrDrain.start(process, "juju-ssh-range-stderr");
        this.file = file;
        this.length = length;
        this.deadline = deadline;
        this.description = description;
        this.deadlineKill = StreamWatchdog.closeAfter(() -> {
            expired.set(true);
            tree.kill();
        }, deadline.remaining());
    }

    /**
     * Starts {@code juju ARGV...} (an {@code ssh} whose remote command prints at most {@code length} bytes) with its
     * stdout in a new file under {@code spoolDirectory}.
     *
     * @throws io.github.etcdbackup.exception.LocalStorageException if the spool directory cannot take the file, or
     *                                                               others could swap it
     * @throws io.github.etcdbackup.exception.TransportException if the process cannot be started
     */
    public static SpooledRangeStream start(ProcessRunner runner, List<String> argv, long length, Path spoolDirectory,
                                           Deadline deadline, String description) {
        deadline.check(description);
        SpooledOutput output = SpooledOutput.start(runner, argv, false, spoolDirectory, description);
        return new SpooledRangeStream(runner, output.tree(), output.file(), length, deadline, description);
    }

    @Override
    public long awaitArrival(Deadline wait) throws IOException {
        try {
            if (!process.waitFor(Math.max(1, wait.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                expired.set(true);
                tree.kill();
                throw failure("did not end before the deadline");
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        return exited();
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        if (count == 0) {
            return 0;
        }
        while (true) {
            long end = endIfKnown();
            if (closed.get()) {
                // After its failure, if any: a range closed because it failed must say why.
                throw new IOException("the stream of " + description + " is closed");
            }
            long available = (end >= 0 ? end : Long.MAX_VALUE) - position;
            if (available > 0) {
                int n = file.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(count, available)), position);
                if (n > 0) {
                    position += n;
                    return n;
                }
            }
            if (end >= 0) {
                return -1;
            }
            awaitMore();
        }
    }

    /** The reader caught up with the process: waits a moment for it to write more or to end. */
    private void awaitMore() throws IOException {
        if (deadline.expired()) {
            expired.set(true);
            tree.kill();
            throw failure("delivered nothing more before the deadline");
        }
        try {
            if (process.waitFor(Math.min(POLL_NANOS, Math.max(1, deadline.remaining().toNanos())),
                    TimeUnit.NANOSECONDS)) {
                exited();
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** The size at a successful exit, -1 while the process runs; throws once the range failed. */
    private long endIfKnown() throws IOException {
        synchronized (exitLock) {
            if (failure != null) {
                throw failure;
            }
            return sizeAtExit;
        }
    }

    /** Called once the process has ended: the range is complete with exit 0, failed otherwise. Idempotent. */
    private long exited() throws IOException {
        synchronized (exitLock) {
            if (failure == null && sizeAtExit < 0) {
                judgeExit();
            }
            if (failure != null) {
                throw failure;
            }
            return sizeAtExit;
        }
    }

    private void judgeExit() throws IOException {
        try {
            if (!stderr.awaitEnd(deadline)) {
                // A child orphaned by juju still holds stderr: end it, so that neither it nor the drain outlives us.
                tree.kill();
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        int exitCode = process.exitValue();
        if (closed.get()) {
            failure = new IOException("the stream of " + description + " was closed");
        } else if (expired.get()) {
            failure = failure("was stopped by its deadline");
        } else if (exitCode != 0) {
            failure = new RemoteFileStream.RemoteCommandFailedException(message("failed: 'juju ssh' exited with "
                    + exitCode), exitCode, stderr.text());
        } else if (file.size() > length) {
            failure = failure("brought " + file.size() + " bytes, more than the " + length + " asked");
        } else {
            sizeAtExit = file.size();
            deadlineKill.cancel();
            owner.untrack(tree);
        }
    }

    private InterruptedIOException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        InterruptedIOException interrupted = new InterruptedIOException("interrupted while streaming " + description);
        interrupted.initCause(e);
        return interrupted;
    }

    private IOException failure(String what) {
        return new IOException(message(what));
    }

    private String message(String what) {
        String err = stderr.text().strip();
        return "Streaming " + description + " " + what
                + (expired.get() ? " (deadline " + deadline.timeout() + " passed)" : "")
                + (err.isEmpty() ? "" : "; stderr: " + (err.length() <= 2048 ? err
                : "…" + err.substring(err.length() - 2048)));
    }

    /** Kills the process tree unless it ended with 0, and frees the file; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            deadlineKill.cancel();
            boolean complete;
            synchronized (exitLock) {
                complete = sizeAtExit >= 0;
            }
            if (!complete) {
                tree.kill();
            }
            owner.untrack(tree);
            SpooledOutput.closeQuietly(file);
        }
    }
}
