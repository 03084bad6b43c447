package io.github.etcdbackup.examples;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.transport.ssh.SshTransport;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Backs up an etcd unit straight over SSH, for when the Juju controller is down: {@code etcdctl snapshot save} on the
 * unit (through {@code sudo}, the charm's certificates are root-only), packed like the charm's archive, streamed
 * and verified like a Juju backup. The host key must already be in {@code known_hosts}.
 *
 * <p>Usage: {@code BackupOverSsh unit address [private-key] [backup-dir]}, e.g.
 * {@code BackupOverSsh etcd/0 10.0.0.5 ~/.local/share/juju/ssh/juju_id_rsa backups}.
 */
public final class BackupOverSsh {
    private BackupOverSsh() {
    }

    /** Runs the example. */
    public static void main(String[] args) {
        Path home = Path.of(System.getProperty("user.home"));
        Path key = args.length > 2 ? Path.of(args[2]) : home.resolve(".local/share/juju/ssh/juju_id_rsa");
        Path dir = Path.of(args.length > 3 ? args[3] : "backups");
        System.out.println(backup(args[0], args[1], 22, "ubuntu", key, home.resolve(".ssh/known_hosts"),
                UnitLayout.charm(), dir));
    }

    /** The example's work: one verified backup of {@code unit} over SSH. */
    public static LocalSnapshot backup(String unit, String address, int port, String user, Path key,
                                       Path knownHosts, UnitLayout layout, Path dir) {
        // tag::ssh[]
        SshTransport ssh = SshTransport.builder()
                .unitAddress(unit, address)                 // one call per unit
                .port(port)
                .user(user)                                 // Juju machines: ubuntu, with passwordless sudo
                .privateKey(key)                            // Juju's key: ~/.local/share/juju/ssh/juju_id_rsa
                .knownHosts(knownHosts)                     // an unknown host key fails with the line to add
                .unitLayout(layout)                         // UnitLayout.charm(): /snap/bin/etcd.etcdctl, ...
                .connectTimeout(Duration.ofSeconds(15))
                .build();
        try (EtcdBackupClient client = EtcdBackupClient.create(ssh)) {
            LocalSnapshot backup = client.backup(unit, dir);
            System.out.println("healthy: " + client.health(unit).allMembersHealthy());
            return backup;
        }
        // end::ssh[]
    }
}
