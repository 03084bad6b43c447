package io.github.etcdbackup.spi;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * How the client reaches the etcd units. Two implementations exist: {@code JujuCliTransport}
 * (artifact {@code etcd-backup-juju-cli-transport}) and {@code SshTransport} (artifact {@code etcd-backup-ssh-transport}).
 *
 * <p>Contract for implementations (checked by the core's {@code EtcdTransportContract} test):
 * <ul>
 *   <li>MUST be thread-safe.</li>
 *   <li>MUST end every call by its {@link Deadline}, throwing {@code OperationTimeoutException}, and stop what it
 *       started (kill the process tree, close the channel).</li>
 *   <li>MUST drain stdout and stderr of every process concurrently, and report real exit codes.</li>
 *   <li>On interrupt, MUST stop what it started and throw {@code OperationInterruptedException} with the interrupt
 *       flag set again.</li>
 *   <li>MUST throw only {@code EtcdBackupException} subclasses.</li>
 *   <li>Values it receives were validated by the core; it still builds argv lists, never a shell string from input.</li>
 * </ul>
 * Transports are owned by the client they are given to: {@code EtcdBackupClient.close()} closes it.
 */
public interface EtcdTransport extends AutoCloseable {

    /** A short name for messages and logs: {@code juju-cli} or {@code ssh}. */
    String name();

    /**
     * Takes a snapshot on the unit and returns what the unit reported. Timing fields are filled in by the client.
     * A failed snapshot is an {@code ActionFailedException}, whatever the CLI's exit code was.
     */
    Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline);

    /**
     * Opens a remote file from byte {@code offset}. The stream returns -1 only after the whole remainder arrived and
     * the remote side reported success; a cut connection or a failed remote command is an {@code IOException} from
     * {@code read} (never a silent early end). Closing the stream stops the transfer. The deadline bounds opening
     * and reading.
     */
    InputStream openFile(String unit, String remotePath, long offset, Deadline deadline);

    /**
     * Whether, and how, this transport reads a file of {@code unit} as several ranges at once ({@link #openRange});
     * empty (the default) means files are read whole with {@link #openFile}. Asked when a download starts, within its
     * deadline: a transport may measure how far the unit is (ranges pay only where one stream's window caps the
     * speed). The core only uses ranges for a file larger than two of them.
     */
    default Optional<ParallelReads> parallelReads(String unit, Deadline deadline) {
        return Optional.empty();
    }

    /**
     * Opens at most {@code length} bytes of a remote file from byte {@code offset}: fewer only where the file ends
     * (none when it ends before {@code offset}). As for {@link #openFile}, the stream returns -1 only after the remote
     * side reported success, a cut or a failed command is an {@code IOException} from {@code read}, closing it stops
     * the transfer, and the deadline bounds opening and reading. Must be safe to call from several threads at once,
     * up to {@link #parallelReads}'s number of streams. A transport that stores each range's bytes itself as they
     * arrive returns {@link SpooledRange}s and says so with {@link ParallelReads#spooled()}.
     *
     * @throws io.github.etcdbackup.exception.UnsupportedByTransportException if the transport has no parallel reads
     *                                                                        (the default)
     */
    default InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        throw new UnsupportedByTransportException("openRange", name(),
                "a transport built with parallel reads (the ssh or juju-cli transport)");
    }

    /**
     * The ranges of one file for one download: by default each is its own {@link #openRange} call, and closing
     * only refuses new ones. A transport whose ranges can share a costly set-up (a {@code juju ssh} session)
     * overrides it; the core closes what it returns when the download ends. Validates like {@link #openRange}.
     */
    default FileRanges fileRanges(String unit, String remotePath) {
        return new FileRanges() {
            private volatile boolean closed;

            @Override
            public InputStream open(long offset, long length, Deadline deadline) {
                if (closed) {
                    throw new TransportException(name(), "The ranges of " + unit + ":" + remotePath
                            + " were closed", null);
                }
                return openRange(unit, remotePath, offset, length, deadline);
            }

            @Override
            public void close() {
                closed = true; // every range was its own call: nothing else is shared
            }
        };
    }

    /** The raw etcdctl health text from the unit ({@code cluster-health} or {@code endpoint health}). */
    String healthOutput(String unit, Deadline deadline);

    /**
     * The health text of each unit, in the order asked, each named by the unit that answered ({@code etcd/leader}
     * resolved where the transport knows the leader). The default asks one unit after the other; a transport that can
     * ask several units in one call (Juju runs one action on several units as one operation) overrides it. A unit
     * that fails fails the call.
     */
    default List<HealthOutput> healthOutputs(List<String> units, Deadline deadline) {
        return units.stream().map(unit -> new HealthOutput(unit, healthOutput(unit, deadline))).toList();
    }

    /**
     * The charm's archives directly in {@code directory} on the unit (regular files named
     * {@code etcd-snapshot-*.tar.gz}), oldest first; empty when the directory does not exist. Runs
     * {@code UnitArchives.listScript} as root. {@code SnapshotRequest.DEFAULT_TARGET} means wherever
     * {@link #takeSnapshot} puts archives for a request with the default target.
     *
     * @throws io.github.etcdbackup.exception.UnsupportedByTransportException if the transport cannot (the default)
     */
    default List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        throw new UnsupportedByTransportException("listArchives", name(),
                "the juju-cli or ssh transport, which implement it");
    }

    /**
     * Removes one archive from the unit: {@code remotePath}, already checked by the core to be named like the
     * charm's archives, and only if it is a regular file reached without a symbolic link and, when {@code sha256} is
     * given, holding exactly those bytes. Runs {@code UnitArchives.removeScript} as root.
     *
     * @return true when it was removed, false when it was not there
     * @throws io.github.etcdbackup.exception.UnsupportedByTransportException if the transport cannot (the default)
     */
    default boolean removeArchive(String unit, String remotePath, Optional<String> sha256, Deadline deadline) {
        throw new UnsupportedByTransportException("removeArchive", name(),
                "the juju-cli or ssh transport, which implement it");
    }

    /** The Juju model the transport works in, when it knows it; written into each snapshot's manifest. */
    default Optional<String> modelName() {
        return Optional.empty();
    }

    /** Juju model operations (status, deploy, relate, ...), when this transport talks to a Juju controller. */
    default Optional<ModelOperations> model() {
        return Optional.empty();
    }

    /** Restore steps on the etcd hosts themselves, when this transport reaches them directly (SSH). */
    default Optional<HostOperations> host() {
        return Optional.empty();
    }

    /** Idempotent; stops every process and connection the transport owns. */
    @Override
    void close();
}
