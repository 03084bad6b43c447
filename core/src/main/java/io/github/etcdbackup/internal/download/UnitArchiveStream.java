package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ArchiveSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * A unit's archive as a stream for a store that is not a directory: cut by the watchdog when the deadline passes,
 * stopped when it runs well past the size the unit reported, and every failure a typed (unchecked) error thrown from
 * {@code read}: the deadline's, an interrupt's, or the transport's for a stream that broke.
 */
public final class UnitArchiveStream extends BlockInputStream {
    private final InputStream in;
    private final StreamWatchdog.Guard guard;
    private final String transportName;
    private final String operation;
    private final Deadline deadline;
    private final long limit;
    private long total;

    private UnitArchiveStream(InputStream in, String transportName, String operation, Deadline deadline, long limit) {
        this.in = in;
        this.guard = StreamWatchdog.closeAfter(in, deadline.remaining());
        this.transportName = transportName;
        this.operation = operation;
        this.deadline = deadline;
        this.limit = limit;
    }

    /**
     * Opens {@code source} from its start.
     *
     * @param limit the most bytes it may bring ({@link VerifiedDownload#sizeLimit})
     */
    public static UnitArchiveStream open(ArchiveSource source, String transportName, String operation,
                                         Deadline deadline, long limit) {
        deadline.check(operation);
        return new UnitArchiveStream(source.open(0, deadline), transportName, operation, deadline, limit);
    }

    /** Bytes read so far. */
    public long total() {
        return total;
    }

    @Override
    public int read(byte[] buffer, int off, int len) {
        int n;
        try {
            n = in.read(buffer, off, len);
        } catch (IOException | RuntimeException e) {
            throw readFailure(e, guard, deadline, operation, total, transportName, "nothing was kept");
        }
        if (n > 0) {
            total += n;
            if (total > limit) {
                throw new TransportException(transportName, operation + " brought more than " + limit
                        + " bytes, well past the size the unit reported; stopped, nothing kept", null);
            }
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new OperationInterruptedException(operation, null);
        }
        return n;
    }

    /**
     * What a failed read of a unit's stream is: the deadline's when the watchdog cut it or time is up, an
     * interrupt's, the transport's own typed error, or a stream that broke (and what happens to what was written).
     */
    static EtcdBackupException readFailure(Exception e, StreamWatchdog.Guard guard, Deadline deadline,
                                           String operation, long soFar, String transportName, String aftermath) {
        if (guard.fired() || deadline.expired()) {
            return new OperationTimeoutException(operation + " (after " + soFar + " bytes)", deadline.timeout(),
                    null, e);
        }
        if (e instanceof InterruptedIOException || Thread.currentThread().isInterrupted()) {
            Thread.currentThread().interrupt();
            return new OperationInterruptedException(operation, e);
        }
        if (e instanceof EtcdBackupException typed) {
            return typed;
        }
        return new TransportException(transportName, "The stream of " + operation + " broke after " + soFar
                + " bytes; " + aftermath, e);
    }

    @Override
    public void close() throws IOException {
        guard.cancel();
        in.close();
    }
}
