package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The failure matrix of charm-and-juju.md §2.4 and the CLI's own errors, each mapped to its typed exception. */
@Timeout(60)
class FailureShapesTest {
    private static final SnapshotRequest SNAPSHOT = SnapshotRequest.builder().unit("etcd/0").build();

    @TempDir
    Path dir;

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    @Test
    void juju3CrashedHookExitsOneAndIsAnActionFailureWithItsData() {
        FakeJuju juju = new FakeJuju(dir).answer(Fixtures.text("3.x-run-snapshot-crashed.yaml"),
                Fixtures.text("3.x-run-snapshot-crashed.stderr.txt"), 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                        assertThat(e.unit()).isEqualTo("etcd/0");
                        assertThat(e.actionId()).hasValue("14");
                        assertThat(e.status()).isEqualTo("failed");
                        assertThat(e.actionMessage()).isEqualTo("exit status 1");
                        assertThat(e.returnCode()).hasValue(1);
                        assertThat(e.stderrTail()).contains("cp: cannot stat");
                    });
            // The escape hatch returns the same task as data.
            List<ActionResult> tasks = transport.runAction(List.of("etcd/0"), "snapshot", Map.of(),
                    Duration.ofMinutes(1));
            assertThat(tasks).singleElement().satisfies(t -> assertThat(t.succeeded()).isFalse());
        }
    }

    @Test
    void juju3CrashedHookWithoutStdoutStillCarriesTheTaskIdAndReturnCode() {
        FakeJuju juju = new FakeJuju(dir).answer("", Fixtures.text("3.x-run-snapshot-crashed.stderr.txt"), 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOfSatisfying(ActionFailedException.class, e -> {
                        assertThat(e.unit()).isEqualTo("etcd/0");
                        assertThat(e.actionId()).hasValue("14");
                        assertThat(e.returnCode()).hasValue(1);
                    });
        }
    }

    @Test
    void juju29QueuesThenWaitsSoThatAnExpiredWaitNamesTheAction() {
        // 2.9's run-action --wait prints "ERROR timeout reached" and no id; queued first, the id is known.
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answerFor("run-action", "Action queued with id: \"14\"\n", "", 0)
                .answerFor("show-action-output", "", "ERROR timeout reached\n", 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/0"), "snapshot",
                    Map.of("keys-version", "v3"), Duration.ofSeconds(90)))
                    .isInstanceOfSatisfying(OperationTimeoutException.class, e -> {
                        assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(90));
                        assertThat(e.actionId()).hasValue("14");
                    });
            assertThat(juju.commands()).containsExactly(
                    List.of("run-action", "etcd/0", "snapshot", "keys-version=v3", "--format", "yaml"),
                    List.of("show-action-output", "14", "--wait=90s", "--format", "yaml"));
        }
    }

    @Test
    void juju29SeveralUnitsAreQueuedInOneCallAndEachWaitedFor() {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answerFor("run-action", "unit-etcd-0:\n  id: \"14\"\n  unit: etcd/0\nunit-etcd-1:\n  id: \"15\"\n"
                        + "  unit: etcd/1\n", "", 0)
                .answerFor("show-action-output", "", "ERROR timeout reached\n", 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/0", "etcd/1"), "health", Map.of(),
                    Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(OperationTimeoutException.class,
                            e -> assertThat(e.actionId()).hasValue("14"));
            assertThat(juju.commands()).containsExactly(
                    List.of("run-action", "etcd/0", "etcd/1", "health", "--format", "yaml"),
                    List.of("show-action-output", "14", "--wait=30s", "--format", "yaml"));
        }
    }

    @Test
    void juju29QueueOutputWithoutAnIdPerUnitIsAParseError() {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answerFor("run-action", "Action queued with id: \"14\"\n", "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/0", "etcd/1"), "health", Map.of(),
                    Duration.ofSeconds(30)))
                    .isInstanceOf(OutputParseException.class).hasMessageContaining("one queued action id per unit");
            assertThat(juju.commands()).hasSize(1);
        }
    }

    @Test
    void juju3WaitExpiryIsATimeoutNamingTheTaskFromTheProgressLines() {
        String stderr = "Running operation 7 with 1 task\n  - task 8 on unit-etcd-0\n\nWaiting for task 8...\n"
                + "ERROR timed out waiting for results from: unit etcd/0\n";
        FakeJuju juju = new FakeJuju(dir).answer("", stderr, 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOfSatisfying(OperationTimeoutException.class,
                            e -> assertThat(e.actionId()).hasValue("8"));
            List<String> argv = juju.command();
            assertThat(argv.subList(0, 5)).containsExactly("run", "etcd/0", "snapshot", "keys-version=v3",
                    "target=/home/ubuntu/etcd-snapshots");
            // Juju's own wait is a little shorter than the deadline, so Juju reports the task id first.
            assertThat(argv.get(5)).matches("--wait=5[4-5]s");
            assertThat(argv.subList(6, 8)).containsExactly("--format", "yaml");
        }
    }

    @Test
    void juju3NotFoundPrintsNothingExitsZeroAndIsNeverAnEmptySuccess() {
        FakeJuju juju = new FakeJuju(dir).answer("", "ERROR unit \"etcd/9\" not found\n", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.runAction(List.of("etcd/9"), "health", Map.of(),
                    Duration.ofMinutes(1)))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.getMessage()).contains("queued no 'health' task on etcd/9", "nothing ran",
                                "ERROR unit \"etcd/9\" not found", "juju status");
                        assertThat(e.stderrTail()).contains("etcd/9");
                    });
        }
    }

    @Test
    void juju3FailingToScheduleSaysSoOnStderrExitsZeroAndIsATypedErrorWithJujusWords() {
        // cmd/juju/action/run.go: ctx.Infof("Operation %s failed to schedule any tasks:\n%s", ...) and return nil.
        FakeJuju juju = new FakeJuju(dir).answer("", "Operation 7 failed to schedule any tasks:\n"
                + "could not determine leader for \"etcd\"\n", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.healthOutput("etcd/leader", deadline()))
                    .isInstanceOf(TransportException.class).isNotInstanceOf(OutputParseException.class)
                    .hasMessageContaining("etcd/leader").hasMessageContaining("could not determine leader")
                    .hasMessageNotContaining("failed (exit code 0)");
        }
    }

    @Test
    void emptyOutputWithNothingOnStderrIsATypedErrorNamingTheUnitNotAParseError() {
        FakeJuju juju = new FakeJuju(dir).answer("", "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", deadline()))
                    .isInstanceOf(TransportException.class).isNotInstanceOf(OutputParseException.class)
                    .hasMessageContaining("etcd/0").hasMessageContaining("printed nothing");
        }
    }

    @Test
    void juju29UnknownUnitIsATransportErrorWithTheExitCode() {
        FakeJuju juju = new FakeJuju(dir).jujuVersion("2.9")
                .answer("", "ERROR getting unit \"etcd/9\": unit \"etcd/9\" not found\n", 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.healthOutput("etcd/9", deadline()))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.exitCode()).hasValue(1);
                        assertThat(e.transport()).isEqualTo("juju-cli");
                    });
        }
    }

    @Test
    void missingJujuSaysHowToInstallIt() {
        Path missing = dir.resolve("no-such-juju");
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(missing).build()) {
            assertThatThrownBy(transport::version).isInstanceOf(TransportException.class)
                    .hasMessageContaining("snap install juju").hasMessageContaining("executable(Path)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "ERROR cannot log into controller \"prod\": please enter password for admin on prod: EOF",
            "ERROR not logged in\n"})
    void notLoggedInSaysToLogIn(String stderr) {
        FakeJuju juju = new FakeJuju(dir).answer("", stderr, 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.model().orElseThrow().status(deadline()))
                    .isInstanceOf(TransportException.class).hasMessageContaining("juju login");
        }
    }

    @Test
    void unreachableControllerSaysSo() {
        FakeJuju juju = new FakeJuju(dir).answer("",
                "ERROR cannot connect to API: dial tcp 10.0.0.1:17070: connect: connection refused\n", 1);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", deadline()))
                    .isInstanceOf(TransportException.class).hasMessageContaining("unreachable");
        }
    }

    @Test
    void unparseableOutputKeepsTheRawText() {
        String garbage = "etcd/0:\n  id: [unclosed\n";
        FakeJuju juju = new FakeJuju(dir).answer(garbage, "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOfSatisfying(OutputParseException.class,
                            e -> assertThat(e.rawOutput()).isEqualTo(garbage));
        }
    }

    @Test
    void aVersionThatIsNotJujusIsAParseError() {
        FakeJuju juju = new FakeJuju(dir);
        try (JujuCliTransport transport = juju.transport()) {
            juju.answer("", "", 0);
            assertThatThrownBy(() -> JujuVersion.parse("juju: command not found"))
                    .isInstanceOf(OutputParseException.class);
            assertThat(JujuVersion.parse("3.5-beta1-genericlinux-amd64").patch()).isEmpty();
            assertThat(JujuVersion.parse("4.0-rc1").major()).isEqualTo(4);
            assertThat(transport.version().major()).isEqualTo(3);
        }
    }

    @Test
    void aCompletedSnapshotWithoutItsResultsIsAParseError() {
        // A restore's output, from the unit asked for (the fixture's unit is new-etcd/0).
        FakeJuju juju = new FakeJuju(dir).answer(Fixtures.text("3.x-run-restore.yaml")
                .replace("new-etcd/0", "etcd/0"), "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOf(OutputParseException.class).hasMessageContaining("snapshot.path");
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", deadline()))
                    .isInstanceOf(OutputParseException.class).hasMessageContaining("output");
        }
    }

    @Test
    void anUnreadableSizeOrVersionLeavesThemUnknownAndDoesNotFailTheSnapshot() {
        String output = Fixtures.text("3.x-run-snapshot-v3.yaml");
        FakeJuju juju = new FakeJuju(dir).answer(output.replace("size: 21M", "size: 20,5M"), "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            Snapshot commaSize = transport.takeSnapshot(SNAPSHOT, deadline());
            assertThat(commaSize.sha256()).isEqualTo(
                    "75dd6a52e54ba10642ca9fd1375acbcfb3cd84da0f179df32be9e4a2285046d3");
            assertThat(commaSize.sizeText()).isEmpty();
            assertThat(commaSize.approximateSizeBytes()).isZero();
            assertThat(commaSize.etcdctlVersion()).isEqualTo("3.4.22");

            juju.answer(output.replace("etcdctl version: 3.4.22", "etcdctl versión: 3.4.22"), "", 0);
            Snapshot oddVersion = transport.takeSnapshot(SNAPSHOT, deadline());
            assertThat(oddVersion.sizeText()).isEqualTo("21M");
            assertThat(oddVersion.etcdctlVersion()).isEmpty();
            assertThat(oddVersion.apiVersion()).isEmpty();
        }
    }

    @Test
    void aTaskOfAnotherUnitIsRefusedUnlessTheLeaderWasAskedFor() {
        String output = Fixtures.text("3.x-run-snapshot-v3.yaml");
        FakeJuju juju = new FakeJuju(dir).answer(output.replace("etcd/0", "etcd/7"), "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOf(OutputParseException.class)
                    .hasMessageContaining("asked etcd/0, juju printed the task of etcd/7");
            assertThatThrownBy(() -> transport.healthOutput("etcd/0", deadline()))
                    .isInstanceOf(OutputParseException.class).hasMessageContaining("etcd/7");

            Snapshot fromLeader = transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/leader").build(),
                    deadline());
            assertThat(fromLeader.unit()).isEqualTo("etcd/7");

            juju.answer(output.replace("etcd/0", "etcd-two/0"), "", 0);
            assertThatThrownBy(() -> transport.takeSnapshot(SnapshotRequest.builder().unit("etcd/leader").build(),
                    deadline()))
                    .isInstanceOf(OutputParseException.class)
                    .hasMessageContaining("asked etcd/leader, juju printed the task of etcd-two/0");
        }
    }

    @Test
    void hostileValuesInTheOutputAreParseErrorsNotPaths() {
        String hostile = Fixtures.text("3.x-run-snapshot-v3.yaml")
                .replace("path: /home/ubuntu/etcd-snapshots/", "path: /home/ubuntu/../../etc/");
        FakeJuju juju = new FakeJuju(dir).answer(hostile, "", 0);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOf(OutputParseException.class);
        }
    }

    @Test
    void aClosedTransportRefusesWork() {
        FakeJuju juju = new FakeJuju(dir);
        JujuCliTransport transport = juju.transport();
        transport.close();
        transport.close();
        assertThatThrownBy(transport::version).isInstanceOf(TransportException.class);
        assertThat(juju.calls()).isEmpty();
    }
    @Test
    void anEmptyADirectoryOrANonExecutableJujuPathIsATypedErrorBeforeAnythingRuns() throws Exception {
        assertThatThrownBy(() -> JujuCliTransport.builder().executable(Path.of("")))
                .isInstanceOfSatisfying(InvalidInputException.class,
                        e -> assertThat(e.getMessage()).contains("empty", "PATH"));
        assertThatThrownBy(() -> JujuCliTransport.builder().executable(dir))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("a directory");
        Path notExecutable = Files.writeString(dir.resolve("juju"), "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> JujuCliTransport.builder().executable(notExecutable))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not executable");
    }

    @ParameterizedTest
    @ValueSource(ints = {126, 127})
    void aWrapperThatCannotStartJujuIsExplainedAsALocalProblemNotAMissingUnit(int exitCode) {
        // What a wrapper (a snap, a script) prints when the program it runs is gone: "not found" on stderr.
        FakeJuju juju = new FakeJuju(dir).answer("", "/snap/bin/juju: 1: exec: /snap/juju/current/bin/juju: not found",
                exitCode);
        try (JujuCliTransport transport = juju.transport()) {
            assertThatThrownBy(() -> transport.takeSnapshot(SNAPSHOT, deadline()))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.getMessage()).contains("shell's exit code " + exitCode,
                                "JujuCliTransport.builder().executable(").doesNotContain("Juju says it does not exist");
                        assertThat(e.exitCode()).hasValue(exitCode);
                    });
        }
    }
}
