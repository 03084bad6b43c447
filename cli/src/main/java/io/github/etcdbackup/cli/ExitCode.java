package io.github.etcdbackup.cli;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.ObjectStoreException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;

/**
 * The exit codes of {@code etcd-backup}, documented in the README and in {@code --help}: a script or an alert rule
 * tells a failed charm action from a bad archive, a timeout or an unreachable controller without reading text.
 */
public final class ExitCode {
    /** Everything went as asked. */
    public static final int OK = 0;
    /** A local problem: a file that cannot be written or is in the way, or an unexpected error. */
    public static final int FAILURE = 1;
    /** The command line or a value in it is wrong; nothing was done. */
    public static final int USAGE = 2;
    /** A charm action failed on the unit (the snapshot, the restore, the health check itself). */
    public static final int ACTION_FAILED = 3;
    /** An archive does not verify: a checksum, a check at rest, a drill, a decryption. */
    public static final int VERIFICATION_FAILED = 4;
    /** A deadline passed (the operation was stopped). */
    public static final int TIMEOUT = 5;
    /** Juju or SSH could not be reached or used, or printed what the library cannot read. */
    public static final int TRANSPORT = 6;
    /** The cluster answered, and a member is not healthy. */
    public static final int UNHEALTHY = 7;
    /** A restore was refused before it began, or a step of it failed (resume it). */
    public static final int RESTORE = 8;
    /** Interrupted (SIGINT). */
    public static final int INTERRUPTED = 130;

    /** The table {@code --help} prints. */
    static final String TABLE = """
            Exit codes:
              0    ok
              1    local failure (a file in the way or not writable, an unexpected error)
              2    bad command line or input; nothing was done
              3    a charm action failed on the unit
              4    an archive does not verify (checksum, check at rest, drill, decryption)
              5    a deadline passed
              6    Juju, SSH or the S3 store unreachable or refusing
              7    a member of the cluster is not healthy
              8    a restore was refused, or one of its steps failed (resume it)
              130  interrupted""";

    private ExitCode() {
    }

    /** The code of an error. */
    static int of(Throwable error) {
        if (error instanceof EtcdBackupException e) {
            return of(e);
        }
        return FAILURE;
    }

    private static int of(EtcdBackupException error) {
        if (error instanceof InvalidInputException || error instanceof UnsupportedByTransportException) {
            // Nothing was done: the input, or the transport chosen for this command, is wrong.
            return USAGE;
        }
        if (error instanceof ActionFailedException) {
            return ACTION_FAILED;
        }
        if (error instanceof ChecksumMismatchException || error instanceof DecryptionException) {
            return VERIFICATION_FAILED;
        }
        if (error instanceof OperationTimeoutException) {
            return TIMEOUT;
        }
        // An object store that refuses or cannot be reached is, like a unit, something across the network.
        if (error instanceof TransportException || error instanceof OutputParseException
                || error instanceof ObjectStoreException) {
            return TRANSPORT;
        }
        if (error instanceof RestoreRefusedException || error instanceof RestoreFailedException) {
            return RESTORE;
        }
        if (error instanceof OperationInterruptedException) {
            return INTERRUPTED;
        }
        // FileConflictException, LocalStorageException: the local machine.
        return FAILURE;
    }
}
