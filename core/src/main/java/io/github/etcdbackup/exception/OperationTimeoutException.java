package io.github.etcdbackup.exception;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** An operation did not finish within its deadline; whatever it started was stopped. */
public final class OperationTimeoutException extends EtcdBackupException {
    private final String operation;
    private final Duration timeout;
    private final String actionId;

    /**
     * @param operation what timed out, e.g. {@code snapshot etcd/0}
     * @param timeout   the deadline that expired
     * @param actionId  the id of the action still running on the unit, {@code null} when unknown
     */
    public OperationTimeoutException(String operation, Duration timeout, String actionId) {
        this(operation, timeout, actionId, null);
    }

    /** Same as {@link #OperationTimeoutException(String, Duration, String)}, with the low-level cause. */
    public OperationTimeoutException(String operation, Duration timeout, String actionId, Throwable cause) {
        super(operation + " did not finish within " + timeout
                + (actionId == null ? "" : " (action " + actionId + " may still be running on the unit;"
                + " inspect it with juju show-task or show-action-output)"), cause);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.actionId = actionId;
    }

    /** What timed out. */
    public String operation() {
        return operation;
    }

    /** The deadline that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** The id of the action or task that was still running, when known. */
    public Optional<String> actionId() {
        return Optional.ofNullable(actionId);
    }
}
