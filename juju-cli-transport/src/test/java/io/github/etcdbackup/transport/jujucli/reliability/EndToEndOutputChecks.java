package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.jujucli.reliability.Mutator.Mutant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile output through the public API and a real process: the same property as {@link HostileOutputChecks}, with
 * what the transport does after parsing (unit and path validation of the snapshot, the task checks, stderr reading,
 * the output cap). Fewer cases: each is a process.
 */
@Timeout(120)
class EndToEndOutputChecks {
    private static final int TRIES = Integer.getInteger("reliability.e2eTries", 12);
    private static final SnapshotRequest SNAPSHOT = SnapshotRequest.builder().unit("etcd/0").build();

    @TempDir
    Path dir;
    private ScriptedJuju juju;
    private Set<String> threads;

    @BeforeEach
    void fake() {
        juju = new ScriptedJuju(dir);
        threads = Leaks.libraryThreads();
    }

    @AfterEach
    void nothingLeft() {
        assertThat(Leaks.check(juju, threads)).isEmpty();
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(30));
    }

    /**
     * Runs a call on hostile output: a result (checked by {@code valid}) or one of the typed exceptions the call
     * documents; anything else is recorded and fails.
     */
    private static <T> void expect(String caseName, Supplier<T> call, java.util.function.Predicate<T> valid,
                                   Class<?>... typed) {
        Ledger.FAULTS_INJECTED.incrementAndGet();
        T result;
        try {
            result = call.get();
        } catch (EtcdBackupException e) {
            for (Class<?> type : typed) {
                if (type.isInstance(e)) {
                    Ledger.TYPED_ERRORS.incrementAndGet();
                    return;
                }
            }
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            throw new AssertionError(caseName + " (seed " + ReliabilitySeeds.BASE + "): unexpected " + e, e);
        } catch (RuntimeException | Error e) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            throw new AssertionError(caseName + " (seed " + ReliabilitySeeds.BASE + "): untyped " + e, e);
        }
        if (!valid.test(result)) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            throw new AssertionError(caseName + ": malformed result " + result);
        }
        Ledger.RECOVERIES.incrementAndGet();
    }

    private static boolean validSnapshot(Snapshot s) {
        InputValidation.unit(s.unit());
        InputValidation.remotePath(s.remotePath());
        return s.sha256().matches("[0-9a-f]{64}") && s.approximateSizeBytes() >= 0;
    }

    @Test
    void mutatedSnapshotOutputsGiveAValidSnapshotOrATypedError() {
        for (String fixture : List.of("3.x-run-snapshot-v3.yaml", "3.x-run-snapshot-v3.json",
                "2.9-run-action-snapshot-v3.yaml")) {
            if (fixture.startsWith("2.9")) {
                juju.juju29();
            }
            boolean juju2 = fixture.startsWith("2.9");
            // 2.9 queues with run-action and shows the task with show-action-output: the task map is what mutates.
            String original = juju2 ? unwrapped29(Fixtures.text(fixture)) : Fixtures.text(fixture);
            SplittableRandom random = ReliabilitySeeds.random("e2e" + fixture);
            try (JujuCliTransport transport = juju.transport()) {
                for (int i = 0; i < TRIES; i++) {
                    Mutant mutant = Mutator.mutate(original, random);
                    if (juju2) {
                        juju.answer("run-action", "Action queued with id: \"14\"\n")
                                .answer("show-action-output", mutant.text());
                    } else {
                        juju.answer("run", mutant.text());
                    }
                    expect("takeSnapshot on " + fixture + " #" + i + ": " + mutant.description(),
                            () -> transport.takeSnapshot(SNAPSHOT, deadline()), EndToEndOutputChecks::validSnapshot,
                            allowedFor(mutant));
                }
            }
        }
    }

    /** A 2.9 {@code run-action --wait} output's one task, as {@code show-action-output} prints it. */
    private static String unwrapped29(String wrapped) {
        StringBuilder task = new StringBuilder();
        wrapped.lines().skip(1).forEach(line -> task.append(line.startsWith("  ") ? line.substring(2) : line)
                .append('\n'));
        return task.toString();
    }

    /**
     * The typed errors a mutated action output may give. A mutation that leaves no result at all (nothing, or
     * {@code {}}) with exit 0 is what Juju prints when it queued nothing: a TransportException naming the unit
     * (issue 18 point 9), not a parse error.
     */
    private static Class<?>[] allowedFor(Mutant mutant) {
        String text = mutant.text().strip();
        return text.isEmpty() || text.equals("{}")
                ? new Class<?>[] {TransportException.class}
                : new Class<?>[] {OutputParseException.class, ActionFailedException.class};
    }

    @Test
    void mutatedHealthStatusAndTaskOutputsGiveAResultOrATypedError() {
        String health = Fixtures.text("3.x-run-health.yaml");
        String status = Fixtures.text("status-3.x-etcd-3-units.yaml");
        String task = Fixtures.text("3.x-show-task-snapshot-v3.yaml");
        SplittableRandom random = ReliabilitySeeds.random("e2e-other");
        try (JujuCliTransport transport = juju.transport()) {
            for (int i = 0; i < TRIES; i++) {
                Mutant h = Mutator.mutate(health, random);
                juju.answer("run", h.text());
                expect("healthOutput #" + i + ": " + h.description(), () -> transport.healthOutput("etcd/0",
                        deadline()), s -> s != null, allowedFor(h));
                Mutant s = Mutator.mutate(status, random);
                juju.answer("status", s.text());
                expect("status #" + i + ": " + s.description(),
                        () -> transport.model().orElseThrow().status(deadline()), (ModelStatus m) -> m != null,
                        OutputParseException.class);
                Mutant t = Mutator.mutate(task, random);
                juju.answer("show-task", t.text());
                expect("showAction #" + i + ": " + t.description(), () -> transport.showAction("14"),
                        r -> r != null, OutputParseException.class, TransportException.class);
                Mutant r = Mutator.mutate("resources:\n- name: snapshot\n  origin: upload\n  fingerprint: AB12\n",
                        random);
                juju.answer("resources", r.text());
                expect("uploadedResourceFingerprint #" + i + ": " + r.description(), () -> transport.model()
                        .orElseThrow().uploadedResourceFingerprint("etcd", "snapshot", deadline()),
                        f -> f != null, OutputParseException.class);
            }
        }
    }

    @Test
    void hostileDocumentsThroughTheTransportAreTypedErrors() {
        Map<String, String> docs = HostileDocuments.all();
        try (JujuCliTransport transport = juju.transport()) {
            for (String name : List.of("billion laughs under a task", "python object tag as status",
                    "huge unit number key", "huge return code", "flow nesting 100k", "binary status", "BOM",
                    "lone surrogate escape", "25 MiB scalar (over Jackson's string limit)")) {
                juju.answer("run", docs.get(name));
                expect("takeSnapshot on " + name, () -> transport.takeSnapshot(SNAPSHOT, deadline()),
                        EndToEndOutputChecks::validSnapshot, OutputParseException.class, ActionFailedException.class);
            }
        }
    }

    @Test
    void hostileStderrOfAFailedRunIsATypedError() {
        juju.exit("run", 1).answer("run", "");
        try (JujuCliTransport transport = juju.transport()) {
            HostileDocuments.stderrs().forEach((name, stderr) -> {
                juju.stderr("run", stderr);
                expect("takeSnapshot with stderr " + name, () -> transport.takeSnapshot(SNAPSHOT, deadline()),
                        s -> false, ActionFailedException.class, TransportException.class,
                        io.github.etcdbackup.exception.OperationTimeoutException.class);
            });
        }
    }

    @Test
    void binaryGarbageFromEveryCommandIsATypedError() {
        SplittableRandom random = ReliabilitySeeds.random("e2e-garbage");
        for (int i = 0; i < 8; i++) {
            Mutant garbage = Mutator.garbage(random);
            byte[] bytes = garbage.text().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            juju.answer("run", bytes).answer("status", bytes).answer("show-task", bytes);
            try (JujuCliTransport transport = juju.transport()) {
                expect("snapshot on " + garbage.description(), () -> transport.takeSnapshot(SNAPSHOT, deadline()),
                        EndToEndOutputChecks::validSnapshot, OutputParseException.class, ActionFailedException.class);
                expect("status on " + garbage.description(), () -> transport.model().orElseThrow()
                        .status(deadline()), m -> m != null, OutputParseException.class);
            }
        }
    }

    @Test
    void aVersionThatIsNotAVersionIsAParseError() {
        for (String version : List.of("", "\n", "juju", "3", "3.x", "99999999.1.1", "3.4.2\n2.9.1", "-3.4.2",
                "\u0000\u0001")) {
            juju.answer("version", version);
            java.nio.file.Path versionFile = dir.resolve("version");
            try {
                java.nio.file.Files.writeString(versionFile, version);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try (JujuCliTransport transport = juju.transport()) {
                expect("version " + version, transport::version, v -> false, OutputParseException.class);
                expect("snapshot with version " + version, () -> transport.takeSnapshot(SNAPSHOT, deadline()),
                        s -> false, OutputParseException.class);
            }
        }
    }

    /**
     * Issue #16, point 9: a {@code juju} that prints without end, on stdout or stderr. The call can only end by the
     * output cap (its deadline is far away, and would be an {@code OperationTimeoutException}): an
     * {@code OutputParseException} whose {@code rawOutput()} keeps a bounded head and tail, and no process left.
     */
    @Test
    void endlessOutputIsAParseErrorWithABoundedRawOutput() {
        for (int fd : new int[] {1, 2}) {
            juju.flood("status", fd, 0);
            try (JujuCliTransport transport = juju.transport()) {
                Ledger.FAULTS_INJECTED.incrementAndGet();
                assertThatThrownBy(() -> transport.model().orElseThrow().status(deadline()))
                        .isInstanceOfSatisfying(OutputParseException.class, e -> {
                            assertThat(e.rawOutput()).startsWith("garbage, not yaml").hasSizeLessThan(256 * 1024)
                                    .contains("garbage, not yaml");
                            assertThat(e.getMessage()).contains("printed more than")
                                    .contains(fd == 1 ? "stdout" : "stderr");
                        });
                Ledger.TYPED_ERRORS.incrementAndGet();
            }
            assertThat(Leaks.checkProcesses(juju)).isEmpty();
        }
    }
}
