package io.github.etcdbackup;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.testing.FakeHosts;
import io.github.etcdbackup.testing.FakeModel;
import io.github.etcdbackup.testing.FakeTransport;

import io.github.etcdbackup.internal.restore.RestoreJournal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files that outlive an upgrade, as an earlier version wrote them (see {@code formats/README.md}): restore journals
 * and a backup directory (archives, {@code .sha256}, {@code .manifest}). Today's code must still read and finish
 * them. Renaming a field of a {@link io.github.etcdbackup.restore.RestoreStep} record (the journal stores the field
 * names) or a manifest key
 * fails here, not in a user's resume at 3 a.m.; a deliberate format change gets a new fixture directory and keeps
 * this one passing.
 */
@Timeout(60)
class FormatCompatibilityTest {
    private static final String V3_ARCHIVE = "k8s_etcd-0_etcd-snapshot-2024-03-12-10.15.01_3267da54aea3.tar.gz";
    private static final String V2_ARCHIVE = "k8s_etcd-0_etcd-snapshot-2024-03-12-10.15.02_dd1e2a3bd8c0.tar.gz";
    /**
     * A journal holds the archive's absolute path, as a user's does. The fixture was written with the archives in a
     * temporary directory and that directory was then replaced by this placeholder; each test puts back the
     * directory it copied the archives into. Values in a journal are URL-encoded, so the encoded forms are replaced.
     */
    private static final String DIR_PLACEHOLDER = "/ETCD_BACKUP_FIXTURE_DIR";
    private static final String THREE_HEALTHY = """
            member 1 is healthy: got healthy result from https://10.0.0.10:2379
            member 2 is healthy: got healthy result from https://10.0.0.11:2379
            member 3 is healthy: got healthy result from https://10.0.0.12:2379
            cluster is healthy
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void copyTheFixture() throws IOException, URISyntaxException {
        Path fixture = Path.of(FormatCompatibilityTest.class.getResource("/formats/v1").toURI());
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path file : files.toList()) {
                Files.copy(file, dir.resolve(file.getFileName().toString()));
            }
        }
        for (String journal : List.of("juju.journal", "ssh.journal")) {
            Path file = dir.resolve(journal);
            String text = Files.readString(file, StandardCharsets.UTF_8).replace(encoded(DIR_PLACEHOLDER),
                    encoded(dir.toAbsolutePath().toString()));
            assertThat(text).as("every archive path was substituted").doesNotContain("ETCD_BACKUP_FIXTURE_DIR");
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Test
    void aJujuJournalOfFormat1WithEveryJujuStepTypeResumesToTheEnd() {
        FakeModel model = FakeModel.charmedKubernetes("kubernetes-control-plane");
        FakeTransport transport = new FakeTransport();
        transport.model(model);
        Path journal = dir.resolve("juju.journal");

        RestorePlan plan = RestoreJournal.read(journal).plan();
        assertThat(plan.snapshot().file()).isEqualTo(dir.resolve(V3_ARCHIVE).toAbsolutePath());
        assertThat(plan.steps()).extracting(step -> step.getClass().getSimpleName()).containsExactly(
                "VerifyArchive", "Deploy", "Integrate", "AttachSnapshot", "AwaitUnits", "RunRestore", "CopyToLeader",
                "ReplayV2Keys", "Integrate", "Integrate", "AddUnits", "AwaitUnits", "CheckHealth");

        RestoreReport report = EtcdBackupClient.create(transport).resume(journal);

        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(report.outcomes().get(0).elapsed()).as("the verification the journal says ended")
                .isEqualTo(Duration.ofMillis(12));
        assertThat(model.deploys.get()).isEqualTo(1);
        assertThat(model.restores.get()).isEqualTo(1);
        assertThat(model.copied).containsOnlyKeys("new-etcd/0:/home/ubuntu/etcd-backup-v2-dd1e2a3bd8c0a21b.tar.gz");
        assertThat(model.replays).containsExactly("new-etcd/0");
        assertThat(model.apps.get("new-etcd").units).isEqualTo(3);
    }

    @Test
    void anSshJournalOfFormat1WithEverySshStepTypeResumesToTheEnd() {
        FakeHosts hosts = FakeHosts.of(3, "3.4.23");
        FakeTransport transport = new FakeTransport();
        transport.hosts(hosts);
        transport.healthText(THREE_HEALTHY);
        Path journal = dir.resolve("ssh.journal");

        assertThat(RestoreJournal.read(journal).plan().steps()).extracting(step -> step.getClass().getSimpleName())
                .containsExactly("VerifyArchive", "UploadArchive", "UploadArchive", "UploadArchive", "StopService",
                        "RestoreMember", "StopService", "RestoreMember", "StopService", "RestoreMember",
                        "StartService", "StartService", "StartService", "AwaitHealthy");

        RestoreReport report = EtcdBackupClient.create(transport).resume(journal);

        assertThat(report.completed()).as(report.describe()).isTrue();
        assertThat(hosts.calls).containsExactly("upload etcd/0", "upload etcd/1", "upload etcd/2",
                "stop etcd/0", "restore etcd/0", "stop etcd/1", "restore etcd/1", "stop etcd/2", "restore etcd/2",
                "start etcd/0", "start etcd/1", "start etcd/2");
        assertThat(hosts.restored.values()).extracting(m -> m.clusterToken()).containsOnly("restored-1");
    }

    @Test
    void aBackupDirectoryWithManifestsOfFormat1IsListedAndVerified() {
        LocalSnapshotStore store = SnapshotStore.open(dir);

        List<LocalSnapshot> listed = store.list();

        assertThat(listed).extracting(s -> s.file().getFileName().toString()).containsExactly(V3_ARCHIVE, V2_ARCHIVE);
        LocalSnapshot v3 = listed.get(0);
        assertThat(v3.sha256()).isEqualTo("3267da54aea35159fc45ef0cdc57a8f342356fbf98597d1e61a43d498c913adf");
        assertThat(v3.sizeBytes()).isEqualTo(4312);
        assertThat(v3.source().unit()).isEqualTo("etcd/0");
        assertThat(v3.source().actionId()).contains("1");
        assertThat(v3.source().remotePath())
                .isEqualTo("/home/ubuntu/etcd-snapshots/etcd-snapshot-2024-03-12-10.15.01.tar.gz");
        assertThat(v3.source().keysVersion()).isEqualTo(KeysVersion.V3);
        assertThat(v3.source().etcdctlVersion()).isEqualTo("3.4.23");
        assertThat(v3.source().apiVersion()).isEqualTo("3.4");
        assertThat(v3.source().sizeText()).isEqualTo("5K");
        assertThat(v3.source().takenAt()).isEqualTo(Instant.parse("2026-12-04T18:57:04.747336908Z"));
        assertThat(v3.source().elapsed()).isEqualTo(Duration.parse("PT0.029008103S"));
        assertThat(store.modelOf(v3)).isEqualTo("k8s");
        assertThat(listed.get(1).source().keysVersion()).isEqualTo(KeysVersion.V2);

        assertThat(store.verifyAll()).hasSize(2).allSatisfy(check -> assertThat(check.problems()).isEmpty());
    }
}
