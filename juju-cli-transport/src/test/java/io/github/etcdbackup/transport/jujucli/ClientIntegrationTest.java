package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transport under the core client: snapshot, verified download and health, through the fake juju. */
@Timeout(60)
class ClientIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void backupSnapshotsStreamsAndVerifies() throws Exception {
        byte[] archive = new byte[200_000];
        for (int i = 0; i < archive.length; i++) {
            archive[i] = (byte) (i * 7 + 3);
        }
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        String output = Fixtures.text("3.x-run-snapshot-v3.yaml")
                .replace("75dd6a52e54ba10642ca9fd1375acbcfb3cd84da0f179df32be9e4a2285046d3", sha256);
        FakeJuju juju = new FakeJuju(dir.resolve("juju"))
                .answerFor("run", output.getBytes(StandardCharsets.UTF_8))
                .answerFor("ssh", archive);
        Path downloads = Files.createDirectories(dir.resolve("downloads"));
        JujuCliTransport transport = JujuCliTransport.builder().executable(juju.executable()).model("k8s")
                .environment(Map.of("JUJU_DATA", "/srv/juju-data")).build();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMinutes(1)).build()) {
            LocalSnapshot local = client.backup("etcd/0", downloads);
            assertThat(local.sha256()).isEqualTo(sha256);
            assertThat(Files.readAllBytes(local.file())).isEqualTo(archive);
            assertThat(local.source().archiveName()).isEqualTo("etcd-snapshot-2024-05-21-14.02.11.tar.gz");
        }
        assertThat(juju.lastJujuData()).isEqualTo("/srv/juju-data");
        List<List<String>> commands = juju.commands();
        assertThat(commands).hasSize(3);
        assertThat(commands.get(0)).startsWith("run", "-m", "k8s", "etcd/0", "snapshot", "keys-version=v3",
                "target=/home/ubuntu/etcd-snapshots");
        assertThat(commands.get(1)).containsExactly("ssh", "-m", "k8s", "--pty=false", "etcd/0", "--", "sudo", "cat",
                "'/home/ubuntu/etcd-snapshots/etcd-snapshot-2024-05-21-14.02.11.tar.gz'");
        // Then the unit's copy is removed (this fake answers every ssh with the archive: the removal is reported as
        // kept, and the backup stands).
        assertThat(commands.get(2)).startsWith("ssh", "-m", "k8s", "--pty=false", "etcd/0", "--", "sudo", "bash", "-c");
        assertThat(commands.get(2).get(9)).contains("etcd-snapshot-2024-05-21-14.02.11.tar.gz", sha256);
    }

    @Test
    void healthJudgesEveryMember() {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answer29(Fixtures.text("2.9-run-action-health-legacy-result-map.yaml"), "", 0);
        try (EtcdBackupClient client = EtcdBackupClient.create(juju.transport())) {
            HealthReport report = client.health("etcd/0");
            assertThat(report.members()).hasSize(3);
            assertThat(report.allMembersHealthy()).isTrue();
            // The same text read as a model status is a parse error, never an empty model.
            assertThatThrownBy(client::status).isInstanceOf(OutputParseException.class);
        }
        List<List<String>> commands = juju.commands();
        assertThat(commands).hasSize(3);
        assertThat(commands.get(0)).containsExactly("run-action", "etcd/0", "health", "--format", "yaml");
        assertThat(commands.get(1)).hasSize(5).startsWith("show-action-output").endsWith("--format", "yaml");
        assertThat(commands.get(1).get(2)).matches("--wait=\\d+s");
        assertThat(commands.get(2)).containsExactly("status", "--format", "yaml");
    }
}
