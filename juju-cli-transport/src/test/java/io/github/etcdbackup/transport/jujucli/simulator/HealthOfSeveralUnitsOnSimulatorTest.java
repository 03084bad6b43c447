package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health of several units is one Juju operation whose tasks are split per unit (2.9: one {@code run-action} and
 * one {@code show-action-output} per task; 3.x: one {@code run}), and every report names the unit that answered.
 */
@Timeout(180)
class HealthOfSeveralUnitsOnSimulatorTest {
    @TempDir
    Path work;

    @ParameterizedTest(name = "Juju {0}")
    @ValueSource(strings = {"2.9.45", "3.4.2"})
    void oneCallForAllUnitsAndTheLeaderNamedByItsNumber(String jujuVersion) {
        try (JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work).build()) {
            sim.deploy("etcd", 3);
            sim.deploy("easyrsa", 1);
            sim.integrate("etcd", "easyrsa");
            sim.setLeader("etcd/1");
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                    .executable(sim.jujuExecutable()).build()).timeout(Duration.ofMinutes(1)).build()) {
                int before = sim.commandsRun().size();

                List<HealthReport> reports = client.health(List.of("etcd/leader", "etcd/0", "etcd/2"));

                assertThat(reports).extracting(HealthReport::unit).containsExactly("etcd/1", "etcd/0", "etcd/2");
                assertThat(reports).allSatisfy(r -> {
                    assertThat(r.allMembersHealthy()).isTrue();
                    assertThat(r.members()).hasSize(3);
                });
                List<String> commands = sim.commandsRun().subList(before, sim.commandsRun().size()).stream()
                        .map(argv -> argv.get(0)).filter(command -> !command.equals("version")).toList();
                if (jujuVersion.startsWith("2.")) {
                    assertThat(commands).containsExactly("run-action", "show-action-output", "show-action-output",
                            "show-action-output");
                } else {
                    assertThat(commands).containsExactly("run");
                }
                assertThat(client.health("etcd/leader").unit()).isEqualTo("etcd/1");
            }
        }
    }
}
