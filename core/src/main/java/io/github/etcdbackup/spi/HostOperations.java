package io.github.etcdbackup.spi;

import io.github.etcdbackup.exception.UnsupportedByTransportException;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The steps of a restore that run on the etcd hosts themselves, for a transport that reaches them directly (the SSH
 * transport) when no Juju controller can run the charm's {@code restore} action. Each method is one step of the
 * SSH path of a restore plan; none deletes data: the old member directory is moved aside, never removed.
 *
 * <p>Same contract as {@link EtcdTransport}: thread-safe, bounded by the deadline, only {@code EtcdBackupException}s.
 */
public interface HostOperations {

    /**
     * Who the restored member is in its new cluster: what {@code etcdctl snapshot restore} needs.
     *
     * @param name           the member name, e.g. {@code etcd0}
     * @param peerUrl        its advertised peer URL, e.g. {@code https://10.0.0.5:2380}
     * @param initialCluster every member as {@code name=peerUrl}, comma-separated
     * @param clusterToken   the {@code initial-cluster-token} of the new cluster
     * @param bumpRevision   when positive, {@code --bump-revision N --mark-compacted} (etcdutl 3.5.8+ only), so
     *                       that watchers such as Kubernetes' watch caches never see revisions go backwards
     */
    record Member(String name, String peerUrl, String initialCluster, String clusterToken, long bumpRevision) {
        /** A member restored without bumping the revision. */
        public Member(String name, String peerUrl, String initialCluster, String clusterToken) {
            this(name, peerUrl, initialCluster, clusterToken, 0);
        }
    }

    /** Stops the unit's etcd service ({@code systemctl stop snap.etcd.etcd} on a charm unit). */
    void stopService(String unit, Deadline deadline);

    /** Starts the unit's etcd service. */
    void startService(String unit, Deadline deadline);

    /**
     * Copies a local file to {@code remotePath} on the unit, readable by root only. Never replaces a file: an
     * existing {@code remotePath} is an error.
     */
    void upload(String unit, Path localFile, String remotePath, Deadline deadline);

    /**
     * Replaces the unit's etcd data with a v3 snapshot archive already on the unit (the charm's format: {@code ./db}
     * at the archive root): moves the data dir's {@code member} directory aside, restores the snapshot as
     * {@code member} (with {@code etcdctl snapshot restore}, or {@code etcdutl} where etcdctl lost that command) and
     * returns where the old member directory went. The service must be stopped first.
     */
    String restoreDataDir(String unit, String remoteArchive, Member member, Deadline deadline);

    // The methods below let a restore plan print exact commands before anything runs and check each step after it
    // ran. They are defaults so that existing implementations still compile; a transport that leaves them out
    // cannot run an SSH restore plan (the planner refuses with the exception they throw).

    /** The host the unit is reached at; empty when the transport does not know the unit. */
    default Optional<String> address(String unit) {
        return Optional.empty();
    }

    /** The unit's etcd version as its etcdctl reports it, e.g. {@code 3.4.22}. */
    default String etcdVersion(String unit, Deadline deadline) {
        throw unsupported("etcdVersion");
    }

    /** The SHA-256 of a file on the unit (lower-case hex), empty when there is no such file. */
    default Optional<String> sha256(String unit, String remotePath, Deadline deadline) {
        throw unsupported("sha256");
    }

    /** Whether the unit's etcd service is running ({@code systemctl is-active}). */
    default boolean serviceActive(String unit, Deadline deadline) {
        throw unsupported("serviceActive");
    }

    /** The shell command {@link #stopService} or {@link #startService} stands for; {@code action} is stop or start. */
    default String serviceCommand(String unit, String action) {
        return "sudo systemctl " + action + " snap.etcd.etcd";
    }

    /** The shell command {@link #upload} stands for. */
    default String uploadCommand(String unit, Path localFile, String remotePath) {
        return "scp " + localFile + " " + unit + ":" + remotePath;
    }

    /** The shell command of the transport's health check on the unit. */
    default String healthCommand(String unit) {
        return "etcdctl endpoint health --cluster";
    }

    /** The shell commands {@link #restoreDataDir} stands for on a unit running {@code etcdVersion}. */
    default String restoreCommand(String unit, String etcdVersion, String remoteArchive, Member member) {
        return "etcdutl snapshot restore (from " + remoteArchive + ") --name " + member.name();
    }

    private UnsupportedByTransportException unsupported(String method) {
        return new UnsupportedByTransportException("HostOperations." + method, getClass().getSimpleName(),
                "etcd-backup-ssh-transport (SshTransport.builder())");
    }
}
