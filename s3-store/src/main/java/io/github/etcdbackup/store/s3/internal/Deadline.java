package io.github.etcdbackup.store.s3.internal;

import io.github.etcdbackup.exception.OperationTimeoutException;

import java.time.Duration;
import java.time.Instant;

/** The end of one store operation: every request of it gets what is left, and none starts after it. */
public final class Deadline {
    private final String operation;
    private final Duration timeout;
    private final long endNanos;
    private final Instant endsAt;

    private Deadline(String operation, Duration timeout) {
        this.operation = operation;
        this.timeout = timeout;
        this.endNanos = System.nanoTime() + timeout.toNanos();
        this.endsAt = Instant.now().plus(timeout);
    }

    /** When it passes, on the wall clock (for other processes to read). */
    public Instant endsAt() {
        return endsAt;
    }

    /** A deadline {@code timeout} from now for {@code operation} (named in the timeout error). */
    public static Deadline after(String operation, Duration timeout) {
        return new Deadline(operation, timeout);
    }

    /**
     * What is left.
     *
     * @throws OperationTimeoutException when nothing is
     */
    public Duration remaining() {
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
            throw expired(null);
        }
        return Duration.ofNanos(left);
    }

    /** Whether it has passed. */
    public boolean passed() {
        return endNanos - System.nanoTime() <= 0;
    }

    /** The error for a deadline that passed during {@code cause}. */
    public OperationTimeoutException expired(Throwable cause) {
        return new OperationTimeoutException(operation, timeout, null, cause);
    }
}
