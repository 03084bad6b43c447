package io.github.etcdbackup.spi;

import java.nio.file.Path;

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
     */
    record Member(String name, String peerUrl, String initialCluster, String clusterToken) {
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
}
