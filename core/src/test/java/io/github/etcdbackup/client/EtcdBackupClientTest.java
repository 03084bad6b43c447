package io.github.etcdbackup.client;

import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;

import io.github.etcdbackup.internal.download.SnapshotManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EtcdBackupClientTest {
    @TempDir
    Path dir;
    @TempDir
    Path work;

    @Test
    void aMissingTransportNamesBothTransportArtifactsAndBuilders() {
        assertThatThrownBy(() -> EtcdBackupClient.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("etcd-backup-juju-cli-transport")
                .hasMessageContaining("JujuCliTransport.create()")
                .hasMessageContaining("etcd-backup-ssh-transport")
                .hasMessageContaining("SshTransport.builder()");
    }

    @Test
    void theDefaultDeadlineIsFiniteAndATimeoutMustBePositive() {
        try (EtcdBackupClient client = EtcdBackupClient.create(new FakeTransport())) {
            assertThat(client.timeout()).isEqualTo(Duration.ofMinutes(15));
        }
        assertThatThrownBy(() -> EtcdBackupClient.builder().timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void itsStringSaysWhichTransportAndModelItWorksThrough() {
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(new FakeTransport())
                .timeout(Duration.ofMinutes(3)).build()) {
            assertThat(client).hasToString("EtcdBackupClient[transport=fake, model=k8s, timeout=PT3M]");
        }
    }

    @Test
    void aBackupReportsItsStepsInOrder() {
        List<BackupEvent> events = new ArrayList<>();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(new FakeTransport())
                .listener(events::add).build()) {
            client.backup("etcd/0", dir);
        }
        List<String> kinds = events.stream()
                .filter(e -> !(e instanceof BackupEvent.BytesTransferred))
                .map(e -> e.getClass().getSimpleName()
                        + (e instanceof BackupEvent.StepStarted s ? ":" + s.step() : "")
                        + (e instanceof BackupEvent.StepCompleted s ? ":" + s.step() : ""))
                .toList();
        assertThat(kinds).containsExactly("Started", "StepStarted:snapshot", "StepCompleted:snapshot",
                "StepStarted:download", "ArchiveSaved", "StepCompleted:download", "StepStarted:remove the unit's copy",
                "StepCompleted:remove the unit's copy", "UnitArchiveRemoved", "Completed");
        assertThat(events.get(0).operation()).isEqualTo("backup etcd/0");
        assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(BackupEvent.BytesTransferred.class));
        assertThat(events).filteredOn(BackupEvent.ArchiveSaved.class::isInstance).singleElement()
                .satisfies(e -> {
                    BackupEvent.ArchiveSaved saved = (BackupEvent.ArchiveSaved) e;
                    assertThat(saved.unit()).isEqualTo("etcd/0");
                    assertThat(saved.sizeBytes()).isPositive();
                    assertThat(saved.encrypted()).isFalse();
                });
    }

    @Test
    void aV2BackupIsOneCallAndItsKeysVersionIsInTheResultAndTheManifest() throws Exception {
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v2Archive(TestArchives.bboltLikeDb(10_000, 3), work));
        SnapshotRequest request = SnapshotRequest.builder().unit("etcd/1").keysVersion(KeysVersion.V2)
                .target("/var/snap/etcd/common/backups").build();
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            LocalSnapshot local = client.backup(request, dir);

            assertThat(local.source().keysVersion()).isEqualTo(KeysVersion.V2);
            assertThat(local.source().unit()).isEqualTo("etcd/1");
            assertThat(local.source().remotePath()).startsWith("/var/snap/etcd/common/backups/");
            LocalSnapshotStore store = SnapshotStore.open(dir);
            assertThat(store.list()).singleElement()
                    .satisfies(listed -> assertThat(listed.source().keysVersion()).isEqualTo(KeysVersion.V2));
            assertThat(Files.readString(SnapshotManifest.pathOf(local.file()))).contains("keysVersion=V2");
            assertThat(store.verifyAll()).singleElement().satisfies(check -> assertThat(check.ok()).isTrue());
        }
    }

    @Test
    void aFailureIsReportedOnceAndRethrown() {
        List<BackupEvent> events = new ArrayList<>();
        FakeTransport transport = new FakeTransport();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport).listener(events::add).build()) {
            Snapshot snapshot = client.snapshot("etcd/0");
            transport.flipByteInNextStreamAt(10);
            events.clear();
            assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(ChecksumMismatchException.class);
        }
        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(BackupEvent.Failed.class,
                f -> assertThat(f.error()).isInstanceOf(ChecksumMismatchException.class));
        assertThat(events).filteredOn(BackupEvent.Completed.class::isInstance).isEmpty();
    }

    @Test
    void aListenerThatThrowsNeverBreaksTheBackup() {
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(new FakeTransport())
                .listener(event -> {
                    throw new IllegalStateException("broken listener");
                }).build()) {
            assertThat(client.backup("etcd/0", dir).verify()).isNotNull();
        }
    }

    @Test
    void theSnapshotCarriesTheClientsTiming() {
        try (EtcdBackupClient client = EtcdBackupClient.create(new FakeTransport())) {
            Snapshot snapshot = client.snapshot(SnapshotRequest.builder().unit("etcd/leader")
                    .keysVersion(KeysVersion.V2).timeout(Duration.ofSeconds(5)).build());
            assertThat(snapshot.unit()).isEqualTo("etcd/0");
            assertThat(snapshot.keysVersion()).isEqualTo(KeysVersion.V2);
            assertThat(snapshot.takenAt()).isBeforeOrEqualTo(java.time.Instant.now());
            assertThat(snapshot.elapsed()).isPositive();
        }
    }

    @Test
    void healthIsParsedAndJudgedPerUnit() {
        FakeTransport transport = new FakeTransport();
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            assertThat(client.health(List.of("etcd/0", "etcd/1")))
                    .extracting(HealthReport::unit, HealthReport::allMembersHealthy)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("etcd/0", true),
                            org.assertj.core.groups.Tuple.tuple("etcd/1", true));
            transport.healthText(FakeTransport.HEALTHY.replaceFirst("is healthy: got healthy",
                    "is unhealthy: got unhealthy"));
            assertThat(client.health("etcd/0").allMembersHealthy()).isFalse();
            assertThatThrownBy(() -> client.health(List.of("etcd/0", "etcd/0 && id")))
                    .isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void statusOverATransportWithoutJujuNamesTheTransportThatCan() {
        try (EtcdBackupClient client = EtcdBackupClient.create(new FakeTransport())) {
            assertThatThrownBy(client::status)
                    .isInstanceOfSatisfying(UnsupportedByTransportException.class, e -> {
                        assertThat(e.operation()).isEqualTo("status");
                        assertThat(e.transport()).isEqualTo("fake");
                    })
                    .hasMessageContaining("etcd-backup-juju-cli-transport");
        }
    }

    @Test
    void closeClosesTheTransportOnceAndAClosedClientRefusesWork() {
        FakeTransport transport = new FakeTransport();
        EtcdBackupClient client = EtcdBackupClient.create(transport);
        client.close();
        client.close();
        assertThat(transport.closes()).isEqualTo(1);
        assertThatThrownBy(() -> client.snapshot("etcd/0")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void exceptionsCarryTheirDataAndBoundTheirMessages() {
        String hugeStderr = "x".repeat(100_000) + "the real error";
        ActionFailedException failed = new ActionFailedException("etcd/1", "18", "failed",
                "This action can only be run on the leader unit", null, hugeStderr);
        assertThat(failed.unit()).isEqualTo("etcd/1");
        assertThat(failed.actionId()).contains("18");
        assertThat(failed.returnCode()).isEmpty();
        assertThat(failed.stderrTail()).endsWith("the real error").hasSizeLessThan(5000);
        assertThat(failed.getMessage()).contains("leader unit").hasSizeLessThan(2000);

        OutputParseException parse = new OutputParseException("not YAML", hugeStderr, null);
        assertThat(parse.rawOutput()).hasSize(hugeStderr.length());
        assertThat(parse.getMessage()).hasSizeLessThan(3000);

        TransportException transport = new TransportException("juju-cli", "juju exited 1", 1, hugeStderr, null);
        assertThat(transport.exitCode()).hasValue(1);
        assertThat(transport.getMessage()).hasSizeLessThan(2000).contains("the real error");

        RestoreRefusedException refused = new RestoreRefusedException("new-etcd has 3 units",
                "deploy a fresh application with one unit");
        assertThat(refused.whatToDoInstead()).isEqualTo("deploy a fresh application with one unit");
        assertThat(refused.getMessage()).contains("new-etcd has 3 units", "deploy a fresh application");
    }
    @Test
    void aBackupDirectoryThatCannotBeMadeFailsBeforeTheUnitIsAsked() throws Exception {
        FakeTransport transport = new FakeTransport();
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            assertThatThrownBy(() -> client.backup("etcd/0", file.resolve("backups")))
                    .isInstanceOf(LocalStorageException.class).hasMessageContaining("backup directory");
            assertThatThrownBy(() -> client.backup("etcd/0", file)).isInstanceOf(LocalStorageException.class);
        }
        assertThat(transport.snapshots()).isZero();
    }

    @Test
    void anArchiveLargerThanTheFreeSpaceIsNotDownloaded() {
        FakeTransport transport = new FakeTransport();
        transport.reportedSize("900T");
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            assertThatThrownBy(() -> client.backup("etcd/0", dir)).isInstanceOf(LocalStorageException.class)
                    .hasMessageContaining("not enough room");
        }
        assertThat(transport.opened()).isZero();
    }
}
