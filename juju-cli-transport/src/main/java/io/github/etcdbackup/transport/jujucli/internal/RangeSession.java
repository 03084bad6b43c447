package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.spi.Deadline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code juju ssh ... sudo sh -c SCRIPT} process that reads range after range of one file
 * ({@link UnitArchives#readRangesScript}), asked for one at a time on its stdin, into one spool file: its stdout, as
 * for {@link SpooledRangeStream}. Ranges follow each other in the file, so a range starts where the ones before it
 * ended, and each ends when the script's marker on stderr has come and the file holds the bytes it counts.
 *
 * <p>Why: a {@code juju ssh} costs a process, a controller login (real Juju) and a new OpenSSH connection (several
 * round trips and a key exchange), 0.7 to 1 s before the first byte on benchmark 9's 50 ms link; a range of a
 * session costs one round trip. Juju hands its stdin to OpenSSH ({@code juju/cmd/juju/ssh/ssh_machine.go},
 * {@code sshMachine.ssh}: {@code cmd.Stdin = ctx.GetStdin()}), which passes it to the command.
 *
 * <p>Once it has written {@code retireAfterBytes}, a session takes no more ranges (its stdin is closed, the script
 * ends): the spool file only shrinks when the session's last range is closed, so this bounds what a long download
 * keeps on disk. Closed between ranges (the download ended), it ends the same way. A range closed before it ended, a
 * failed request, an exit while a range is read, or a range's deadline ends the session (its process tree is killed);
 * the range being read then fails with the reason. Guarded by its own monitor; {@link SessionRange}s wait on it.
 */
final class RangeSession {
    /** How long a reader waits before it looks at the file again (the process writes it, nobody notifies). */
    private static final long POLL_MILLIS = 2;
    /** How long the end of stderr may lag behind the end of the process before what holds it is killed. */
    private static final long STDERR_END_WAIT_SECONDS = 5;
    /**
     * How long a session whose input ended may take to end by itself (the script ends, then {@code ssh} and
     * {@code juju}: a round trip or two) before its process tree is killed.
     */
    private static final long INPUT_END_WAIT_SECONDS = 5;
    private static final int STDERR_LIMIT = 64 * 1024;

    private final ProcessRunner owner;
    private final ProcessTree tree;
    private final Process process;
    private final OutputStream requests;
    private final FileChannel file;
    private final long retireAfterBytes;
    /** The file's size as the first session of the download found it; -1 until then. */
    private final AtomicLong fileSize;
    private final String description;
    private final BoundedBuffer stderr = new BoundedBuffer(STDERR_LIMIT);
    /** Where the next range starts in the file: the length of every range that ended. */
    private long written;
    /** The range being read; null while the session waits for a request. */
    private SessionRange current;
    /** Ranges handed out and not closed: the file stays open while one is. */
    private int openRanges;
    private boolean retired;
    private boolean ended;
    private boolean fileClosed;
    /** Whether {@link #endInput()} ran: it does once. */
    private boolean inputEnded;
    /** The process's exit status once it {@link #ended}. */
    private int exitCode;
    /** Why the session can read no more; its ranges that did not end fail with it. */
    private IOException failure;

    private RangeSession(ProcessRunner owner, ProcessTree tree, FileChannel file, long retireAfterBytes,
                         AtomicLong fileSize, String description) {
        this.owner = owner;
        this.fileSize = fileSize;
        this.tree = tree;
        this.process = tree.process();
        this.requests = process.getOutputStream();
        this.file = file;
        this.retireAfterBytes = retireAfterBytes;
        this.description = description;
        Thread reader = new Thread(this::readStderr, "juju-ssh-range-session-stderr");
        reader.setDaemon(true);
        reader.start();
        // A child orphaned by juju may hold stderr after the process ended: end it, so the session is judged.
        process.onExit().thenRunAsync(() -> {
            if (reader.isAlive()) {
                tree.kill();
            }
        }, after(STDERR_END_WAIT_SECONDS));
    }

    /**
     * Starts {@code juju ARGV...}, whose remote command is {@link UnitArchives#readRangesScript}, with its stdout in a
     * new file under {@code spoolDirectory}.
     *
     * @throws io.github.etcdbackup.exception.LocalStorageException if the spool directory cannot take the file
     * @throws io.github.etcdbackup.exception.TransportException if the process cannot be started
     */
    static RangeSession start(ProcessRunner runner, List<String> argv, Path spoolDirectory, long retireAfterBytes,
                              AtomicLong fileSize, String description) {
        SpooledOutput output = SpooledOutput.start(runner, argv, true, spoolDirectory, description);
        return new RangeSession(runner, output.tree(), output.file(), retireAfterBytes, fileSize, description);
    }

    /** Whether the session can read a range now: running, not retired, not reading one. */
    synchronized boolean takesRanges() {
        return current == null && !retired && !ended && failure == null;
    }

    /** Whether the session's process ended and its ranges are closed: nothing of it is left to release. */
    synchronized boolean finished() {
        return ended && openRanges == 0;
    }

    /** Whether nothing of the session is in use any more: it ended or retired, and its ranges are closed. */
    synchronized boolean spent() {
        return (ended || retired || failure != null) && openRanges == 0;
    }

    /**
     * Asks for {@code length} bytes from {@code offset}, if the session {@link #takesRanges()}; null if not. A
     * request that cannot be sent fails the range it returns.
     */
    synchronized SessionRange tryRead(long offset, long length, Deadline deadline) {
        if (!takesRanges()) {
            return null;
        }
        SessionRange range = new SessionRange(this, written, length, deadline,
                description + " bytes " + offset + " to " + (offset + length));
        current = range;
        openRanges++;
        range.watch(StreamWatchdog.closeAfter(() -> expire(range), deadline.remaining()));
        try {
            requests.write((offset + " " + length + "\n").getBytes(StandardCharsets.US_ASCII));
            requests.flush();
        } catch (IOException e) {
            fail(new IOException(message("could not be asked for (" + e.getMessage() + ")"), e));
        }
        return range;
    }

    /** Why a new session takes no range: it ended (or failed) at once. */
    synchronized String whyNoRange() {
        return failure != null ? failure.getMessage()
                : message(ended ? "ended (exit " + exitCode + ") before its first range" : "takes no range");
    }

    /**
     * Stops the session; idempotent. One that still sends a range is killed with its process tree, and the range
     * fails; one that waits for a request is {@linkplain #endInput() let end by itself}, as at the end of a download.
     */
    void close() {
        boolean sending;
        synchronized (this) {
            sending = current != null && !ended;
            if (sending && current.failure() == null) {
                current.fail(new IOException("the stream of " + current.description() + " was closed"));
            }
            retired = true;
            notifyAll();
        }
        if (sending) {
            tree.kill();
            owner.untrack(tree);
        } else {
            endInput();
        }
        synchronized (this) {
            closeFile();
        }
    }

    // ------------------------------------------------------------------------------------- for SessionRange

    /**
     * The range's length once it ended and its bytes are in the file, -1 while it is read.
     *
     * @throws IOException if it failed, or the session ended before it did
     */
    synchronized long endOf(SessionRange range) throws IOException {
        if (range.length() >= 0) {
            if (fileClosed) {
                throw new IOException("the stream of " + range.description() + " is closed");
            }
            if (file.size() >= range.start() + range.length()) {
                range.arrived();
                return range.length();
            }
        }
        if (range.failure() != null) {
            throw range.failure();
        }
        if (ended && range.length() >= 0) {
            range.fail(new IOException(message("ended before " + range.description() + " reached the file")));
            throw range.failure();
        }
        return -1;
    }

    /**
     * How many of the range's bytes may be read now: all of them once the script said how many there are, else
     * what the file holds past the range's start (no later range can be there yet: the next is only asked for once
     * this one's end was said), at most what was asked.
     */
    synchronized long readable(SessionRange range) throws IOException {
        if (range.length() >= 0) {
            return range.length();
        }
        if (range.failure() != null) {
            throw range.failure();
        }
        return fileClosed ? 0 : Math.max(0, Math.min(range.asked(), file.size() - range.start()));
    }

    /** Reads the range's bytes at {@code position} in the file; 0 when none is there yet. */
    int readAt(ByteBuffer into, long position) throws IOException {
        int n = file.read(into, position);
        return Math.max(0, n);
    }

    /** Waits a moment for the session to write more, but not past {@code deadline}. */
    synchronized void awaitMore(SessionRange range, Deadline deadline) throws IOException {
        if (deadline.expired()) {
            expire(range);
            if (range.failure() != null) {
                throw range.failure();
            }
            return; // it arrived meanwhile
        }
        try {
            wait(Math.max(1, Math.min(POLL_MILLIS, deadline.remaining().toMillis())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while streaming "
                    + range.description());
            interrupted.initCause(e);
            range.fail(interrupted);
            end();
            throw interrupted;
        }
    }

    /**
     * A range is closed by its reader: the one the session is still reading takes the session with it (what it
     * would still send cannot be told from the next range's bytes); an earlier one leaves it be. Once per range.
     */
    void closed(SessionRange range) {
        boolean abandoned;
        synchronized (this) {
            openRanges--;
            abandoned = range == current && range.failure() == null;
            if (abandoned) {
                range.fail(new IOException("the stream of " + range.description() + " was closed"));
            }
            range.unwatch();
        }
        if (abandoned) {
            end();
        }
        synchronized (this) {
            if (spent()) {
                // Nothing more is written for a range of this session, and nobody reads one: free the file.
                closeFile();
            }
        }
    }

    // ------------------------------------------------------------------------------------- the process

    private void expire(SessionRange range) {
        synchronized (this) {
            if (range.hasArrived() || range.failure() != null) {
                return;
            }
            range.fail(new IOException(message("did not end " + range.description() + " before the deadline ("
                    + range.deadline().timeout() + " passed)")));
        }
        end();
    }

    /** Kills the process tree: the session reads no more. */
    private void end() {
        synchronized (this) {
            retired = true;
            notifyAll();
        }
        tree.kill();
    }

    private void readStderr() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(chunk)) != -1) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        stderrLine(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else if (line.size() < STDERR_LIMIT) {
                        line.write(chunk[i]);
                    }
                }
            }
        } catch (IOException ignored) {
            // The process was killed; what was read so far is kept for the message.
        }
        if (line.size() > 0) {
            stderrLine(line.toString(StandardCharsets.UTF_8));
        }
        exited();
    }

    /**
     * The script's size line checks the file against the one the download's other sessions saw; its end marker ends
     * the range being read. Either may follow other output on the same line (stderr is one stream for everyone);
     * that, and every other line, is kept for messages.
     */
    private void stderrLine(String text) {
        int size = text.lastIndexOf(UnitArchives.RANGE_SIZE);
        int end = text.lastIndexOf(UnitArchives.RANGE_END);
        int marker = Math.max(size, end);
        String other = marker < 0 ? text : text.substring(0, marker);
        if (!other.isEmpty()) {
            byte[] bytes = (other + "\n").getBytes(StandardCharsets.UTF_8);
            stderr.write(bytes, 0, bytes.length);
        }
        if (marker < 0) {
            return;
        }
        if (size > end) {
            sizeSaid(parseLength(text.substring(size + UnitArchives.RANGE_SIZE.length())));
            return;
        }
        boolean retire;
        synchronized (this) {
            SessionRange range = current;
            long length = parseLength(text.substring(end + UnitArchives.RANGE_END.length()));
            if (range == null || length < 0 || length > range.asked()) {
                fail(new IOException(message("answered '" + text + "'"
                        + (range == null ? " with no range asked" : " for " + range.description()))));
                retire = false;
            } else {
                range.ended(length);
                written += length;
                current = null;
                retire = written >= retireAfterBytes;
                retired |= retire;
            }
            notifyAll();
        }
        if (retire) {
            endInput();
        }
    }

    /**
     * Ends the session's input, between ranges, once: the script ends at the end of its input, and with it
     * {@code ssh} and {@code juju} (no kill, no noise on the unit, no {@code /proc} scan on the caller's thread).
     * {@value #INPUT_END_WAIT_SECONDS} s later its process tree is killed, which ends one that has not ended (a link
     * gone quiet, a child that holds its input) and any child it left in its session: its spool file's space is only
     * freed once every process let go of it, and a transport may live long after its downloads.
     */
    private void endInput() {
        synchronized (this) {
            if (inputEnded) {
                return;
            }
            inputEnded = true;
        }
        try {
            requests.close();
        } catch (IOException ignored) {
            // It ended already: nothing more to ask it.
        }
        killLater();
    }

    /**
     * Kills the process tree {@value #INPUT_END_WAIT_SECONDS} s from now, unless the file still lacks bytes whose end
     * the script said (stderr can overtake stdout, by far on a slow link): then it looks again later, and the range's
     * own deadline bounds the wait. On a thread of its own: the kill scans {@code /proc}.
     */
    private void killLater() {
        after(INPUT_END_WAIT_SECONDS).execute(() -> {
            if (bytesStillComing()) {
                killLater();
            } else {
                tree.kill();
            }
        });
    }

    /**
     * Runs a task {@code seconds} from now on a daemon thread of its own, not the common pool: a kill scans
     * {@code /proc}, which would hold up the pool's other users.
     */
    private static Executor after(long seconds) {
        return CompletableFuture.delayedExecutor(seconds, TimeUnit.SECONDS, task -> {
            Thread thread = new Thread(task, "juju-ssh-range-session-end");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** Whether a running session still writes a range whose end it said, and a reader still has the file open. */
    private synchronized boolean bytesStillComing() {
        if (fileClosed || failure != null || ended) {
            return false;
        }
        try {
            return file.size() < written;
        } catch (IOException e) {
            return false;
        }
    }

    /** The file's size as the script found it on starting: every session of a download must find the same. */
    private void sizeSaid(long size) {
        if (size < 0) {
            synchronized (this) {
                fail(new IOException(message("printed no readable size for " + description)));
            }
            return;
        }
        long first = fileSize.compareAndExchange(-1, size);
        if (first >= 0 && first != size) {
            synchronized (this) {
                fail(new IOException(message("found " + description + " " + size + " bytes long where another "
                        + "session of the same download found " + first + ": it changed size while it was read")));
            }
        }
    }

    private static long parseLength(String digits) {
        try {
            return Long.parseLong(digits.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The process ended (stderr reached its end): a range being read fails with its exit status. */
    private void exited() {
        int status;
        try {
            if (!process.waitFor(STDERR_END_WAIT_SECONDS, TimeUnit.SECONDS)) {
                tree.kill(); // it closed stderr and lives on: nothing it says can be read any more
            }
            status = process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tree.kill();
            status = -1;
        }
        owner.untrack(tree);
        synchronized (this) {
            ended = true;
            exitCode = status;
            if (current != null && current.failure() == null) {
                current.fail(new RemoteFileStream.RemoteCommandFailedException(message("failed: 'juju ssh' exited with "
                        + exitCode + " while reading " + current.description()), exitCode, stderr.text()));
            }
            if (failure == null && exitCode != 0 && !retired) {
                failure = new IOException(message("ended with " + exitCode));
            }
            notifyAll();
            if (openRanges == 0) {
                closeFile();
            }
        }
    }

    /** Guarded by this. */
    private void fail(IOException why) {
        if (failure == null) {
            failure = why;
        }
        if (current != null && current.failure() == null) {
            current.fail(why);
        }
        retired = true;
        notifyAll();
        tree.kill();
    }

    /** Guarded by this. */
    private void closeFile() {
        if (!fileClosed) {
            fileClosed = true;
            SpooledOutput.closeQuietly(file);
        }
    }

    private String message(String what) {
        String err = stderr.text().strip();
        return "The juju ssh session reading " + description + " " + what
                + (err.isEmpty() ? "" : "; stderr: " + (err.length() <= 2048 ? err
                : "…" + err.substring(err.length() - 2048)));
    }
}
