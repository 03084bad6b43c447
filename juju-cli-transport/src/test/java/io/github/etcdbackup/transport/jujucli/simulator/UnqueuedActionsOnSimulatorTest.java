package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An action Juju could not queue (a unit that does not exist, parameters the charm's schema refuses) exits 0 in
 * both dialects: 2.9 prints an {@code errors} map on stdout, 3.x its error on stderr. Through the public API it is
 * a typed error naming the unit with Juju's own words, never a parse error and never "failed (exit code 0)".
 */
@Timeout(120)
class UnqueuedActionsOnSimulatorTest {
    @TempDir
    Path work;

    @ParameterizedTest(name = "Juju {0}")
    @ValueSource(strings = {"2.9.45", "3.4.2"})
    void aSnapshotAndAHealthCheckOfAMissingUnitAreTypedErrorsNamingIt(String jujuVersion) {
        try (JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work).build()) {
            sim.deploy("etcd", 1);
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                    .executable(sim.jujuExecutable()).build()).timeout(Duration.ofMinutes(1)).build()) {
                assertThatThrownBy(() -> client.snapshot("etcd/7"))
                        .isInstanceOf(TransportException.class).isNotInstanceOf(OutputParseException.class)
                        .hasMessageContaining("queued no 'snapshot' task on etcd/7")
                        .hasMessageContaining("not found")
                        .hasMessageNotContaining("failed (exit code 0)");
                assertThatThrownBy(() -> client.health("etcd/7"))
                        .isInstanceOf(TransportException.class)
                        .hasMessageContaining("queued no 'health' task on etcd/7");
            }
        }
    }

    @ParameterizedTest(name = "Juju {0}")
    @ValueSource(strings = {"2.9.45", "3.4.2"})
    void aParameterTheCharmsSchemaRefusesIsATypedErrorAndNothingRuns(String jujuVersion) {
        try (JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work).build()) {
            sim.deploy("etcd", 1);
            try (JujuCliTransport transport = JujuCliTransport.builder().executable(sim.jujuExecutable()).build()) {
                // Juju reads the word 12 as the YAML integer 12; the charm declares target a string (actions.yaml).
                assertThatThrownBy(() -> transport.runAction(List.of("etcd/0"), "snapshot", Map.of("target", "12"),
                        Duration.ofMinutes(1)))
                        .isInstanceOf(TransportException.class).isNotInstanceOf(OutputParseException.class)
                        .hasMessageContaining("queued no 'snapshot' task on etcd/0")
                        .hasMessageContaining("validation failed: target: Invalid type. Expected: string, given: "
                                + "integer");
            }
        }
    }
}
