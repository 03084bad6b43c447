package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.spi.ModelOperations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The restore procedure's model commands: argv for Juju 2.9 and 3.x, and Juju's refusals. */
@Timeout(60)
class ModelOperationsTest {
    @TempDir
    Path dir;

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    private static ModelOperations model(FakeJuju juju, String modelName) {
        JujuCliTransport.Builder builder = JujuCliTransport.builder().executable(juju.executable());
        if (modelName != null) {
            builder.model(modelName);
        }
        return builder.build().model().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.9", "3.x"})
    void restoreProcedureCommandsForBothDialects(String dialect) throws IOException {
        boolean juju3 = dialect.equals("3.x");
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).jujuVersion(dialect);
        ModelOperations model = model(juju, "k8s");
        Path archive = Files.writeString(dir.resolve("etcd-snapshot.tar.gz"), "x");
        Map<String, String> config = new LinkedHashMap<>();
        config.put("channel", "3.4/stable");

        model.deploy("etcd", "new-etcd", "1.29/stable", "ubuntu@22.04", config, deadline());
        model.deploy("etcd", "new-etcd", "", "focal", Map.of(), deadline());
        model.attachResource("new-etcd", "snapshot", archive, deadline());
        model.integrate("new-etcd", "easyrsa:client", deadline());
        model.addUnit("new-etcd", 2, deadline());
        model.removeApplication("new-etcd", deadline());

        String base = juju3 ? "--base" : "--series";
        assertThat(juju.commands()).containsExactly(
                List.of("deploy", "-m", "k8s", "etcd", "new-etcd", "--channel", "1.29/stable", base,
                        juju3 ? "ubuntu@22.04" : "jammy", "--config", "channel=3.4/stable"),
                List.of("deploy", "-m", "k8s", "etcd", "new-etcd", base, juju3 ? "ubuntu@20.04" : "focal"),
                List.of("attach-resource", "-m", "k8s", "new-etcd", "snapshot=" + archive.toAbsolutePath()),
                List.of(juju3 ? "integrate" : "add-relation", "-m", "k8s", "new-etcd", "easyrsa:client"),
                List.of("add-unit", "-m", "k8s", "new-etcd", "-n", "2"),
                juju3 ? List.of("remove-application", "-m", "k8s", "new-etcd", "--no-prompt")
                        : List.of("remove-application", "-m", "k8s", "new-etcd"));
    }

    @Test
    void copiesToAUnitAndRunsAScriptAsRootWithArgvOnly() throws IOException {
        FakeJuju juju = new FakeJuju(dir.resolve("juju")).jujuVersion("3.x")
                .answerFor("ssh", "replayed 2 v2 keys\n", "", 0);
        ModelOperations model = model(juju, "k8s");
        Path archive = Files.writeString(dir.resolve("etcd-snapshot-v2.tar.gz"), "x");
        String script = "echo \"$HOME\"; exit 0\n";

        model.copyToUnit("new-etcd/0", archive, "/home/ubuntu/etcd-snapshot-v2.tar.gz", deadline());
        String out = model.runAsRoot("new-etcd/0", script, deadline());

        assertThat(out).isEqualTo("replayed 2 v2 keys\n");
        // The unit's shell splits the words juju ssh joins: the script is one single-quoted word.
        assertThat(juju.commands()).containsExactly(
                List.of("scp", "-m", "k8s", "--", archive.toAbsolutePath().toString(),
                        "new-etcd/0:/home/ubuntu/etcd-snapshot-v2.tar.gz"),
                List.of("ssh", "-m", "k8s", "--pty=false", "new-etcd/0", "--", "sudo", "bash", "-c",
                        "'echo \"$HOME\"; exit 0\n'"));
        assertThatThrownBy(() -> model.copyToUnit("new-etcd/0", archive, "/home/ubuntu/a b;rm -rf ~", deadline()))
                .isInstanceOf(io.github.etcdbackup.exception.InvalidInputException.class);
        assertThatThrownBy(() -> model.runAsRoot("-oProxyCommand=x", script, deadline()))
                .isInstanceOf(io.github.etcdbackup.exception.InvalidInputException.class);
        assertThat(juju.commands()).hasSize(2);
    }

    @Test
    void runRestoreUsesTheDialectAndReturnsFlattenedResults() {
        String output = """
                etcd/0:
                  id: "4"
                  results:
                    backup:
                      path: /home/ubuntu/etcd-data-20240521-140830.tar.gz
                      sha256sum: abc
                    return-code: 0
                  status: completed
                  unit: etcd/0
                """;
        FakeJuju juju = new FakeJuju(dir).answer(output, "", 0);
        Map<String, String> results = model(juju, null).runRestore("etcd/leader", Map.of("skip-backup", "false"),
                Deadline.after(Duration.ofSeconds(100)));
        assertThat(results).containsExactly(
                Map.entry("backup.path", "/home/ubuntu/etcd-data-20240521-140830.tar.gz"),
                Map.entry("backup.sha256sum", "abc"));
        assertThat(juju.command()).startsWith("run", "etcd/leader", "restore", "skip-backup=false")
                .endsWith("--format", "yaml");
    }

    @Test
    void restoreRefusedOnANonLeaderIsAnActionFailure() {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answer29(Fixtures.text("2.9-run-action-restore-not-leader.yaml"), "", 0);
        assertThatThrownBy(() -> model(juju, null).runRestore("etcd/1", Map.of(), deadline()))
                .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                    assertThat(e.actionMessage()).isEqualTo("This action can only be run on the leader unit");
                    assertThat(e.unit()).isEqualTo("etcd/1");
                });
        assertThat(juju.commands().get(0)).startsWith("run-action", "etcd/1", "restore");
    }

    @Test
    void configReturnsTheRawValue() {
        FakeJuju juju = new FakeJuju(dir).answer("auto\n", "", 0);
        assertThat(model(juju, "k8s").config("etcd", "channel", deadline())).isEqualTo("auto");
        assertThat(juju.command()).containsExactly("config", "-m", "k8s", "etcd", "channel");
    }

    @Test
    void uploadedResourceFingerprintIgnoresTheStorePlaceholder() {
        String resources = """
                resources:
                - name: snapshot
                  type: file
                  path: snapshot.tar.gz
                  revision: "0"
                  fingerprint: 0a1b2c
                  size: 1024
                  origin: upload
                - name: etcd
                  type: file
                  revision: "3"
                  fingerprint: ffff
                  origin: store
                """;
        FakeJuju juju = new FakeJuju(dir).answer(resources, "", 0);
        ModelOperations model = model(juju, null);
        assertThat(model.uploadedResourceFingerprint("new-etcd", "snapshot", deadline())).hasValue("0a1b2c");
        assertThat(model.uploadedResourceFingerprint("new-etcd", "etcd", deadline())).isEmpty();
        assertThatThrownBy(() -> model.uploadedResourceFingerprint("new-etcd", "core", deadline()))
                .isInstanceOf(OutputParseException.class);
        assertThat(juju.commands().get(0)).containsExactly("resources", "new-etcd", "--format", "yaml");
    }

    @Test
    void refusedCommandsAreTransportErrorsWithJujusText() {
        String stderr = "ERROR cannot add relation \"new-etcd:db calico:etcd\": relation new-etcd:db calico:etcd"
                + " (already exists): \n\nUse 'juju status --relations' to view the current relations.\n";
        FakeJuju juju = new FakeJuju(dir).answer("", stderr, 1);
        assertThatThrownBy(() -> model(juju, null).integrate("new-etcd:db", "calico:etcd", deadline()))
                .isInstanceOfSatisfying(TransportException.class, e -> {
                    assertThat(e.exitCode()).hasValue(1);
                    assertThat(e.stderrTail()).contains("already exists");
                    assertThat(e.getMessage()).contains("juju integrate");
                });
    }
}
