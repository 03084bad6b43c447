package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.restore.SshRestoreOptions;
import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.testing.FakeHosts;
import io.github.etcdbackup.testing.FakeModel;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.OsLockProbe;
import io.github.etcdbackup.testing.TestArchives;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The restore journal against the in-memory model: a restore written down as it runs can be finished by another
 * client (standing in for another process; the real crash, a SIGKILLed JVM, is in the juju-cli module's simulator
 * tests).
 */
@Timeout(60)
class RestoreJournalTest {
    @TempDir
    Path dir;
    @TempDir
    Path work;
    private FakeModel model;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private LocalSnapshot backup;
    private Path journal;

    @BeforeEach
    void setUp() throws Exception {
        model = FakeModel.charmedKubernetes("kubernetes-control-plane");
        transport = new FakeTransport();
        transport.model(model);
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), work));
        client = EtcdBackupClient.create(transport);
        backup = client.backup("etcd/0", dir);
        journal = work.resolve("restore.journal");
    }

    private static JujuRestoreOptions.Builder fast() {
        return RestoreOptions.juju().pollInterval(Duration.ofMillis(10)).settleTimeout(Duration.ofSeconds(2));
    }

    @Test
    void readingAJournalThatARestoreOfThisJvmHoldsKeepsItsLock() throws Exception {
        RestorePlan plan = client.planRestore(backup, fast().build());
        try (RestoreJournal running = RestoreJournal.create(journal, plan)) {
            assertThat(OsLockProbe.heldAgainstOtherProcesses(journal)).isTrue();

            assertThat(RestoreJournal.read(journal).plan()).isEqualTo(plan);

            assertThat(OsLockProbe.heldAgainstOtherProcesses(journal)).as("still locked after read").isTrue();
            assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(FileConflictException.class);
            assertThat(OsLockProbe.heldAgainstOtherProcesses(journal)).as("still locked after a refused resume")
                    .isTrue();
        }
    }

    @Test
    void theJournalHoldsThePlanItselfForEveryStepTypeOfBothPaths() {
        RestorePlan juju = client.planRestore(backup, fast().build());
        client.restore(juju, journal);
        assertThat(RestoreJournal.read(journal).plan()).isEqualTo(juju);

        FakeTransport overSsh = new FakeTransport();
        overSsh.hosts(FakeHosts.of(3, "3.4.23"));
        List<SshRestoreOptions.Member> members = IntStream.range(0, 3)
                .mapToObj(i -> new SshRestoreOptions.Member("etcd/" + i, "etcd_" + i + ".x-y",
                        "https://10.0.0." + (10 + i) + ":2380")).toList();
        RestorePlan ssh = EtcdBackupClient.create(overSsh).planRestore(backup, RestoreOptions.ssh()
                .members(members).clusterToken("token-2026.11_26").build());
        try (RestoreJournal written = RestoreJournal.create(work.resolve("ssh.journal"), ssh)) {
            assertThat(written).isNotNull();
        }
        RestorePlan read = RestoreJournal.read(work.resolve("ssh.journal")).plan();
        assertThat(read).isEqualTo(ssh);
        assertThat(read.steps()).hasSameSizeAs(ssh.steps()).extracting(s -> s.getClass().getSimpleName())
                .contains("UploadArchive", "StopService", "RestoreMember", "StartService", "AwaitHealthy");
    }

    @Test
    void aJournaledRestoreResumesOnlyInTheModelItBeganIn() throws Exception {
        model.neverHealthy = true;
        client.restore(client.planRestore(backup, fast().build()), journal);
        assertThat(Files.readString(journal)).contains("\nmodel k8s\n");
        model.neverHealthy = false;
        int deploys = model.deploys.get();

        model.modelName = "staging";
        assertThatThrownBy(() -> EtcdBackupClient.create(transport).resume(journal))
                .isInstanceOf(RestoreRefusedException.class).hasMessageContaining("journaled in model k8s")
                .hasMessageContaining("--model k8s");
        assertThat(model.deploys.get()).as("nothing ran in the other model").isEqualTo(deploys);

        model.modelName = "k8s";
        assertThat(EtcdBackupClient.create(transport).resume(journal).completed()).isTrue();
    }

    @Test
    void anotherClientFinishesAFailedRestoreFromTheJournalWithoutRunningTheCharmsRestoreTwice() {
        model.neverHealthy = true;
        RestoreReport first = client.restore(client.planRestore(backup, fast().build()), journal);
        RestoreReport.StepOutcome failed = first.failedStep().orElseThrow();
        assertThat(failed.step()).isInstanceOf(RestoreStep.AwaitUnits.class);
        assertThat(model.restores.get()).isZero();

        model.neverHealthy = false;
        RestoreReport resumed = EtcdBackupClient.create(transport).resume(journal);

        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(resumed.outcomes().subList(0, failed.index())).extracting(RestoreReport.StepOutcome::result)
                .containsOnly(RestoreReport.Result.DONE);
        assertThat(resumed.outcomes().subList(failed.index(), resumed.outcomes().size()))
                .extracting(RestoreReport.StepOutcome::result).containsOnly(RestoreReport.Result.DONE);
        assertThat(model.restores.get()).isEqualTo(1);
        assertThat(model.deploys.get()).isEqualTo(1);
        assertThat(model.apps.get("new-etcd").units).isEqualTo(3);
    }

    @Test
    void aStepThatStartedButNeverEndedRunsAgainAndATornLastLineIsIgnored() throws IOException {
        model.neverHealthy = true;
        RestoreReport first = client.restore(client.planRestore(backup, fast().build()), journal);
        int awaited = first.failedStep().orElseThrow().index();
        int restoreStep = awaited + 1;
        assertThat(first.plan().steps().get(restoreStep)).isInstanceOf(RestoreStep.RunRestore.class);
        // What a process killed during the charm's restore leaves: the wait done, the restore started, a torn line.
        Files.writeString(journal, "ended " + awaited + " DONE 12\nstarted " + restoreStep + "\nended "
                + restoreStep + " DO", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        model.neverHealthy = false;

        assertThat(RestoreJournal.read(journal).resumeIndex()).isEqualTo(restoreStep);
        RestoreReport resumed = client.resume(journal);

        assertThat(resumed.completed()).as(resumed.describe()).isTrue();
        assertThat(model.restores.get()).isEqualTo(1);
        assertThat(RestoreJournal.read(journal).resumeIndex()).isEqualTo(first.plan().steps().size());
    }

    @Test
    void aCompletedJournalResumesToItsReportAndRunsNothing() {
        client.restore(client.planRestore(backup, fast().build()), journal);
        int restores = model.restores.get();

        RestoreReport again = client.resume(journal);

        assertThat(again.completed()).isTrue();
        assertThat(model.restores.get()).isEqualTo(restores);
    }

    @Test
    void anExistingJournalIsNeverOverwrittenAndOneRestoreRunsAtATime() {
        RestorePlan plan = client.planRestore(backup, fast().build());
        try (RestoreJournal running = RestoreJournal.create(journal, plan)) {
            assertThat(running).isNotNull();
            assertThatThrownBy(() -> client.restore(plan, journal)).isInstanceOf(FileConflictException.class)
                    .hasMessageContaining("client.resume(");
            assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(FileConflictException.class)
                    .hasMessageContaining("another process is running");
        }
        assertThat(model.deploys.get()).isZero();
    }

    @Test
    void anotherProcessHoldingTheJournalKeepsItsLockEvenAfterCuttingATornLine() throws Exception {
        model.neverHealthy = true;
        client.restore(client.planRestore(backup, fast().build()), journal);
        Files.writeString(journal, "ended 4 DO", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                HoldJournal.class.getName(), journal.toString())
                // Only its stdout is read: slf4j's "no provider" notice on stderr must not take the first line.
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String said = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertThat(said).startsWith("locked");
            model.neverHealthy = false;

            assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(FileConflictException.class)
                    .hasMessageContaining("another process is running");
            assertThat(model.restores.get()).isZero();
        } finally {
            holder.destroyForcibly().waitFor();
        }
        assertThat(Files.readString(journal)).doesNotContain("ended 4 DO");
        assertThat(client.resume(journal).completed()).isTrue();
    }

    @Test
    void aFileThatIsNotAJournalOrAnArchiveThatChangedIsRefusedBeforeAnythingRuns() throws IOException {
        Files.writeString(journal, "etcd-backup restore journal 1\ntarget new-etcd\n");
        assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("its plan is incomplete");
        Files.writeString(journal, "hello\n");
        assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(InvalidInputException.class);

        Files.delete(journal);
        RestorePlan plan = client.planRestore(backup, fast().build());
        try (RestoreJournal written = RestoreJournal.create(journal, plan)) {
            assertThat(written).isNotNull();
        }
        Files.write(backup.file(), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertThatThrownBy(() -> client.resume(journal)).isInstanceOf(FileConflictException.class)
                .hasMessageContaining("no longer the archive the restore started with");
        assertThat(model.deploys.get()).isZero();
    }
}
