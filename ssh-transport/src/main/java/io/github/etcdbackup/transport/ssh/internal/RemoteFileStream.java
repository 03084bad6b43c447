package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import net.schmizz.sshj.connection.channel.direct.Session;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The stdout of a remote {@code cat} as a stream. It ends (-1) only once the remote command exited 0; a non-zero
 * exit, a missing exit status (connection cut) or a broken channel is an {@link IOException} from {@code read},
 * never a silent early end. Closing it, the deadline passing, or an interrupt closes the channel; a read blocked on
 * it then ends once the unit confirms the close, or when {@link ChannelStopper} gives the connection up.
 */
final class RemoteFileStream extends BlockInputStream {
    private final UnitSession channel;
    private final Session.Command process;
    private final InputStream in;
    private final Future<String> stderr;
    private final Deadline deadline;
    private final String operation;
    private final StreamWatchdog.Guard watchdog;
    private final Executor closer;
    private long bytesRead;
    private boolean ended;
    private volatile boolean closed;

    RemoteFileStream(UnitSession channel, Session.Command process, Future<String> stderr, Deadline deadline,
                     String operation, Executor closer) {
        this.channel = channel;
        this.process = process;
        this.in = process.getInputStream();
        this.stderr = stderr;
        this.deadline = deadline;
        this.operation = operation;
        this.closer = closer;
        this.watchdog = StreamWatchdog.closeAfter(this, deadline.remaining());
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (ended) {
            return -1;
        }
        if (closed) {
            throw closedError();
        }
        int n;
        try {
            n = in.read(buffer, offset, length);
        } catch (InterruptedIOException e) {
            close();
            Thread.currentThread().interrupt();
            throw e;
        } catch (IOException e) {
            boolean byWatchdog = watchdog.fired();
            close();
            throw new IOException(operation + ": " + (byWatchdog ? "the deadline of " + deadline.timeout()
                    + " passed" : "the SSH connection broke (" + e.getMessage() + ")") + " after " + bytesRead
                    + " bytes", e);
        }
        if (n == -1) {
            if (closed) {
                // The unit confirmed a close made by the deadline or another thread: not the end of the file.
                throw closedError();
            }
            checkExit();
            ended = true;
            return -1;
        }
        bytesRead += n;
        return n;
    }

    private IOException closedError() {
        return new IOException(operation + ": " + (watchdog.fired() ? "the deadline of " + deadline.timeout()
                + " passed" : "the stream is closed") + " after " + bytesRead + " bytes");
    }

    /** At the end of stdout: the transfer only counts if the remote command said it succeeded. */
    private void checkExit() throws IOException {
        String errors;
        try {
            process.join(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
            errors = stderr.get(Math.max(1, deadline.remaining().toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(operation + " was interrupted");
        } catch (ExecutionException | TimeoutException | IOException e) {
            close();
            throw new IOException(operation + ": no exit status from the unit after " + bytesRead
                    + " bytes (connection cut?)", e);
        }
        Integer exit = process.getExitStatus();
        if (exit == null || exit != 0) {
            close();
            throw new IOException(operation + ": the remote command "
                    + (exit == null ? "ended without an exit status (connection cut?)" : "exited " + exit)
                    + " after " + bytesRead + " bytes" + (errors.isBlank() ? "" : ": " + errors.strip()));
        }
        close();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.cancel();
        stderr.cancel(true);
        if (ended || process.getExitStatus() != null) {
            Closing.quietly(channel.session());
        } else {
            // Abandoned early (or cut, or timed out): do not wait for the remote cat to notice.
            ChannelStopper.stop(channel, process, closer);
        }
    }
}
