package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.internal.common.BlockInputStream;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.SpooledRange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One range read by a {@link RangeSession}: its bytes are the part of the session's spool file from {@link #start()},
 * and it ends when the session's script said how long it was and the file holds that many. The promises of any
 * range hold: -1 only after the script said it ended, a failure is an {@code IOException}, closing a range that has
 * not ended stops its session. The session's monitor guards the state the two share.
 */
final class SessionRange extends BlockInputStream implements SpooledRange {
    private final RangeSession session;
    private final long start;
    private final long asked;
    private final Deadline deadline;
    private final String description;
    /** How many bytes the range brought, once it ended; -1 before. Guarded by the session. */
    private long length = -1;
    /** The script said it ended, and the file holds its bytes. Guarded by the session. */
    private boolean arrived;
    /** Why it failed. Guarded by the session. */
    private IOException failure;
    private StreamWatchdog.Guard deadlineKill;
    /** Where the reader is in the range; the reader's own. */
    private long position;
    /** Set once: the worker that read the range and the stream that hands it over may both close it. */
    private final AtomicBoolean closed = new AtomicBoolean();

    SessionRange(RangeSession session, long start, long asked, Deadline deadline, String description) {
        this.session = session;
        this.start = start;
        this.asked = asked;
        this.deadline = deadline;
        this.description = description;
    }

    @Override
    public long awaitArrival(Deadline wait) throws IOException {
        while (true) {
            long end = session.endOf(this);
            if (end >= 0) {
                return end;
            }
            session.awaitMore(this, wait);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
        if (count == 0) {
            return 0;
        }
        while (true) {
            if (closed.get()) {
                throw new IOException("the stream of " + description + " is closed");
            }
            long end = session.endOf(this);
            long available = session.readable(this) - position;
            if (available > 0) {
                int n = session.readAt(ByteBuffer.wrap(buffer, offset, (int) Math.min(count, available)),
                        start + position);
                if (n > 0) {
                    position += n;
                    return n;
                }
            }
            if (end >= 0) {
                return -1;
            }
            session.awaitMore(this, deadline);
        }
    }

    /** Stops the session if it is still reading this range; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.closed(this);
        }
    }

    long start() {
        return start;
    }

    long asked() {
        return asked;
    }

    Deadline deadline() {
        return deadline;
    }

    String description() {
        return description;
    }

    /** Guarded by the session. */
    long length() {
        return length;
    }

    /** Guarded by the session. */
    IOException failure() {
        return failure;
    }

    /** The script said the range ended after {@code bytes}; they may still be on their way. Guarded by the session. */
    void ended(long bytes) {
        length = bytes;
    }

    /** Its bytes are all in the file: the deadline no longer matters. Guarded by the session. */
    void arrived() {
        arrived = true;
        unwatch();
    }

    /** Guarded by the session. */
    boolean hasArrived() {
        return arrived;
    }

    /** Guarded by the session; the first reason stays. */
    void fail(IOException why) {
        if (failure == null) {
            failure = why;
        }
        unwatch();
    }

    /** Guarded by the session. */
    void watch(StreamWatchdog.Guard guard) {
        deadlineKill = guard;
    }

    /** Guarded by the session. */
    void unwatch() {
        if (deadlineKill != null) {
            deadlineKill.cancel();
        }
    }
}
