package io.github.etcdbackup.metrics;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.PublicApiCheck;
import io.github.etcdbackup.testing.TestArchives;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The meters a SimpleMeterRegistry holds after real client operations (over the in-memory transport). */
@Timeout(60)
class EtcdBackupMetricsTest {
    @TempDir
    Path dir;
    @TempDir
    Path work;

    @Test
    void aBackupRecordsItsDurationSizeAndLastSuccessAndAFailureItsExceptionType() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EtcdBackupMetrics metrics = EtcdBackupMetrics.on(registry);
        FakeTransport transport = new FakeTransport();
        long before = Instant.now().getEpochSecond();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport).listener(metrics).build()) {
            client.backup("etcd/0", dir);
            transport.flipByteInNextStreamAt(10);
            assertThatThrownBy(() -> client.backup(SnapshotRequest.builder().unit("etcd/1").build(), dir))
                    .isInstanceOf(ChecksumMismatchException.class);
        }

        assertThat(registry.get(EtcdBackupMetrics.OPERATIONS)
                .tags("operation", "backup", "outcome", "success", "exception", "none").timer().count()).isEqualTo(1);
        assertThat(registry.get(EtcdBackupMetrics.OPERATIONS).tags("operation", "backup", "outcome", "failure",
                "exception", "ChecksumMismatchException").timer().count()).isEqualTo(1);
        assertThat(registry.get(EtcdBackupMetrics.ARCHIVE_SIZE).tags("application", "etcd", "encrypted", "false")
                .summary().count()).as("the failed backup saved nothing").isEqualTo(1);
        assertThat(registry.get(EtcdBackupMetrics.LAST_SUCCESS).tags("application", "etcd").gauge().value())
                .isGreaterThanOrEqualTo(before);
    }

    @Test
    void instancesOnOneRegistryShareTheGaugesAndTheyNeverTurnNaN() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        for (String unit : new String[] {"etcd/0", "etcd/2"}) {
            // A new instance per run, as a job that builds its client each night would.
            EtcdBackupMetrics metrics = EtcdBackupMetrics.on(registry);
            metrics.onEvent(new BackupEvent.ArchiveSaved("backup etcd/leader", unit, dir.resolve("a").toString(), 10,
                    "0".repeat(64), false, Instant.ofEpochSecond(unit.equals("etcd/0") ? 1000 : 2000)));
        }
        System.gc();
        assertThat(registry.get(EtcdBackupMetrics.LAST_SUCCESS).tags("application", "etcd").gauge().value())
                .as("the leader moved from etcd/0 to etcd/2; the series goes on").isEqualTo(2000);
        EtcdBackupMetrics.on(registry).recordVerification(List.of());
        System.gc();
        assertThat(registry.get(EtcdBackupMetrics.STORE_ARCHIVES).tags("status", "ok").gauge().value()).isZero();
    }

    @Test
    void aVerificationSetsTheStoreGauges() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EtcdBackupMetrics metrics = EtcdBackupMetrics.on(registry);
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 1), work));
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            client.backup("etcd/0", dir);
            client.backup("etcd/1", dir);
        }
        Files.writeString(dir.resolve("stray.tar.gz"), "not an archive");
        metrics.recordVerification(SnapshotStore.open(dir).verifyAll());

        assertThat(registry.get(EtcdBackupMetrics.STORE_ARCHIVES).tags("status", "ok").gauge().value()).isEqualTo(2);
        assertThat(registry.get(EtcdBackupMetrics.STORE_ARCHIVES).tags("status", "problem").gauge().value())
                .isEqualTo(1);
    }

    @Test
    void thePublicApiNamesOnlyMicrometersRegistryBesideTheLibraryAndTheJdk() {
        assertThat(PublicApiCheck.violations(EtcdBackupMetrics.class, List.of("io.micrometer.core.instrument.")))
                .isEmpty();
    }
}
