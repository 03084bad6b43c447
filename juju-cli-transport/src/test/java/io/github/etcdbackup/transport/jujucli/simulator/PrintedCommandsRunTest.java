package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.RestoreFailedException;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.status.UnitStatus;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.jujucli.internal.JujuCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

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
            "2.9.45, 'juju add-relation -m k8s printed-etcd easyrsa',"
                    + " 'juju run-action -m k8s printed-etcd/leader restore --format yaml\n"
                    + "      $ juju show-action-output -m k8s ACTION_ID --wait=', '--series jammy'",
            "3.4.2, 'juju integrate -m k8s printed-etcd easyrsa', 'juju run -m k8s printed-etcd/leader restore',"
                    + " '--base ubuntu@22.04'"})
    void everyPrintedCommandIsTheArgvThatRan(String jujuVersion, String relate, String restore, String base)
            throws InterruptedException {
        RestoreModel model = RestoreModel.backedUp(work, KEYS, jujuVersion);
        JujuSimulator sim = model.sim();
        sim.deploy("kubernetes-control-plane", 1);
        sim.deploy("calico", 1);
        sim.integrate("etcd", "kubernetes-control-plane");
        sim.integrate("etcd", "calico");
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
                    "Integrate", "RemoveRelation", "AttachSnapshot", "AwaitUnits", "RunRestore", "CopyToLeader",
                    "ReplayV2Keys",
                    "AddUnits", "CheckHealth", "RestartControlPlane");
            int before = sim.commandsRun().size();

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
            List<String> ran = sim.commandsRun().subList(before, sim.commandsRun().size()).stream()
                    .map(JujuCli::commandLine).toList();
            int at = 0;
            for (RestoreStep step : jujuSteps) {
                // A 2.9 action step prints two commands: run-action, then show-action-output <id> --wait.
                for (String printed : step.command().split(Pattern.quote(JujuCli.FOLLOWED_BY))) {
                    Pattern command = Pattern.compile(Pattern.quote(printed)
                            .replace(JujuCli.ID_PLACEHOLDER, "\\E[0-9]+\\Q"));
                    List<String> after = ran.subList(at, ran.size());
                    int found = -1;
                    for (int i = 0; i < after.size() && found < 0; i++) {
                        found = command.matcher(after.get(i)).matches() ? i : -1;
                    }
                    assertThat(found).as("'%s' printed for '%s' is among the commands run after the step before "
                            + "it:%n%s", printed, step.title(), String.join("\n", after)).isNotNegative();
                    at += found + 1;
                }
            }
            assertThat(sim.unit("printed-etcd/0").count("/registry/")).isEqualTo(KEYS);
            // The API servers were restarted through the control plane charm's restart action, once.
            assertThat(sim.controlPlaneRestarts("kubernetes-control-plane/0")).isEqualTo(1);
            // The clients moved: each is related to the restored etcd only, and none of their units is in error.
            ModelStatus status = client.status();
            for (String moved : List.of("kubernetes-control-plane", "calico")) {
                ApplicationStatus app = status.application(moved).orElseThrow();
                assertThat(app.relations().get("etcd")).as(moved).containsExactly("printed-etcd");
                assertThat(app.units()).extracting(UnitStatus::workload).as(moved).containsOnly("active");
            }
            assertThat(status.application("etcd").orElseThrow().units()).as("the old etcd stays").hasSize(3);
        }
    }

    @Test
    void aClientRelatedToTwoEtcdApplicationsFailsItsHooksAndThePlanWithoutUnrelatingWouldStop()
            throws InterruptedException {
        RestoreModel model = RestoreModel.backedUp(work, KEYS, "3.4.2");
        JujuSimulator sim = model.sim();
        sim.deploy("kubernetes-control-plane", 1);
        sim.integrate("etcd", "kubernetes-control-plane");
        try (sim; EtcdBackupClient client = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                .executable(sim.jujuExecutable()).build()).timeout(Duration.ofMinutes(2)).build()) {
            RestorePlan plan = client.planRestore(model.backup(), RestoreOptions.juju()
                    .targetApplication("second-etcd").units(1).cniApplications(List.of())
                    .pollInterval(Duration.ofMillis(200)).settleTimeout(Duration.ofMinutes(2)).build());
            // The plan as it was before this library unrelated the old etcd: the control plane ends up with two.
            RestorePlan withoutUnrelating = new RestorePlan(plan.snapshot(), plan.targetApplication(), plan.path(),
                    plan.jujuVersion(), plan.steps().stream()
                    .filter(step -> !(step instanceof RestoreStep.RemoveRelation)).toList(),
                    plan.settleTimeout(), plan.pollInterval());

            RestoreReport report = client.restore(withoutUnrelating);

            RestoreReport.StepOutcome failed = report.failedStep().orElseThrow();
            assertThat(failed.step()).isInstanceOf(RestoreStep.Integrate.class);
            assertThat(failed.error()).get().isInstanceOf(RestoreFailedException.class)
                    .extracting(Throwable::getMessage).asString().contains("kubernetes-control-plane/0 is in error", "hook failed");
            // Resuming the real plan unrelates the old etcd, and the control plane recovers.
            RestoreReport resumed = client.restore(plan);
            assertThat(resumed.completed()).as(resumed.describe()).isTrue();
            assertThat(client.status().application("kubernetes-control-plane").orElseThrow().units())
                    .extracting(UnitStatus::workload).containsOnly("active");
        }
    }
}
