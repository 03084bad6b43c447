package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.testkit.EtcdUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The SSH restore steps against a real etcd member: a verified backup goes back up to the unit and replaces its
 * data, the old member directory stays aside. The test units are not systemd services, so the test stops and starts
 * etcd with the testkit where a unit would use stopService/startService.
 */
@Timeout(120)
class SshHostOperationsTest {
    @TempDir
    static Path shared;
    private static Testbed testbed;

    @BeforeAll
    static void startCluster() {
        testbed = Testbed.start(shared, 1);
    }

    @AfterAll
    static void stopCluster() {
        testbed.close();
    }

    @Test
    void aBackupUploadedAndRestoredBringsBackItsKeysAndKeepsTheOldData() {
        EtcdUnit unit = testbed.cluster.unit("etcd/0");
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        unit.put("/restore-test/before", "1");
        try (SshTransport transport = testbed.direct().build();
             EtcdBackupClient client = EtcdBackupClient.create(testbed.direct().build())) {
            LocalSnapshot backup = client.backup("etcd/0", shared.resolve("backups"));
            unit.put("/restore-test/after", "2");
            HostOperations host = transport.host().orElseThrow();

            String uploaded = shared.resolve("uploaded-" + backup.file().getFileName()).toString();
            host.upload("etcd/0", backup.file(), uploaded, deadline);
            assertThat(Sha256.ofFile(Path.of(uploaded))).isEqualTo(backup.sha256());
            assertThatThrownBy(() -> host.upload("etcd/0", backup.file(), uploaded, deadline))
                    .as("never replaces a file").isInstanceOf(ActionFailedException.class);

            unit.stop();
            String aside = host.restoreDataDir("etcd/0", uploaded, new HostOperations.Member(unit.memberName(),
                    unit.peerUrl(), unit.memberName() + "=" + unit.peerUrl(), "restored-cluster"), deadline);
            unit.start();
            testbed.cluster.awaitHealthy(Duration.ofSeconds(60));

            assertThat(Path.of(aside)).isDirectory().hasParent(unit.dataDir());
            assertThat(unit.get("/restore-test/before")).contains("1");
            assertThat(unit.get("/restore-test/after")).isEmpty();
        } finally {
            unit.start();
        }
    }

    @Test
    void hostileRestoreValuesAreRefusedAndServiceFailuresAreTyped() {
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        try (SshTransport transport = testbed.direct().build()) {
            HostOperations host = transport.host().orElseThrow();
            assertThatThrownBy(() -> host.restoreDataDir("etcd/0", "/tmp/a.tar.gz",
                    new HostOperations.Member("etcd0; reboot", "https://127.0.0.1:2380", "etcd0=https://127.0.0.1:2380",
                            "token"), deadline)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> host.restoreDataDir("etcd/0", "/tmp/a.tar.gz",
                    new HostOperations.Member("etcd0", "https://127.0.0.1:2380", "etcd0=$(reboot)", "token"),
                    deadline)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> host.upload("etcd/0", Path.of("/etc/hostname"), "/tmp/../x", deadline))
                    .isInstanceOf(InvalidInputException.class);
            // No systemd on the test machine: the failure must still be typed and name the service.
            assertThatThrownBy(() -> host.stopService("etcd/0", deadline))
                    .isInstanceOf(ActionFailedException.class)
                    .hasMessageContaining("snap.etcd.etcd");
        }
    }
}
