package io.github.etcdbackup.spi;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.internal.common.InputValidation;

import java.time.Duration;
import java.util.Objects;

/**
 * A point in time by which an operation must end, with the timeout it came from (for messages). Based on
 * {@link System#nanoTime()}, so wall-clock changes do not move it.
 */
public final class Deadline {
    private final Duration timeout;
    private final long endNanos;

    private Deadline(Duration timeout, long endNanos) {
        this.timeout = timeout;
        this.endNanos = endNanos;
    }

    /**
     * A deadline {@code timeout} from now.
     *
     * @throws InvalidInputException if the timeout is not positive
     */
    public static Deadline after(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        InputValidation.positive("timeout", timeout);
        long nanos = saturatedNanos(timeout);
        long now = System.nanoTime();
        return new Deadline(timeout, now + nanos < now ? Long.MAX_VALUE : now + nanos);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** The timeout this deadline was made from. */
    public Duration timeout() {
        return timeout;
    }

    /** Time left; {@link Duration#ZERO} once expired. */
    public Duration remaining() {
        long left = endNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** Whether the deadline has passed. */
    public boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }

    /**
     * Throws if the deadline has passed.
     *
     * @param operation what is about to run, for the message
     * @throws OperationTimeoutException if expired
     */
    public void check(String operation) {
        if (expired()) {
            throw new OperationTimeoutException(operation, timeout, null);
        }
    }

    @Override
    public String toString() {
        return "Deadline[timeout=" + timeout + ", remaining=" + remaining() + "]";
    }
}
