package io.github.etcdbackup.examples;

import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.metrics.EtcdBackupMetrics;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.store.s3.S3Server;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.ActionResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every example, run against the simulator, so that none rots. They share one model, in order. */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplesTest {
    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static Path backups;

    @BeforeAll
    static void startModel() throws InterruptedException {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deployCharmedKubernetes(3);
        sim.putCommitted("etcd/0", Map.of("/registry/pods/default/a", "1", "/registry/pods/default/b", "2"));
        backups = work.resolve("backups");
    }

    @AfterAll
    static void stopModel() {
        sim.close();
    }

    @Test
    @Order(1)
    void backupThroughJujuWritesAVerifiedArchive() {
        LocalSnapshot backup = BackupThroughJuju.backup(sim.jujuExecutable(), backups);
        assertThat(backup.verify().source().unit()).isEqualTo(sim.leader("etcd"));
    }

    @Test
    @Order(1)
    void backupWithMetricsRecordsTheBackupAndTheVerification() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BackupWithMetrics.backup(sim.jujuExecutable(), work.resolve("metered"), registry);
        assertThat(registry.get(EtcdBackupMetrics.OPERATIONS).tags("operation", "backup", "outcome", "success")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get(EtcdBackupMetrics.STORE_ARCHIVES).tags("status", "ok").gauge().value()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void healthCheckJudgesEveryMember() {
        HealthReport report = HealthCheck.check(sim.jujuExecutable(), "etcd/0");
        assertThat(report.members()).hasSize(3);
        assertThat(report.allMembersHealthy()).isTrue();

        sim.stopEtcd("etcd/2");
        try {
            // etcdctl 3.4 exits 5 ("cluster is degraded"); the charm's health action then returns its own text.
            HealthReport degraded = HealthCheck.check(sim.jujuExecutable(), "etcd/0");
            assertThat(degraded.format()).isEqualTo(HealthReport.Format.CHARM_ERROR);
            assertThat(degraded.allMembersHealthy()).isFalse();
        } finally {
            sim.startEtcd("etcd/2");
        }
    }

    @Test
    @Order(3)
    void runCharmActionReturnsEveryTask() {
        List<ActionResult> results = RunCharmAction.run(sim.jujuExecutable(), "health", List.of("etcd/0", "etcd/1"));
        assertThat(results).extracting(r -> r.unit().orElseThrow()).containsExactly("etcd/0", "etcd/1");
        assertThat(results).allMatch(ActionResult::succeeded);
    }

    @Test
    @Order(4)
    void storeMaintenanceChecksAndDrillsTheBackups() {
        assertThat(StoreMaintenance.maintain(backups, false)).isTrue();
        assertThat(SnapshotStore.open(backups).list()).hasSize(1);
    }

    @Test
    @Order(4)
    void encryptedBackupsOpenWithTheirIdentityAndPlanARestore() throws Exception {
        Path key = work.resolve("ops-key.txt");
        assertThat(new ProcessBuilder("age-keygen", "-o", key.toString()).start().waitFor()).isZero();
        Process publicKey = new ProcessBuilder("age-keygen", "-y", key.toString()).start();
        String recipient = new String(publicKey.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        Path encrypted = work.resolve("encrypted");

        LocalSnapshot backup = EncryptedBackups.backup(sim.jujuExecutable(), encrypted, recipient);
        RestorePlan plan = EncryptedBackups.check(sim.jujuExecutable(), encrypted, key);

        assertThat(backup.encrypted()).isTrue();
        assertThat(plan).isNotNull();
        assertThat(plan.steps()).anySatisfy(step -> assertThat(step).isInstanceOfSatisfying(
                RestoreStep.AttachSnapshot.class, attach -> assertThat(attach.decryptedFrom()).isPresent()));
    }

    @Test
    @Order(4)
    void offSiteCopiesReachTheBucketVerifiedAndComeBack() throws Exception {
        try (S3Server s3 = S3Server.start(Files.createDirectories(work.resolve("s3")))) {
            s3.createBucket("offsite");
            Path dir = work.resolve("offsite-local");

            LocalSnapshot back = OffSiteCopies.nightly(sim.jujuExecutable(), dir, s3.endpoint(), "offsite",
                    S3Server.ACCESS_KEY, S3Server.SECRET_KEY);

            try (S3SnapshotStore bucket = s3.store("offsite").prefix("etcd/prod").build()) {
                // Two snapshots of an unchanged key space taken in one second are the same archive, kept once.
                assertThat(bucket.list()).isNotEmpty().allSatisfy(s -> {
                    assertThat(s.source().unit()).isEqualTo(sim.leader("etcd"));
                    assertThat(bucket.verify(s).problems()).isEmpty();
                });
                assertThat(bucket.list()).extracting(StoredSnapshot::name).contains(back.name());
            }
            assertThat(back.verify().file()).startsWith(dir);
            assertThat(SnapshotStore.open(dir).list()).extracting(StoredSnapshot::name).contains(back.name());
            assertThat(SnapshotStore.open(dir).drill(back).keyCount()).isEqualTo(2);
        }
    }

    @Test
    @Order(5)
    void restoreDryRunChangesNothingAndTheRestoreBringsTheKeysBack() {
        assertThat(RestoreIntoNewApplication.restore(sim.jujuExecutable(), backups, true, Duration.ofMillis(200)))
                .isNull();
        RestoreReport report = RestoreIntoNewApplication.restore(sim.jujuExecutable(), backups, false,
                Duration.ofMillis(200));
        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(sim.unit("new-etcd/0").count("/registry/")).isEqualTo(2);
    }
}
