package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.restore.SshRestoreOptions;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.testing.AgeKeys;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SSH path of a restore, end to end: a 3-member cluster of real etcd processes is backed up over the real sshd,
 * written to afterwards, and restored whole through {@code planRestore}/{@code restore}. Stop and start go through
 * {@link FakeSystemctl}, which acts on the real processes.
 */
// About 45 SSH round trips; on a shared 2-core CI machine under load each costs seconds.
@Timeout(300)
class SshRestorePlanTest {
    @TempDir
    Path dir;

    /** Plain, and encrypted to age: then each upload decrypts into a private temp file deleted right after it. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aThreeMemberClusterIsRestoredOverSshAndHoldsExactlyTheKeysOfTheBackup(boolean encrypted) throws Exception {
        try (Testbed testbed = Testbed.start(dir, 3);
             FakeSystemctl systemctl = FakeSystemctl.start(dir.resolve("systemctl"), testbed.cluster.units());
             EtcdBackupClient client = EtcdBackupClient.create(withServices(testbed, systemctl).build())) {
            EtcdUnit first = testbed.cluster.unit("etcd/0");
            for (int i = 0; i < 10; i++) {
                first.put("/restore/before-" + i, "v" + i);
            }
            Path key = AgeKeys.keygen(dir, "key.txt");
            SnapshotRequest.Builder request = SnapshotRequest.builder().unit("etcd/1");
            if (encrypted) {
                request.encryptTo(AgeKeys.recipientOf(key));
            }
            LocalSnapshot backup = client.backup(request.build(), dir.resolve("backups"));
            String archiveName = backup.file().getFileName().toString().replace(".age", "");
            first.put("/restore/after", "gone after the restore");

            Files.createDirectories(dir.resolve("uploads"));
            SshRestoreOptions.Builder options = RestoreOptions.ssh()
                    .members(testbed.cluster.units().stream()
                            .map(u -> new SshRestoreOptions.Member(u.name(), u.memberName(), u.peerUrl())).toList())
                    .remoteDir(dir.resolve("uploads").toString())
                    .clusterToken("restored-cluster")
                    .settleTimeout(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250));
            if (encrypted) {
                options.identities(AgeIdentities.fromFile(key));
            }
            RestorePlan plan = client.planRestore(backup, options.build());

            String description = plan.describe();
            assertThat(description).contains("over SSH", "etcd/0 (" + testbed.sshd.host() + ")",
                    "etcd/2 (" + testbed.sshd.host() + ")", "sudo -n " + systemctl.path() + " stop -- etcd-0",
                    "cat > " + dir.resolve("uploads").resolve(archiveName),
                    "snapshot restore", "--initial-cluster-token restored-cluster", "--name etcd2",
                    "--endpoints=" + testbed.cluster.unit("etcd/0").clientUrl(), "endpoint health --cluster");
            assertThat(plan.steps().get(4)).as("one member is restored before the others are stopped")
                    .isInstanceOf(RestoreStep.StopService.class);
            assertThat(plan.steps().subList(4, 6)).extracting(s -> s.getClass().getSimpleName())
                    .containsExactly("StopService", "RestoreMember");
            assertThat(first.get("/restore/after")).as("planning changes nothing").isPresent();

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
            assertThat(plan.steps()).filteredOn(RestoreStep.UploadArchive.class::isInstance)
                    .extracting(step -> ((RestoreStep.UploadArchive) step).file().getParent())
                    .allSatisfy(parent -> assertThat(encrypted ? !Files.exists(parent) : Files.isDirectory(parent))
                            .as("no decrypted copy outlives its upload").isTrue());
            for (EtcdUnit unit : testbed.cluster.units()) {
                assertThat(unit.healthy()).as(unit.name()).isTrue();
                assertThat(unit.count("/restore/before-")).as(unit.name()).isEqualTo(10);
                assertThat(unit.get("/restore/before-7")).contains("v7");
                assertThat(unit.get("/restore/after")).as(unit.name()).isEmpty();
                assertThat(asideDirs(unit)).as("the old member dir of " + unit.name() + " is kept aside").hasSize(1);
            }

        }
    }

    private static List<Path> asideDirs(EtcdUnit unit) throws IOException {
        try (Stream<Path> files = Files.list(unit.dataDir())) {
            return files.filter(f -> f.getFileName().toString().startsWith("member.before-restore-")).toList();
        }
    }

    private static SshTransport.Builder withServices(Testbed testbed, FakeSystemctl systemctl) {
        SshTransport.Builder builder = testbed.direct();
        for (EtcdUnit unit : testbed.cluster.units()) {
            builder.unitLayout(unit.name(), Testbed.layoutOf(unit).withSystemctl(systemctl.path())
                    .withService(FakeSystemctl.service(unit)));
        }
        return builder;
    }
}
