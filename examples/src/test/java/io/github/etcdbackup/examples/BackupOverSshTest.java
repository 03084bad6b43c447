package io.github.etcdbackup.examples;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.testkit.EtcdCluster;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.testkit.LocalSshd;
import io.github.etcdbackup.transport.ssh.UnitLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The SSH example against a real OpenSSH sshd and a real etcd unit laid out like the charm's under a root dir. */
@Timeout(180)
class BackupOverSshTest {
    @TempDir
    Path work;

    @Test
    void backsUpAUnitOverSshWithHostKeysChecked() {
        try (EtcdCluster cluster = EtcdCluster.start(work.resolve("cluster"), "etcd", 1);
             LocalSshd sshd = LocalSshd.start(work.resolve("sshd"))) {
            EtcdUnit unit = cluster.unit("etcd/0");
            String root = unit.root().toAbsolutePath().toString();
            UnitLayout layout = UnitLayout.charm().withEtcdctl("/usr/bin/etcdctl")
                    .withCertDir(root + "/var/snap/etcd/common").withDataDir(root + "/var/snap/etcd/current")
                    .withSnapshotDir(root + "/home/ubuntu/etcd-snapshots").withEndpoint(unit.clientUrl());

            LocalSnapshot backup = BackupOverSsh.backup("etcd/0", sshd.host(), sshd.port(), sshd.user(),
                    sshd.userPrivateKey(), sshd.hostKnownHostsFile(), layout, work.resolve("backups"));

            assertThat(backup.verify().source().unit()).isEqualTo("etcd/0");
            assertThat(backup.source().etcdctlVersion()).startsWith("3.4.");
        }
        assertThat(LeftoverProcesses.etcdOrSshdUnder(work)).isEmpty();
    }
}
