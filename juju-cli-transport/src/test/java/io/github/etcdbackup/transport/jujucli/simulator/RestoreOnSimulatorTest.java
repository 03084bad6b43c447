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
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.OperationTimeoutException;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
        // Its snapshot resource is the store's revision 0, as after any deploy from Charmhub.
        try (EtcdBackupClient client = client(event -> { })) {
            RestorePlan plan = client.planRestore(backup, into("placeholder-etcd").build());
            assertThat(plan.steps()).noneMatch(step -> step instanceof RestoreStep.Deploy);

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
        }
        assertThat(sim.unit("placeholder-etcd/0").count("/registry/")).isEqualTo(KEYS);
    }

    @Test
    void anEncryptedBackupRestoresWithItsIdentityAndNoPlaintextOutlivesTheUpload() throws Exception {
        Path key = AgeKeys.keygen(work, "restore-key.txt");
        try (EtcdBackupClient client = client(event -> { })) {
            LocalSnapshot encrypted = client.backup(SnapshotRequest.builder().unit("etcd/leader")
                    .encryptTo(AgeKeys.recipientOf(key)).build(), work.resolve("encrypted"));
            assertThatThrownBy(() -> client.planRestore(encrypted, into("enc-etcd").build()))
                    .isInstanceOfSatisfying(DecryptionException.class,
                            e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.NO_IDENTITY));
            assertThatThrownBy(() -> client.planRestore(encrypted, into("enc-etcd")
                    .identities(AgeIdentities.fromFile(AgeKeys.keygen(work, "other-key.txt"))).build()))
                    .isInstanceOfSatisfying(DecryptionException.class,
                            e -> assertThat(e.reason()).isEqualTo(DecryptionException.Reason.WRONG_IDENTITY));

            RestorePlan plan = client.planRestore(encrypted, into("enc-etcd")
                    .identities(AgeIdentities.fromFile(key)).build());
            RestoreStep.AttachSnapshot attach = plan.steps().stream()
                    .filter(RestoreStep.AttachSnapshot.class::isInstance).map(RestoreStep.AttachSnapshot.class::cast)
                    .findFirst().orElseThrow();
            assertThat(attach.decryptedFrom()).contains(encrypted.file().toAbsolutePath());
            assertThat(attach.command()).contains("age -d -i " + key, "juju attach-resource", "rm -r");
            // Planning decrypted nothing to disk.
            assertThat(attach.file().getParent()).doesNotExist();

            Path journal = work.resolve("encrypted-restore.journal");
            RestoreReport report = client.restore(plan, journal);

            assertThat(report.completed()).as(report.describe()).isTrue();
            assertThat(attach.file().getParent()).doesNotExist();
            // The journal names the identity file, never a key, and reads back (a finished restore runs nothing).
            String journaled = Files.readString(journal);
            assertThat(journaled).doesNotContain("AGE-SECRET-KEY").contains("identity-file");
            RestoreReport again = client.resume(journal);
            assertThat(again.completed()).isTrue();
            assertThat(again.plan().identities()).isPresent();
            assertThat(again.plan().steps()).contains(attach);
        }
        assertThat(sim.unit("enc-etcd/0").count("/registry/")).isEqualTo(KEYS);
    }

    @Test
    void aPlanThatForgetsTheCertificateProviderNeverGetsAnEtcdToRestoreInto() {
        try (EtcdBackupClient client = client(event -> { })) {
            RestorePlan full = client.planRestore(backup, into("nocert-etcd").settleTimeout(Duration.ofSeconds(8))
                    .build());
            List<RestoreStep> withoutCertificates = full.steps().stream()
                    .filter(step -> !(step instanceof RestoreStep.Integrate i && i.second().equals("easyrsa")))
                    .toList();
            assertThat(withoutCertificates).hasSize(full.steps().size() - 1);
            RestorePlan forgetful = new RestorePlan(full.snapshot(), full.targetApplication(), full.path(),
                    full.jujuVersion(), withoutCertificates, full.settleTimeout(), full.pollInterval());

            RestoreReport report = client.restore(forgetful);

            RestoreReport.StepOutcome failed = report.failedStep().orElseThrow();
            assertThat(failed.step()).isInstanceOf(RestoreStep.AwaitUnits.class);
            assertThat(failed.error()).get().isInstanceOf(OperationTimeoutException.class);
            assertThat(report.outcomes()).noneMatch(o -> o.step() instanceof RestoreStep.RunRestore);
            assertThat(client.status().application("nocert-etcd").orElseThrow().units())
                    .allMatch(u -> u.workload().equals("blocked")
                            && u.workloadMessage().equals("Missing relation to certificate authority."));
        }
    }

    @Test
    void restoringIntoAnApplicationWithDataKeepsItsDataDirectoryAndSaysWhere() throws Exception {
        sim.deploy("etcd", "existing-etcd", 2);
        sim.integrate("existing-etcd", "easyrsa");
        sim.unit("existing-etcd/0").put("/only/in/existing", "before the restore");
        try (EtcdBackupClient client = client(event -> { })) {
            RestorePlan plan = client.planRestore(backup, into("existing-etcd").units(2).restoreIntoExisting(true)
                    .build());

            RestoreReport report = client.restore(plan);

            assertThat(report.completed()).as(report.describe()).isTrue();
            RestoreReport.CharmBackup kept = report.charmBackup().orElseThrow();
            assertThat(kept.path()).matches("/home/ubuntu/etcd-data-\\d{8}-\\d{6}\\.tar\\.gz");
            Path onUnit = sim.unit(sim.leader("existing-etcd")).hostPath(kept.path());
            assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(java.nio.file.Files.readAllBytes(onUnit)))).isEqualTo(kept.sha256());
            // The charm's tar of the old data dir holds the member's database with the key written before.
            String listing = new String(new ProcessBuilder("tar", "-tf", onUnit.toString()).start().getInputStream()
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(listing).contains("./member/snap/db");
        }
        assertThat(sim.unit("existing-etcd/1").count("/registry/")).isEqualTo(KEYS);
        assertThat(sim.unit("existing-etcd/0").get("/only/in/existing")).isEmpty();
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
                    .containsSubsequence("RunRestore", "AwaitUnits", "CopyToLeader", "ReplayV2Keys", "AddUnits");

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
