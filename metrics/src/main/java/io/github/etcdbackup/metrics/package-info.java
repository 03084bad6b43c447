/**
 * Micrometer meters for etcd-backup: {@link io.github.etcdbackup.metrics.EtcdBackupMetrics} is a
 * {@link io.github.etcdbackup.ProgressListener} that records every operation of a client, and records what
 * {@code SnapshotStore.verifyAll()} found.
 */
package io.github.etcdbackup.metrics;
