package io.github.etcdbackup.transport.jujucli;

/**
 * How {@link JujuCliTransport} streams a file from a unit (a snapshot archive into the verified download). Every
 * way streams: no temporary copy, constant memory, and the stream only ends once the command reported success.
 *
 * @see JujuCliTransport.Builder#fileTransfer(FileTransfer)
 */
public enum FileTransfer {
    /**
     * {@link #SSH_CAT}, and {@link #SCP} for a file whose {@code sudo cat} failed before its first byte with an
     * error scp does not share: sudo refused ({@code sudo: a password is required}, {@code a terminal is required},
     * {@code you must have a tty}, not in the sudoers file, not installed) or {@code ssh} itself failed (exit 255;
     * scp opens a connection of its own). Never after a byte was delivered: the caller then resumes by offset. The
     * default.
     */
    AUTO,
    /**
     * {@code juju ssh --pty=false UNIT -- sudo cat 'PATH'} ({@code sudo tail -c +N 'PATH'} from an offset): reads
     * any file on the unit, needs passwordless sudo for the {@code ubuntu} user (Juju machines have it).
     */
    SSH_CAT,
    /**
     * {@code juju scp -- [-O] [-T] UNIT:'PATH' FIFO}: the local OpenSSH {@code scp} writes into a named pipe in a
     * private temporary directory, read as the bytes arrive. Runs as the unit's {@code ubuntu} user without sudo, so
     * the file must be readable by it (the charm's archives are: mode 0644 in a 0755 directory). scp cannot start at
     * an offset: from offset N the first N bytes are transferred again and discarded. Needs {@code mkfifo} and a
     * temporary directory whose path has no {@code ':'} (Juju would take it for a unit).
     */
    SCP
}
