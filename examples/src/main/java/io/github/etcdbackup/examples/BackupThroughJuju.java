package io.github.etcdbackup.examples;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.ProgressListener;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Backs up the etcd leader of the current Juju model into {@code ./backups}: the charm's snapshot action, a streamed
 * download hashed as it arrives, and a file that only gets its name once its SHA-256 matches the unit's.
 *
 * <p>Usage: {@code BackupThroughJuju [path-to-juju] [backup-dir]}.
 */
public final class BackupThroughJuju {
    private BackupThroughJuju() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path juju = Path.of(args.length > 0 ? args[0] : "juju");
        Path dir = Path.of(args.length > 1 ? args[1] : "backups");
        System.out.println(backup(juju, dir));
    }

    /** The example's work: one verified backup of {@code etcd/leader}. */
    public static LocalSnapshot backup(Path juju, Path dir) {
        // tag::backup[]
        try (EtcdBackupClient client = EtcdBackupClient.builder()
                .transport(JujuCliTransport.builder().executable(juju).build())   // Juju 2.9 or 3.x, detected
                .timeout(Duration.ofMinutes(10))                                  // each operation ends by it
                .listener(ProgressListener.logging())                             // events on SLF4J, at INFO
                .build()) {
            LocalSnapshot backup = client.backup("etcd/leader", dir);  // named only once its SHA-256 matched
            System.out.println(backup);
            System.out.println("healthy: " + client.health("etcd/leader").allMembersHealthy());
            return backup;
        }
        // end::backup[]
    }
}
