package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Restore plans run through the juju CLI against the simulator: refusals, a placeholder resource, a lost controller. */
@Timeout(300)
class RestoreOnSimulatorTest {
    private static final int KEYS = 50;

    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static LocalSnapshot backup;

    @BeforeAll
    static void backUpAClusterWithKnownKeys() throws InterruptedException {
        RestoreModel model = RestoreModel.backedUp(work, KEYS);
        sim = model.sim();
        backup = model.backup();
    }

    @AfterAll
    static void stopModel() {
        sim.close();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    private static EtcdBackupClient client(io.github.etcdbackup.ProgressListener listener) {
        return EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .build()).listener(listener).timeout(Duration.ofMinutes(2)).build();
    }

    private static JujuRestoreOptions.Builder into(String target) {
        return RestoreOptions.juju().targetApplication(target).units(1).pollInterval(Duration.ofMillis(200))
                .settleTimeout(Duration.ofMinutes(2));
    }

    @Test
    void aStorePlaceholderResourceIsReplacedByTheVerifiedUploadBeforeTheRestore() {
        sim.deploy("etcd", "placeholder-etcd", 1);
        sim.integrate("placeholder-etcd", "easyrsa");
        sim.placeholderSnapshotResource("placeholder-etcd");
        try (EtcdBackupClient client = client(event -> { })) {
            RestorePlan plan = client.planRestore(backup, into("placeholder-etcd").build());
            assertThat(plan.steps()).noneMatch(step -> step instanceof RestoreStep.Deploy);

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
        }
        assertThat(sim.unit("placeholder-etcd/0").count("/registry/")).isEqualTo(KEYS);
    }

    @Test
    void theControllerGoingAwayAfterTheAttachLeavesAReportThatResumes() {
        AtomicBoolean cut = new AtomicBoolean();
        try (EtcdBackupClient client = client(event -> {
            if (event instanceof BackupEvent.StepCompleted done && done.step().startsWith("attach")
                    && cut.compareAndSet(false, true)) {
                sim.controllerUnreachable(true);
            }
        })) {
            RestoreReport report = client.restore(client.planRestore(backup, into("lost-etcd").build()));

            RestoreReport.StepOutcome failed = report.failedStep().orElseThrow();
            assertThat(failed.error()).get().isInstanceOf(TransportException.class);
            assertThat(report.describe()).contains("FAILED", "client.resume(report)");

            sim.controllerUnreachable(false);
            RestoreReport resumed = client.resume(report);
            assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        }
        assertThat(sim.unit("lost-etcd/0").count("/registry/")).isEqualTo(KEYS);
    }

    @Test
    void aV3AndAV2ArchiveAreRestoredTogetherAsTheDocsAdviseForFlannel() throws InterruptedException {
        EtcdUnit source = sim.unit("etcd/0");
        String network = "{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}";
        source.etcdctlV2("set", "/coreos.com/network/config", network).orThrow();
        source.etcdctlV2("set", "--ttl", "3600", "/coreos.com/network/subnets/10.1.7.0-24",
                "{\"PublicIP\":\"10.0.0.7\"}").orThrow();
        source.etcdctlV2("set", "--", "/odd/value", "-starts with a dash\nand has two lines").orThrow();
        source.etcdctlV2("mkdir", "/coreos.com/empty").orThrow();
        source.etcdctlV2("set", "--", "/odd/empty", "").orThrow();
        // A write is acknowledged once a quorum has it; etcd/0, whose WAL the v2 snapshot copies, may be the member
        // still writing it.
        Thread.sleep(1000);
        try (EtcdBackupClient client = client(event -> { })) {
            LocalSnapshot v2 = client.download(client.snapshot(SnapshotRequest.builder().unit("etcd/0")
                    .keysVersion(KeysVersion.V2).build()), work.resolve("v2-backups"));
            RestorePlan plan = client.planRestore(backup, into("both-etcd").units(2).v2Snapshot(v2).build());
            assertThat(plan.steps()).extracting(step -> step.getClass().getSimpleName())
                    .containsSubsequence("RunRestore", "CopyToLeader", "ReplayV2Keys", "AddUnits");

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
        }
        // v2 reads are served by the member asked, which may still be applying the log: ask for quorum reads.
        for (String unit : new String[] {"both-etcd/0", "both-etcd/1"}) {
            EtcdUnit restored = sim.unit(unit);
            assertThat(restored.count("/registry/")).as(unit + " v3 keys").isEqualTo(KEYS);
            assertThat(restored.etcdctlV2("get", "--quorum", "/coreos.com/network/config").orThrow().stdoutText())
                    .isEqualTo(network + "\n");
            assertThat(restored.etcdctlV2("get", "--quorum", "/odd/value").orThrow().stdoutText())
                    .isEqualTo("-starts with a dash\nand has two lines\n");
            assertThat(restored.etcdctlV2("get", "--quorum", "/odd/empty").orThrow().stdoutText()).isEqualTo("\n");
            assertThat(restored.etcdctlV2("ls", "--quorum", "-p", "/coreos.com").orThrow().stdoutText())
                    .contains("/coreos.com/empty/", "/coreos.com/network/");
            String lease = restored.etcdctlV2("-o", "extended", "get", "--quorum",
                    "/coreos.com/network/subnets/10.1.7.0-24")
                    .orThrow().stdoutText();
            int ttl = Integer.parseInt(lease.lines().filter(l -> l.startsWith("TTL: ")).findFirst().orElseThrow()
                    .substring(5));
            assertThat(ttl).as("the lease keeps its remaining TTL").isBetween(1, 3600);
        }
    }

    @Test
    void aVersionMismatchAndAMultiUnitTargetAreRefusedBeforeAnythingChanges() {
        sim.deploy("etcd", "busy-etcd", 2);
        try (EtcdBackupClient client = client(event -> { })) {
            assertThatThrownBy(() -> client.planRestore(backup, into("fresh-etcd").etcdChannel("3.5/stable").build()))
                    .isInstanceOfSatisfying(RestoreRefusedException.class,
                            e -> assertThat(e.whatToDoInstead()).contains("3.4/stable"));
            assertThatThrownBy(() -> client.planRestore(backup, into("busy-etcd").build()))
                    .isInstanceOfSatisfying(RestoreRefusedException.class,
                            e -> assertThat(e.reason()).contains("already has 2 units"));
            assertThat(client.status().application("fresh-etcd")).isEmpty();
        }
    }
}
