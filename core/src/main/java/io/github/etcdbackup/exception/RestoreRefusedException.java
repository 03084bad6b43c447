package io.github.etcdbackup.exception;

import java.util.Objects;

/** A restore was refused before anything changed, because the charm or the etcd docs warn against it. */
public final class RestoreRefusedException extends EtcdBackupException {
    private final String reason;
    private final String whatToDoInstead;

    /**
     * @param reason          why the restore is refused
     * @param whatToDoInstead the safe way to get the same result
     */
    public RestoreRefusedException(String reason, String whatToDoInstead) {
        super("Restore refused: " + reason + ". Instead: " + whatToDoInstead, null);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.whatToDoInstead = Objects.requireNonNull(whatToDoInstead, "whatToDoInstead");
    }

    /** Why the restore was refused. */
    public String reason() {
        return reason;
    }

    /** What to do instead. */
    public String whatToDoInstead() {
        return whatToDoInstead;
    }
}
