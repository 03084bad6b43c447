package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.jujucli.internal.JujuCli;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a restore plan prints is what runs: on a Juju 2.9 and a Juju 3.x simulator, every step's command (v2 archive
 * included) is, word for word, the argv of a {@code juju} call the simulator received while the step ran, in the
 * plan's order, in that version's dialect.
 */
@Timeout(300)
class PrintedCommandsRunTest {
    private static final int KEYS = 20;

    @TempDir
    Path work;

    @ParameterizedTest(name = "Juju {0}")
    @CsvSource({
            "2.9.45, 'juju add-relation -m k8s printed-etcd easyrsa', 'juju run-action -m k8s printed-etcd/leader restore',"
                    + " '--series jammy'",
            "3.4.2, 'juju integrate -m k8s printed-etcd easyrsa', 'juju run -m k8s printed-etcd/leader restore',"
                    + " '--base ubuntu@22.04'"})
    void everyPrintedCommandIsTheArgvThatRan(String jujuVersion, String relate, String restore, String base)
            throws InterruptedException {
        RestoreModel model = RestoreModel.backedUp(work, KEYS, jujuVersion);
        JujuSimulator sim = model.sim();
        try (sim; EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                .executable(sim.jujuExecutable()).model("k8s").build()).timeout(Duration.ofMinutes(2)).build()) {
            LocalSnapshot v2 = client.download(client.snapshot(SnapshotRequest.builder().unit("etcd/0")
                    .keysVersion(KeysVersion.V2).build()), work.resolve("v2-backups"));
            RestorePlan plan = client.planRestore(model.backup(), RestoreOptions.juju()
                    .targetApplication("printed-etcd").units(2).v2Snapshot(v2)
                    .pollInterval(Duration.ofMillis(200)).settleTimeout(Duration.ofMinutes(2)).build());
            assertThat(plan.describe()).contains(relate, restore, base);
            List<RestoreStep> jujuSteps = plan.steps().stream()
                    .filter(step -> !(step instanceof RestoreStep.VerifyArchive)).toList();
            assertThat(jujuSteps).extracting(step -> step.getClass().getSimpleName()).contains("Deploy",
                    "Integrate", "AttachSnapshot", "AwaitUnits", "RunRestore", "CopyToLeader", "ReplayV2Keys",
                    "AddUnits", "CheckHealth");
            int before = sim.commandsRun().size();

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
            List<String> ran = sim.commandsRun().subList(before, sim.commandsRun().size()).stream()
                    .map(JujuCli::commandLine).toList();
            int at = 0;
            for (RestoreStep step : jujuSteps) {
                int found = ran.subList(at, ran.size()).indexOf(step.command());
                assertThat(found).as("'%s' printed for '%s' is among the commands run after the step before it:%n%s",
                        step.command(), step.title(), String.join("\n", ran.subList(at, ran.size()))).isNotNegative();
                at += found + 1;
            }
            assertThat(sim.unit("printed-etcd/0").count("/registry/")).isEqualTo(KEYS);
        }
    }
}
