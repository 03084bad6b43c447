package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Reads a pipe on a daemon thread of its own, a few blocks ahead of the caller, so that the caller waits for bytes
 * only until a deadline or a {@link #close()}, whatever holds the pipe's other end.
 *
 * <p>Why: on Linux neither closing a pipe nor interrupting wakes a thread blocked reading it, and the writer may be a
 * process nobody can kill (a child {@code juju} left in a session of its own, another user's). A caller that read
 * the pipe itself could block past any deadline; this one hands the blocked read to a thread it can abandon. That
 * thread ends when the pipe does (once its last holder is gone), and never keeps the JVM alive.
 *
 * <p>Constant memory: {@link #BLOCKS} blocks of {@link #BLOCK_BYTES} circulate between the thread and the caller;
 * each byte is copied once more than a direct read would.
 */
final class ReadAhead {
    private static final int BLOCKS = 4;
    private static final int BLOCK_BYTES = 64 * 1024;

    private final InputStream pipe;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private final ArrayDeque<Filled> filled = new ArrayDeque<>();
    private boolean ended;
    private IOException failure;
    private boolean closed;
    /** The block the caller is consuming, and how far; touched by the caller only. */
    private Filled current;
    private int position;

    private record Filled(byte[] block, int length) {
    }

    private ReadAhead(InputStream pipe) {
        this.pipe = pipe;
        for (int i = 0; i < BLOCKS; i++) {
            free.add(new byte[BLOCK_BYTES]);
        }
    }

    /** Starts reading {@code pipe} on a daemon thread named {@code threadName}. */
    static ReadAhead start(InputStream pipe, String threadName) {
        ReadAhead readAhead = new ReadAhead(pipe);
        Thread thread = new Thread(readAhead::pump, threadName);
        thread.setDaemon(true);
        thread.start();
        return readAhead;
    }

    private void pump() {
        try (pipe) {
            while (true) {
                byte[] block = takeFree();
                if (block == null) {
                    return;
                }
                int n = pipe.read(block);
                lock.lock();
                try {
                    if (n == -1) {
                        ended = true;
                    } else {
                        filled.add(new Filled(block, n));
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                if (n == -1) {
                    return;
                }
            }
        } catch (IOException e) {
            lock.lock();
            try {
                failure = e;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A block to fill, or null once closed. */
    private byte[] takeFree() {
        lock.lock();
        try {
            while (free.isEmpty() && !closed) {
                changed.awaitUninterruptibly();
            }
            return closed ? null : free.poll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like {@link InputStream#read(byte[], int, int)}, waiting at most until the deadline.
     *
     * @return the number of bytes read, -1 at the end of the pipe, or 0 when the deadline came first ({@code length}
     *         must be positive)
     * @throws IOException            what reading the pipe threw, or that this was closed
     * @throws InterruptedIOException when the caller was interrupted while waiting
     */
    int read(byte[] buffer, int offset, int length, Deadline deadline) throws IOException {
        if (current == null) {
            current = next(deadline);
            if (current == null) {
                return ended() ? -1 : 0;
            }
            position = 0;
        }
        int n = Math.min(length, current.length() - position);
        System.arraycopy(current.block(), position, buffer, offset, n);
        position += n;
        if (position == current.length()) {
            recycle(current.block());
            current = null;
        }
        return n;
    }

    private Filled next(Deadline deadline) throws IOException {
        lock.lock();
        try {
            long left = deadline.remaining().toNanos();
            while (filled.isEmpty() && !ended && failure == null && !closed && left > 0) {
                left = changed.awaitNanos(left);
            }
            if (closed) {
                throw new IOException("the stream is closed");
            }
            if (!filled.isEmpty()) {
                return filled.poll();
            }
            if (failure != null) {
                throw failure;
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while waiting for bytes");
            interrupted.initCause(e);
            throw interrupted;
        } finally {
            lock.unlock();
        }
    }

    private boolean ended() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    private void recycle(byte[] block) {
        lock.lock();
        try {
            free.add(block);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wakes a caller waiting in {@link #read} (it gets an {@code IOException}), closes the pipe and lets the thread
     * end after its current read, which returns once the writers are gone (the owner kills them first).
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            pipe.close();
        } catch (IOException ignored) {
            // A pipe of a killed process; nothing more to release.
        }
    }
}
