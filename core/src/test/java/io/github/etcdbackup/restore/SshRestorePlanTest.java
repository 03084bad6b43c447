package io.github.etcdbackup.restore;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.testing.FakeHosts;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;

import io.github.etcdbackup.spi.HostOperations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSH path of a restore (no Juju model) against in-memory hosts. */
@Timeout(60)
class SshRestorePlanTest {
    private static final String THREE_HEALTHY = """
            member 1 is healthy: got healthy result from https://10.0.0.10:2379
            member 2 is healthy: got healthy result from https://10.0.0.11:2379
            member 3 is healthy: got healthy result from https://10.0.0.12:2379
            cluster is healthy
            """;

    @TempDir
    Path dir;
    @TempDir
    Path work;
    private FakeHosts hosts;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private LocalSnapshot backup;

    @BeforeEach
    void setUp() throws Exception {
        hosts = FakeHosts.of(3, "3.4.23");
        transport = new FakeTransport();
        transport.hosts(hosts);
        transport.healthText(THREE_HEALTHY);
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), work));
        client = EtcdBackupClient.create(transport);
        backup = client.backup("etcd/0", dir);
    }

    private static SshRestoreOptions.Builder options(int members) {
        List<SshRestoreOptions.Member> list = java.util.stream.IntStream.range(0, members)
                .mapToObj(i -> new SshRestoreOptions.Member("etcd/" + i, "etcd" + i, "https://10.0.0." + (10 + i)
                        + ":2380")).toList();
        return RestoreOptions.ssh().members(list).clusterToken("restored-1")
                .pollInterval(Duration.ofMillis(5)).settleTimeout(Duration.ofSeconds(3));
    }

    @Test
    void thePlanListsEveryHostAndCommandFirstMemberFirstAndChangesNothing() {
        RestorePlan plan = client.planRestore(backup, options(3).build());

        assertThat(plan.path()).isEqualTo(RestorePath.SSH);
        assertThat(plan.steps()).extracting(RestoreStep::title).containsExactly(
                "verify the archive " + backup.file().getFileName(),
                "upload " + backup.file().getFileName() + " to etcd/0 (10.0.0.10):/root/" + backup.file().getFileName(),
                "upload " + backup.file().getFileName() + " to etcd/1 (10.0.0.11):/root/" + backup.file().getFileName(),
                "upload " + backup.file().getFileName() + " to etcd/2 (10.0.0.12):/root/" + backup.file().getFileName(),
                "stop etcd on etcd/0 (10.0.0.10)",
                "restore member etcd0 on etcd/0 (10.0.0.10) (the old member directory is moved aside)",
                "stop etcd on etcd/1 (10.0.0.11)",
                "restore member etcd1 on etcd/1 (10.0.0.11) (the old member directory is moved aside)",
                "stop etcd on etcd/2 (10.0.0.12)",
                "restore member etcd2 on etcd/2 (10.0.0.12) (the old member directory is moved aside)",
                "start etcd on etcd/0 (10.0.0.10)",
                "start etcd on etcd/1 (10.0.0.11)",
                "start etcd on etcd/2 (10.0.0.12)",
                "wait until etcd/0, etcd/1, etcd/2 each see 3 healthy members");
        assertThat(plan.describe()).startsWith("Restore " + backup.file().getFileName()
                + " onto the members of etcd over SSH").contains("$ sudo systemctl stop snap.etcd.etcd");
        RestoreStep.RestoreMember second = (RestoreStep.RestoreMember) plan.steps().get(7);
        assertThat(second.member()).isEqualTo(new HostOperations.Member("etcd1", "https://10.0.0.11:2380",
                "etcd0=https://10.0.0.10:2380,etcd1=https://10.0.0.11:2380,etcd2=https://10.0.0.12:2380",
                "restored-1", 0));
        assertThat(hosts.calls).isEmpty();
    }

    @Test
    void aRestoreRunsEveryStepInOrderWithANewClusterToken() {
        RestorePlan plan = client.planRestore(backup, options(3).clusterToken("etcd-2026").build());
        RestoreReport report = client.restore(plan);

        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(hosts.calls).containsExactly("upload etcd/0", "upload etcd/1", "upload etcd/2",
                "stop etcd/0", "restore etcd/0", "stop etcd/1", "restore etcd/1", "stop etcd/2", "restore etcd/2",
                "start etcd/0", "start etcd/1", "start etcd/2");
        assertThat(hosts.restored.values()).extracting(HostOperations.Member::clusterToken).containsOnly("etcd-2026");
        assertThat(hosts.running).containsExactlyInAnyOrder("etcd/0", "etcd/1", "etcd/2");
    }

    @Test
    void anEncryptedArchiveIsDecryptedForEachUploadOnlyAndItsPlaintextReachesEveryHost() throws Exception {
        Path key = AgeKeys.keygen(work, "key.txt");
        LocalSnapshot encrypted = client.backup(SnapshotRequest.builder().unit("etcd/0")
                .encryptTo(AgeKeys.recipientOf(key)).build(), dir.resolve("encrypted"));
        assertThatThrownBy(() -> client.planRestore(encrypted, options(3).build()))
                .isInstanceOfSatisfying(DecryptionException.class,
                        e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.NO_IDENTITY));

        RestorePlan plan = client.planRestore(encrypted, options(3).identities(AgeIdentities.fromFile(key)).build());
        List<RestoreStep.UploadArchive> uploads = plan.steps().stream()
                .filter(RestoreStep.UploadArchive.class::isInstance).map(RestoreStep.UploadArchive.class::cast)
                .toList();
        String plainName = encrypted.file().getFileName().toString().replace(".age", "");
        assertThat(uploads).hasSize(3).allSatisfy(upload -> {
            assertThat(upload.decryptedFrom()).contains(encrypted.file().toAbsolutePath());
            assertThat(upload.remotePath()).isEqualTo("/root/" + plainName);
            assertThat(upload.sha256()).isEqualTo(encrypted.source().sha256());
            assertThat(upload.command()).contains("age -d -i " + key, "rm -r");
            assertThat(upload.file().getParent()).doesNotExist();
        });
        assertThat(uploads).extracting(u -> u.file().getParent()).doesNotHaveDuplicates();

        RestoreReport report = client.restore(plan);

        assertThat(report.completed()).as(report.describe()).isTrue();
        for (String unit : List.of("etcd/0", "etcd/1", "etcd/2")) {
            assertThat(hosts.files).containsEntry(unit + ":/root/" + plainName, encrypted.source().sha256());
        }
        assertThat(uploads).allSatisfy(upload -> assertThat(upload.file().getParent()).doesNotExist());
    }

    @Test
    void theDefaultClusterTokenIsNewAndFixedInThePlan() {
        RestorePlan plan = client.planRestore(backup, RestoreOptions.ssh()
                .members(List.of(new SshRestoreOptions.Member("etcd/0", "etcd0", "https://10.0.0.10:2380"))).build());
        assertThat(((RestoreStep.RestoreMember) plan.steps().get(3)).member().clusterToken())
                .startsWith("etcd-restore-");
    }

    @Test
    void aFailedMiddleStepLeavesTheOthersUntouchedAndResumeFinishes() {
        hosts.failOnce.add("restore etcd/1");
        RestorePlan plan = client.planRestore(backup, options(3).build());

        RestoreReport failed = client.restore(plan);

        assertThat(failed.completed()).isFalse();
        assertThat(failed.failedStep().orElseThrow().step().title()).startsWith("restore member etcd1 on etcd/1");
        assertThat(failed.describe()).contains("FAILED", "client.resume(report)", "NOT RUN      stop etcd on etcd/2");
        assertThat(hosts.running).as("etcd/2 is never stopped while an earlier member fails").contains("etcd/2");

        RestoreReport resumed = client.resume(failed);

        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(hosts.calls).containsExactly("upload etcd/0", "upload etcd/1", "upload etcd/2",
                "stop etcd/0", "restore etcd/0", "stop etcd/1", "restore etcd/1", "restore etcd/1",
                "stop etcd/2", "restore etcd/2", "start etcd/0", "start etcd/1", "start etcd/2");
    }

    @Test
    void aResumeDoesNotRedoWhatIsAlreadyThere() {
        hosts.failOnceAfterEffect.add("start etcd/1");
        hosts.files.put("etcd/2:/root/" + backup.file().getFileName(), backup.sha256());
        RestorePlan plan = client.planRestore(backup, options(3).build());

        RestoreReport failed = client.restore(plan);
        assertThat(failed.outcomes().get(3).result()).as("the archive already on etcd/2")
                .isEqualTo(RestoreReport.Result.ALREADY_DONE);
        assertThat(failed.failedStep().orElseThrow().step().title()).startsWith("start etcd on etcd/1");

        RestoreReport resumed = client.resume(failed);

        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(resumed.outcomes().get(11).result()).as("etcd/1 runs already")
                .isEqualTo(RestoreReport.Result.ALREADY_DONE);
        assertThat(hosts.calls).filteredOn(c -> c.equals("start etcd/1")).hasSize(1);
    }

    @Test
    void membersThatNeverAllBecomeHealthyFailTheWaitWithTheLastAnswer() {
        transport.healthText(FakeTransport.HEALTHY);
        RestoreReport report = client.restore(client.planRestore(backup, options(3).build()));
        assertThat(report.failedStep().orElseThrow().step()).isInstanceOf(RestoreStep.AwaitHealthy.class);
        assertThat(report.describe()).contains("not settled", "e41a25f160409683 is healthy");
    }

    @Test
    void aV2ArchiveIsRefused() {
        Snapshot v2 = client.snapshot(SnapshotRequest.builder().unit("etcd/0").keysVersion(KeysVersion.V2).build());
        LocalSnapshot local = client.download(v2, dir.resolve("v2"));
        assertThatThrownBy(() -> client.planRestore(local, options(3).build()))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("v3 archive");
    }

    @Test
    void aMemberTheTransportCannotReachIsRefused() {
        hosts.addresses.remove("etcd/2");
        assertThatThrownBy(() -> client.planRestore(backup, options(3).build()))
                .isInstanceOf(RestoreRefusedException.class)
                .hasMessageContaining("cannot reach the member unit etcd/2").hasMessageContaining("unitAddress");
    }

    @Test
    void bumpRevisionIsRefusedOnEtcd34() {
        assertThatThrownBy(() -> client.planRestore(backup, options(3).bumpRevision(1_000_000).build()))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("--bump-revision")
                .hasMessageContaining("3.4.23");
    }

    @Test
    void otherRefusals() {
        hosts.versions.put("etcd/1", "3.5.9");
        assertThatThrownBy(() -> client.planRestore(backup, options(3).build()))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("etcd/1 runs etcd 3.5.9");
        assertThatThrownBy(() -> client.planRestore(backup, RestoreOptions.ssh().build()))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("no members");
        assertThatThrownBy(() -> client.planRestore(backup, RestoreOptions.ssh().members(List.of(
                new SshRestoreOptions.Member("etcd/0", "etcd0", "https://10.0.0.10:2380"),
                new SshRestoreOptions.Member("etcd/1", "etcd0", "https://10.0.0.11:2380"))).build()))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("member name appears twice");
        assertThatThrownBy(() -> new SshRestoreOptions.Member("etcd/0", "etcd0; reboot", "https://10.0.0.10:2380"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new SshRestoreOptions.Member("etcd/0", "etcd0", "https://$(reboot):2380"))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aTransportWithNeitherJujuNorHostsCannotPlan() {
        transport.hosts(null);
        assertThatThrownBy(() -> client.planRestore(backup, options(1).build()))
                .isInstanceOf(UnsupportedByTransportException.class);
    }
}
