package io.github.etcdbackup.restore;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;
import io.github.etcdbackup.testing.FakeHosts;
import io.github.etcdbackup.testing.FakeModel;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class RestorePlanTest {
    @TempDir
    Path dir;
    @TempDir
    Path work;
    private FakeModel model;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private LocalSnapshot backup;
    private final List<BackupEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        model = FakeModel.charmedKubernetes("kubernetes-control-plane");
        transport = new FakeTransport();
        transport.model(model);
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), work));
        client = EtcdBackupClient.builder().transport(transport).listener(events::add).build();
        backup = client.backup("etcd/0", dir);
    }

    private static JujuRestoreOptions.Builder fast() {
        return RestoreOptions.juju().pollInterval(Duration.ofMillis(10)).settleTimeout(Duration.ofSeconds(3));
    }

    @Test
    void thePlanListsEveryStepWithTheTransportsCommandForItAndChangesNothing() {
        RestorePlan plan = client.planRestore(backup, fast().build());

        // The fake model's made-up dialect: the planner spells no command of the model's tool itself.
        assertThat(plan.steps()).extracting(RestoreStep::command).containsExactly(
                "sha256sum -c " + backup.file() + ".sha256 && tar -tzf " + backup.file(),
                "fake-juju deploy etcd new-etcd channel=1.29/stable base=ubuntu@22.04 config={channel=3.4/stable}",
                "fake-juju relate new-etcd easyrsa",
                "fake-juju attach new-etcd snapshot=" + backup.file(),
                "fake-juju status",
                "fake-juju action new-etcd/leader restore {} within PT3S",
                // The charm's restore completes before etcd serves again.
                "fake-juju status",
                "fake-juju unrelate etcd:db kubernetes-control-plane",
                "fake-juju relate new-etcd kubernetes-control-plane",
                "fake-juju unrelate etcd:db calico",
                "fake-juju relate new-etcd calico",
                "fake-juju add-unit new-etcd 2",
                "fake-juju status",
                "fake-juju action new-etcd/leader health within " + client.timeout(),
                // The Kubernetes docs advise restarting the API servers after a restore (watch caches).
                "fake-juju action kubernetes-control-plane/0,kubernetes-control-plane/1 restart within PT3S");
        assertThat(plan.describe()).contains(" 1. verify the archive", "14. check that all 3 members are healthy");
        assertThat(model.deploys.get()).isZero();
        assertThat(model.apps).doesNotContainKey("new-etcd");
    }

    @Test
    void restartingTheApiServersCanBeLeftToTheUser() {
        RestorePlan plan = client.planRestore(backup, fast().restartControlPlane(false).build());
        assertThat(plan.steps()).noneMatch(RestoreStep.RestartControlPlane.class::isInstance)
                .last().isInstanceOf(RestoreStep.CheckHealth.class);
        assertThat(client.restore(plan).completed()).isTrue();
        assertThat(model.restarted).isEmpty();
    }

    @Test
    void theControlPlaneIsFoundByCharmNameWhateverTheApplicationIsCalled() {
        model = FakeModel.charmedKubernetes("kubernetes-master");
        transport.model(model);
        assertThat(client.planRestore(backup, fast().build()).describe())
                .contains("fake-juju relate new-etcd kubernetes-master");
    }

    @Test
    void aRestoreRunsEveryStepChecksItAndEndsWithEveryMemberHealthy() {
        RestorePlan plan = client.planRestore(backup, fast().build());
        events.clear();
        RestoreReport report = client.restore(plan);

        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(report.outcomes()).extracting(RestoreReport.StepOutcome::result)
                .containsOnly(RestoreReport.Result.DONE);
        FakeModel.App restored = model.apps.get("new-etcd");
        assertThat(restored.units).isEqualTo(3);
        assertThat(restored.snapChannel).isEqualTo("3.4/stable");
        assertThat(restored.other).contains("easyrsa", "kubernetes-control-plane", "calico").doesNotContain("flannel");
        assertThat(restored.resourceFingerprint).isNotNull();
        assertThat(model.restores.get()).isEqualTo(1);
        assertThat(events).filteredOn(BackupEvent.StepCompleted.class::isInstance).hasSize(15);
        assertThat(model.restarted).containsExactly("kubernetes-control-plane/0", "kubernetes-control-plane/1");
        assertThat(model.restoreParams).as("a fresh application has no data to keep").containsExactly(Map.of());
        assertThat(report.charmBackup()).isEmpty();
        FakeModel.App old = model.apps.get("etcd");
        assertThat(old.db).as("the clients moved to the new etcd").isEmpty();
        assertThat(old.units).as("the old etcd stays as it was").isEqualTo(3);
        assertThat(events.get(events.size() - 1)).isInstanceOf(BackupEvent.Completed.class);
    }

    private LocalSnapshot v2Backup() throws Exception {
        transport.archiveContent(TestArchives.v2Archive(TestArchives.bboltLikeDb(8_000, 9), work));
        return client.download(client.snapshot(SnapshotRequest.builder().unit("etcd/0")
                .keysVersion(KeysVersion.V2).build()), dir.resolve("v2"));
    }

    @Test
    void aV2ArchiveGivenWithTheV3OneIsCopiedToTheLeaderAndItsKeysReplayedBeforeTheCnisAreRelated()
            throws Exception {
        LocalSnapshot v2 = v2Backup();
        RestorePlan plan = client.planRestore(backup, fast().v2Snapshot(v2).build());

        assertThat(plan.steps()).extracting(step -> step.getClass().getSimpleName()).containsSubsequence(
                "RunRestore", "AwaitUnits", "CopyToLeader", "ReplayV2Keys", "Integrate", "Integrate", "AddUnits");
        RestoreStep.CopyToLeader copy = (RestoreStep.CopyToLeader) plan.steps().stream()
                .filter(RestoreStep.CopyToLeader.class::isInstance).findFirst().orElseThrow();
        String remote = "/home/ubuntu/etcd-backup-v2-" + v2.sha256().substring(0, 16) + ".tar.gz";
        assertThat(copy.command()).isEqualTo("fake-juju copy " + v2.file().toAbsolutePath()
                + " new-etcd/leader:" + remote);
        assertThat(plan.describe()).contains("replay the v2 keys of " + remote,
                "fake-juju root new-etcd/leader set -euo pipefail",
                "--force-new-cluster", "replayed $count v2 keys");

        Path journal = work.resolve("v2.journal");
        RestoreReport report = client.restore(plan, journal);

        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(io.github.etcdbackup.internal.restore.RestoreJournal.read(journal).plan())
                .as("the multi-line script survives the journal").isEqualTo(plan);
        assertThat(model.copied).containsOnlyKeys("new-etcd/0:" + remote);
        assertThat(model.replays).containsExactly("new-etcd/0");
        assertThat(report.outcomes()).filteredOn(o -> o.step() instanceof RestoreStep.CopyToLeader)
                .extracting(RestoreReport.StepOutcome::result).containsExactly(RestoreReport.Result.DONE);
    }

    @Test
    void aV2ArchiveIsOnlyTakenBesideAV3One() throws Exception {
        // Never over SSH either: SshRestoreOptions has no v2Snapshot to set.
        LocalSnapshot v2 = v2Backup();
        assertThatThrownBy(() -> RestoreOptions.juju().v2Snapshot(backup).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("KeysVersion.V2");
        assertThatThrownBy(() -> client.planRestore(v2, fast().v2Snapshot(v2).build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class,
                        e -> assertThat(e.whatToDoInstead()).contains("JujuRestoreOptions.v2Snapshot"));
        assertThat(model.deploys.get()).isZero();
    }

    @Test
    void aVersionMismatchIsRefusedWithWhatToDoInstead() {
        assertThatThrownBy(() -> client.planRestore(backup, fast().etcdChannel("3.5/stable").build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class, e -> {
                    assertThat(e.reason()).contains("3.4.23", "3.5/stable");
                    assertThat(e.whatToDoInstead()).contains("etcdChannel(\"3.4/stable\")");
                });
    }

    @Test
    void theSnapChannelComesFromConfigBeforeTheWorkloadVersion() {
        model.apps.get("etcd").snapChannel = "3.5/stable";
        assertThatThrownBy(() -> client.planRestore(backup, fast().build()))
                .isInstanceOf(RestoreRefusedException.class);
    }

    @Test
    void aMultiUnitTargetIsRefusedUnlessRestoringIntoItIsExplicit() {
        model.add("new-etcd", "etcd", 3);
        assertThatThrownBy(() -> client.planRestore(backup, fast().build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class, e -> {
                    assertThat(e.reason()).contains("already has 3 units");
                    assertThat(e.whatToDoInstead()).contains("restoreIntoExisting(true)");
                });

        RestorePlan plan = client.planRestore(backup, fast().restoreIntoExisting(true).build());
        assertThat(plan.steps()).noneMatch(s -> s instanceof RestoreStep.Deploy)
                .noneMatch(s -> s instanceof RestoreStep.AddUnits);
        // The charm's default (skip-backup true) deletes the data it restores over; the plan keeps it.
        assertThat(plan.steps()).filteredOn(RestoreStep.RunRestore.class::isInstance)
                .extracting(s -> ((RestoreStep.RunRestore) s).params())
                .containsExactly(Map.of("skip-backup", "false"));
        assertThat(plan.describe()).contains("fake-juju action new-etcd/leader restore {skip-backup=false}");
        RestoreReport report = client.restore(plan);
        assertThat(report.completed()).isTrue();
        assertThat(model.restoreParams).containsExactly(Map.of("skip-backup", "false"));
        assertThat(report.charmBackup()).get().satisfies(b -> {
            assertThat(b.unit()).isEqualTo("new-etcd/leader");
            assertThat(b.path()).isEqualTo(FakeModel.CHARM_BACKUP_PATH);
            assertThat(b.sha256()).hasSize(64);
        });
        assertThat(report.describe()).contains("kept on it in " + FakeModel.CHARM_BACKUP_PATH);
    }

    @Test
    void aV2OnlyArchiveIsRefusedWithTheWayToRestoreItsKeys() throws Exception {
        LocalSnapshot v2 = v2Backup();
        assertThatThrownBy(() -> client.planRestore(v2, fast().build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class, e -> {
                    assertThat(e.reason()).contains("keys-version v2 archive", "not Kubernetes' v3 data");
                    assertThat(e.whatToDoInstead()).contains("JujuRestoreOptions.v2Snapshot(...)");
                });
        assertThat(model.deploys.get()).isZero();
    }

    @Test
    void aCorruptedArchiveIsRefusedBeforeAnythingIsRead() throws IOException {
        byte[] bytes = Files.readAllBytes(backup.file());
        bytes[bytes.length / 2] ^= 1;
        Files.write(backup.file(), bytes);
        assertThatThrownBy(() -> client.planRestore(backup, fast().build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class,
                        e -> assertThat(e.reason()).contains("no longer matches its SHA-256"));
    }

    @Test
    void aNamedControlPlaneOrCniThatDoesNotExistIsRefused() {
        assertThatThrownBy(() -> client.planRestore(backup, fast().controlPlane("kubernetes-api").build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class,
                        e -> assertThat(e.reason()).contains("control plane 'kubernetes-api'"));
        assertThatThrownBy(() -> client.planRestore(backup, fast().cniApplications(List.of("cilium")).build()))
                .isInstanceOfSatisfying(RestoreRefusedException.class,
                        e -> assertThat(e.reason()).contains("CNI 'cilium'"));
    }

    @Test
    void aPlaceholderResourceStopsTheRestoreBeforeTheCharmDismantlesAnything() {
        model.placeholderResource = true;
        RestoreReport report = client.restore(client.planRestore(backup, fast().build()));

        assertThat(report.completed()).isFalse();
        RestoreReport.StepOutcome failed = report.failedStep().orElseThrow();
        assertThat(failed.step()).isInstanceOf(RestoreStep.AttachSnapshot.class);
        assertThat(failed.error()).get().isInstanceOf(RestoreFailedException.class)
                .extracting(Throwable::getMessage).asString().contains("placeholder");
        assertThat(model.restores.get()).isZero();
        assertThat(report.describe()).contains("FAILED", "NOT RUN", "client.resume(report)");
        assertThat(events.get(events.size() - 1)).isInstanceOf(BackupEvent.Failed.class);
    }

    @Test
    void aUnitThatNeverBecomesHealthyStopsTheRestoreAndResumeFinishesIt() {
        model.neverHealthy = true;
        RestoreReport report = client.restore(client.planRestore(backup, fast().build()));

        RestoreReport.StepOutcome failed = report.failedStep().orElseThrow();
        assertThat(failed.step()).isInstanceOf(RestoreStep.AwaitUnits.class);
        assertThat(failed.error()).get().isInstanceOf(OperationTimeoutException.class);

        model.neverHealthy = false;
        RestoreReport resumed = client.resume(report);
        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(model.deploys.get()).isEqualTo(1);
        assertThat(resumed.outcomes().subList(0, failed.index())).isEqualTo(report.outcomes().subList(0, failed.index()));
    }

    @Test
    void theControllerGoingAwayAfterAttachLeavesAReportThatResumes() {
        model.downAfterAttach = true;
        RestoreReport report = client.restore(client.planRestore(backup, fast().build()));
        assertThat(report.failedStep().orElseThrow().error()).get().isInstanceOf(TransportException.class);

        model.controllerDown = false;
        model.downAfterAttach = false;
        RestoreReport resumed = client.resume(report);
        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(model.restores.get()).isEqualTo(1);
    }

    @Test
    void runningACompletedPlanAgainFindsEveryEffectAlreadyThere() {
        RestorePlan plan = client.planRestore(backup, fast().build());
        client.restore(plan);
        RestoreReport again = client.restore(plan);
        assertThat(again.outcomes()).filteredOn(o -> o.step() instanceof RestoreStep.Deploy
                        || o.step() instanceof RestoreStep.Integrate || o.step() instanceof RestoreStep.AttachSnapshot
                        || o.step() instanceof RestoreStep.AddUnits)
                .extracting(RestoreReport.StepOutcome::result).containsOnly(RestoreReport.Result.ALREADY_DONE);
        assertThat(model.deploys.get()).isEqualTo(1);
    }

    @Test
    void theOptionsTypePicksThePathAndThePlanSaysWhichItIs() {
        assertThat(client.planRestore(backup, fast().build()).path()).isEqualTo(RestorePath.JUJU);
        // This transport reaches Juju only: SSH options are refused, never planned as a Juju restore.
        assertThatThrownBy(() -> client.planRestore(backup, RestoreOptions.ssh().members(List.of(
                new SshRestoreOptions.Member("etcd/0", "etcd0", "https://10.0.0.10:2380"))).build()))
                .isInstanceOf(UnsupportedByTransportException.class)
                .hasMessageContaining("planRestore(SshRestoreOptions)", "etcd-backup-ssh-transport");
        assertThat(model.deploys.get()).isZero();
    }

    @Test
    void overATransportWithoutJujuPlanningNamesTheTransportThatCan() {
        transport.model(null);
        assertThatThrownBy(() -> client.planRestore(backup, fast().build()))
                .isInstanceOf(UnsupportedByTransportException.class)
                .hasMessageContaining("etcd-backup-juju-cli-transport");
    }

    @Test
    void optionsRefuseHostileNamesAndARestoreIntoTheSourceItself() {
        assertThatThrownBy(() -> RestoreOptions.juju().targetApplication("etcd").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RestoreOptions.juju().targetApplication("x; rm -rf /").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RestoreOptions.juju().channel("--force").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> RestoreOptions.juju().units(0).build())
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void aDurationThatIsNotPositiveIsRefusedUnderItsOwnName() {
        assertThatThrownBy(() -> RestoreOptions.juju().settleTimeout(Duration.ZERO).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("settle timeout");
        assertThatThrownBy(() -> RestoreOptions.juju().pollInterval(Duration.ofSeconds(-1)).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("poll interval");
    }
}
