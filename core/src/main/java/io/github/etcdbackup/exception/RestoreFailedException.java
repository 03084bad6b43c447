package io.github.etcdbackup.exception;

import java.util.Objects;

/**
 * A restore step ran but its check did not pass: a relation that never appeared, a resource that is still the
 * store's placeholder, members that are not all healthy. The {@link io.github.etcdbackup.restore.RestoreReport} says
 * where the restore stopped.
 */
public final class RestoreFailedException extends EtcdBackupException {
    private final String step;
    private final String reason;

    /**
     * @param step   the step's title
     * @param reason what the check found
     */
    public RestoreFailedException(String step, String reason) {
        super("Restore step '" + step + "' failed its check: " + reason, null);
        this.step = Objects.requireNonNull(step, "step");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The step's title. */
    public String step() {
        return step;
    }

    /** What the check found. */
    public String reason() {
        return reason;
    }
}
