package io.github.etcdbackup.internal.spool;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.SpooledRange;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A range stream copied into a spool file ({@link SpoolFiles}) as it arrives: a {@link SpooledRange} for transports
 * whose streams only move while somebody reads them (an SSH channel gets more window only as it is read).
 * {@link #awaitArrival} copies the whole range into the file on the calling thread (the core's worker for the
 * range), while the reader reads the file as it grows; so a range that arrived early waits on disk (in the page
 * cache), not in heap, and ranges can be large. Read without {@code awaitArrival}, it copies one chunk at a time as
 * the reader asks.
 *
 * <p>The source is closed as soon as it ended or failed, so that what it holds (an SSH channel, one of a unit's few
 * range sessions) is not kept by a range that only waits for its reader. A failure of the source, or of the spool
 * file (a full disk), fails the range: {@code awaitArrival} throws it, and so does {@code read} once the bytes written
 * before it are read. {@link #close()} closes the source (which
 * stops its transfer) and the file (which frees its space), and wakes a reader waiting for bytes. A reader waits for
 * bytes at most until the deadline.
 */
public final class SpoolingRangeStream extends BlockInputStream implements SpooledRange {
    private static final int CHUNK = 256 * 1024;
    private static final long MOST_WAIT_MILLIS = 1000;

    private final InputStream source;
    private final long length;
    private final FileChannel file;
    private final Path spoolDirectory;
    private final Deadline deadline;
    /** Held by whoever copies a chunk, {@code awaitArrival} or a reader that caught up; guards {@link #chunk}. */
    private final ReentrantLock copying = new ReentrantLock();
    private final byte[] chunk = new byte[CHUNK];
    /** Guards what the copier publishes and the reader waits on. */
    private final Object progress = new Object();
    private long written;
    private boolean ended;
    private IOException failure;
    private boolean closed;
    /** Where the reader is in the file; touched by the reader only. */
    private long position;

    private SpoolingRangeStream(InputStream source, long length, FileChannel file, Path spoolDirectory,
                                Deadline deadline) {
        this.source = source;
        this.length = length;
        this.file = file;
        this.spoolDirectory = spoolDirectory;
        this.deadline = deadline;
    }

    /**
     * {@code source}, a range of at most {@code length} bytes, copied into a new file of {@code spoolDirectory};
     * closes {@code source} if that file cannot be made. A source that brings more fails once it has (the disk never
     * takes much more than the range).
     *
     * @param what the range, for messages
     * @throws io.github.etcdbackup.exception.LocalStorageException if the spool directory cannot take the file, or
     *                                                              others could swap it
     */
    public static SpoolingRangeStream of(InputStream source, long length, Path spoolDirectory, String what,
                                         Deadline deadline) {
        FileChannel file;
        try {
            file = SpoolFiles.openUnlinked(spoolDirectory, what);
        } catch (RuntimeException e) {
            closeQuietly(source);
            throw e;
        }
        return new SpoolingRangeStream(source, length, file, spoolDirectory, deadline);
    }

    @Override
    public long awaitArrival(Deadline wait) throws IOException {
        while (copyChunk()) {
            if (Thread.currentThread().isInterrupted()) {
                close();
                throw new InterruptedIOException("interrupted while a range arrived");
            }
        }
        synchronized (progress) {
            return written;
        }
    }

    /**
     * Copies the source's next bytes to the end of the file; false once the source ended. Throws the range's failure
     * (also when another thread met it).
     */
    private boolean copyChunk() throws IOException {
        copying.lock();
        try {
            long at;
            synchronized (progress) {
                if (ended) {
                    // All of it is in the file, even if the reader finished and closed it meanwhile.
                    return false;
                }
                failIfFailedOrClosed();
                at = written;
            }
            int n = readSource();
            if (n < 0) {
                synchronized (progress) {
                    ended = true;
                    progress.notifyAll();
                }
                // Its bytes are all in the file: the transfer's resources (a channel, a session of the unit's few)
                // go back now, not when the reader comes, or ranges waiting for their turn would hold them all.
                closeQuietly(source);
                return false;
            }
            if (at + n > length) {
                throw fail(new IOException("the range brought more than the " + length + " bytes asked"));
            }
            writeAt(at, n);
            synchronized (progress) {
                written = at + n;
                progress.notifyAll();
            }
            return true;
        } finally {
            copying.unlock();
        }
    }

    private int readSource() throws IOException {
        try {
            return source.read(chunk);
        } catch (IOException e) {
            throw fail(e);
        } catch (RuntimeException e) {
            throw fail(new IOException(e.getMessage(), e));
        }
    }

    private void writeAt(long at, int n) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(chunk, 0, n);
        try {
            long to = at;
            while (bytes.hasRemaining()) {
                to += file.write(bytes, to);
            }
        } catch (IOException e) {
            IOException spool = new IOException("the range could not wait in the spool directory " + spoolDirectory
                    + ": " + e.getMessage(), e);
            throw fail(spool);
        }
    }

    private IOException fail(IOException e) {
        IOException first;
        synchronized (progress) {
            if (failure == null) {
                failure = e;
            }
            progress.notifyAll();
            first = failure;
        }
        closeQuietly(source);
        return first;
    }

    /** The range's failure first: a stream closed because its range failed must say why. */
    private void failIfFailedOrClosed() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IOException("the range is closed");
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (true) {
            long available = awaitBytes();
            if (available > 0) {
                int n = file.read(ByteBuffer.wrap(buffer, offset, (int) Math.min(length, available)), position);
                position += n;
                return n;
            }
            if (available < 0) {
                return -1;
            }
            // Caught up and nobody copies: this reader copies the next chunk itself.
            if (copying.tryLock()) {
                try {
                    copyChunk();
                } finally {
                    copying.unlock();
                }
            }
        }
    }

    /**
     * Bytes written and not yet read, -1 at the end, or 0 when the reader caught up and nobody is copying. Waits
     * while the copier is at work.
     */
    private long awaitBytes() throws IOException {
        synchronized (progress) {
            while (true) {
                if (closed) {
                    failIfFailedOrClosed();
                }
                if (position < written) {
                    return written - position;
                }
                failIfFailedOrClosed();
                if (ended) {
                    return -1;
                }
                if (!copying.isLocked()) {
                    return 0;
                }
                waitForProgress();
            }
        }
    }

    private void waitForProgress() throws IOException {
        if (deadline.expired()) {
            throw new IOException("the deadline of " + deadline.timeout() + " passed while the range arrived");
        }
        long millis = Math.max(1, Math.min(MOST_WAIT_MILLIS, deadline.remaining().toMillis()));
        try {
            progress.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the range to arrive");
        }
    }

    /** Closes the source (stopping its transfer) and the file (freeing its space); idempotent. */
    @Override
    public void close() {
        synchronized (progress) {
            if (closed) {
                return;
            }
            closed = true;
            progress.notifyAll();
        }
        closeQuietly(source);
        try {
            file.close();
        } catch (IOException ignored) {
            // Read-only use from here on: nothing can be lost by closing.
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException | RuntimeException ignored) {
            // The range is abandoned; what its stream says on closing changes nothing.
        }
    }
}
