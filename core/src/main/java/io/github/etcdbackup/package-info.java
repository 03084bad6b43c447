/**
 * The backup values every other package uses: {@link io.github.etcdbackup.Snapshot} (what a unit reported),
 * {@link io.github.etcdbackup.SnapshotRequest}, {@link io.github.etcdbackup.LocalSnapshot} (a verified archive on
 * disk), {@link io.github.etcdbackup.KeysVersion}, and the progress events
 * ({@link io.github.etcdbackup.BackupEvent}, {@link io.github.etcdbackup.ProgressListener}).
 *
 * <p>The client that produces them is {@link io.github.etcdbackup.client.EtcdBackupClient}; it lives in its own
 * package because it depends on every other one, while these values are depended on by all of them.
 */
package io.github.etcdbackup;
