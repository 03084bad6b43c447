/** {@link io.github.etcdbackup.client.EtcdBackupClient}: back up, download, check health, plan and run restores. */
package io.github.etcdbackup.client;
