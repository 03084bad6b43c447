package io.github.etcdbackup.exception;

import java.util.Objects;

/**
 * The calling thread was interrupted; the running process or channel was stopped and the thread's interrupt flag
 * is set again.
 */
public final class OperationInterruptedException extends EtcdBackupException {
    private final String operation;

    /**
     * @param operation what was interrupted
     * @param cause     the {@link InterruptedException} or I/O error that reported it, may be {@code null}
     */
    public OperationInterruptedException(String operation, Throwable cause) {
        super(operation + " was interrupted", cause);
        this.operation = Objects.requireNonNull(operation, "operation");
    }

    /** What was interrupted. */
    public String operation() {
        return operation;
    }
}
