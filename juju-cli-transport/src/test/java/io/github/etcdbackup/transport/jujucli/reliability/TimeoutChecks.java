package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code juju} that hangs, for every kind of call: each call ends within its deadline plus {@link #MARGIN} with a
 * typed error, and neither a process (the fake and its child {@code sleep}) nor a library thread is left behind.
 * The scenarios run in parallel, each on its own fake, so the whole class takes about one deadline.
 */
@Timeout(90)
class TimeoutChecks {
    static final Duration DEADLINE = Duration.ofMillis(1500);
    static final Duration MARGIN = Duration.ofSeconds(3);
    private static final SnapshotRequest SNAPSHOT = SnapshotRequest.builder().unit("etcd/0").build();

    @TempDir
    Path dir;

    /** How the fake misbehaves on its sub-command. */
    private enum Fault {
        /** Waits on a child until killed. */
        HANGS,
        /** Exits, leaving a background child that holds stdout and stderr. */
        ORPHAN,
        /** As {@link #ORPHAN}, the child in a session of its own ({@code setsid}). */
        ORPHAN_IN_OWN_SESSION
    }

    /** A misbehaving juju; the call to make on it; the exception it must end with. */
    private record Scenario(String name, String hangs, Fault fault, Function<ScriptedJuju, Object> call,
                            Class<?> expected) {
        Scenario(String name, String hangs, Function<ScriptedJuju, Object> call, Class<?> expected) {
            this(name, hangs, Fault.HANGS, call, expected);
        }
    }

    private static Object read(JujuCliTransport transport) {
        try (InputStream in = transport.openFile("etcd/0", "/home/ubuntu/x.tar.gz", 0, Deadline.after(DEADLINE))) {
            return in.readAllBytes();
        } catch (IOException e) {
            // The stream's contract: a stalled or killed transfer is an IOException from read.
            throw new TransportException("juju-cli", "stream failed: " + e.getMessage(), e);
        }
    }

    private static Object download(ScriptedJuju juju, Path into) {
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(juju.transport()).timeout(DEADLINE)
                .build()) {
            return client.download(Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/x.tar.gz", "a".repeat(64)),
                    into);
        }
    }

    private static Object backup(ScriptedJuju juju, Path into) {
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(juju.transport()).timeout(DEADLINE)
                .build()) {
            return client.backup("etcd/0", into);
        }
    }

    private static Object scp(ScriptedJuju juju, Function<JujuCliTransport, Object> call) {
        try (JujuCliTransport transport = JujuCliTransport.builder().executable(juju.executable())
                .fileTransfer(FileTransfer.SCP).build()) {
            return call.apply(transport);
        }
    }

    private static Object use(ScriptedJuju juju, Function<JujuCliTransport, Object> call) {
        try (JujuCliTransport transport = juju.transport()) {
            return call.apply(transport);
        }
    }

    private List<Scenario> scenarios() {
        List<Scenario> s = new ArrayList<>();
        s.add(new Scenario("run: takeSnapshot", "run",
                j -> use(j, t -> t.takeSnapshot(SNAPSHOT, Deadline.after(DEADLINE))), OperationTimeoutException.class));
        s.add(new Scenario("run: healthOutput", "run",
                j -> use(j, t -> t.healthOutput("etcd/leader", Deadline.after(DEADLINE))),
                OperationTimeoutException.class));
        s.add(new Scenario("run: runRestore", "run", j -> use(j, t -> t.model().orElseThrow()
                .runRestore("etcd/0", Map.of(), Deadline.after(DEADLINE))), OperationTimeoutException.class));
        s.add(new Scenario("status", "status", j -> use(j, t -> t.model().orElseThrow()
                .status(Deadline.after(DEADLINE))), OperationTimeoutException.class));
        s.add(new Scenario("config", "config", j -> use(j, t -> t.model().orElseThrow()
                .config("etcd", "channel", Deadline.after(DEADLINE))), OperationTimeoutException.class));
        s.add(new Scenario("version", "version", j -> {
            try (JujuCliTransport t = JujuCliTransport.builder().executable(j.executable()).timeout(DEADLINE)
                    .build()) {
                return t.version();
            }
        }, OperationTimeoutException.class));
        s.add(new Scenario("version while detecting the dialect of a snapshot", "version",
                j -> use(j, t -> t.takeSnapshot(SNAPSHOT, Deadline.after(DEADLINE))), OperationTimeoutException.class));
        s.add(new Scenario("ssh stream: openFile + read", "ssh", j -> use(j, TimeoutChecks::read),
                TransportException.class));
        s.add(new Scenario("ssh stream under the client: download", "ssh",
                j -> download(j, dir.resolve("downloads-hang")), EtcdBackupException.class));
        s.add(new Scenario("scp stream: openFile", "scp", j -> scp(j, TimeoutChecks::read),
                OperationTimeoutException.class));
        return s;
    }

    /**
     * A {@code juju} that exits while a child it left in the background still holds stdout (as a daemonised helper
     * would). The child is re-parented away from the killed tree, so only the kill of {@code juju}'s session reaches
     * it; before that fix (1) a commons-exec call ended only after the 5 s reap time, past its deadline, and left the
     * executor and pump threads and the child running until the child exited; (2) a file stream's {@code read}
     * blocked past its deadline until the child exited.
     */
    private List<Scenario> orphanScenarios() {
        return List.of(
                new Scenario("status, juju exits but its child keeps stdout open", "status", Fault.ORPHAN,
                        j -> use(j, t -> t.model().orElseThrow().status(Deadline.after(DEADLINE))),
                        OperationTimeoutException.class),
                new Scenario("ssh stream, juju exits but its child keeps stdout open", "ssh", Fault.ORPHAN,
                        j -> use(j, TimeoutChecks::read), TransportException.class),
                new Scenario("scp stream, juju exits 0 without writing but its child keeps stderr open", "scp",
                        Fault.ORPHAN,
                        j -> scp(j, TimeoutChecks::read), TransportException.class));
    }

    /**
     * Issue #16, point 8: the orphan starts a session of its own ({@code setsid}), so neither the tree nor the
     * session kill reaches it. Before the fix (1) a commons-exec call ended only after the 5 s reap time (6.6 s for
     * this 1.5 s deadline) and left its non-daemon executor thread blocked on the pumps (the JVM could not exit)
     * and the child running; (2) a file stream's {@code read} (and so {@code backup()}) was still blocked after
     * 10 s, until the child exited (or, when the JDK drained the pipe first, took the 5 s stderr wait and returned
     * the bytes as a complete file).
     */
    private static List<Scenario> ownSessionOrphanScenarios(Path downloads) {
        return List.of(
                new Scenario("run: takeSnapshot, juju exits, a setsid child keeps stdout", "run",
                        Fault.ORPHAN_IN_OWN_SESSION,
                        j -> use(j, t -> t.takeSnapshot(SNAPSHOT, Deadline.after(DEADLINE))),
                        OperationTimeoutException.class),
                new Scenario("status, juju exits, a setsid child keeps stdout", "status", Fault.ORPHAN_IN_OWN_SESSION,
                        j -> use(j, t -> t.model().orElseThrow().status(Deadline.after(DEADLINE))),
                        OperationTimeoutException.class),
                new Scenario("ssh stream, juju exits, a setsid child keeps stdout", "ssh",
                        Fault.ORPHAN_IN_OWN_SESSION, j -> use(j, TimeoutChecks::read), TransportException.class),
                new Scenario("backup(): snapshot, then juju ssh exits, a setsid child keeps stdout", "ssh",
                        Fault.ORPHAN_IN_OWN_SESSION, j -> backup(j.answer("run",
                                Fixtures.text("3.x-run-snapshot-v3.yaml")), downloads),
                        OperationTimeoutException.class));
    }

    @Test
    void aJujuWhoseOrphanHoldsStdoutStillEndsByItsDeadline() throws Exception {
        runAll(orphanScenarios());
    }

    @Test
    void aJujuWhoseOrphanInItsOwnSessionHoldsStdoutStillEndsByItsDeadline() throws Exception {
        runAll(ownSessionOrphanScenarios(dir.resolve("downloads-hang")));
    }

    @Test
    void everyHangingCallEndsByItsDeadlineAndLeavesNothingBehind() throws Exception {
        runAll(scenarios());
    }

    private void runAll(List<Scenario> scenarios) throws Exception {
        Set<String> threads = Leaks.libraryThreads();
        Set<Thread> nonDaemon = Leaks.nonDaemonThreads();
        Files.createDirectories(dir.resolve("downloads-hang"));
        List<ScriptedJuju> fakes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(scenarios.size(), Leaks.daemonThreads("timeout-check"));
        List<Future<String>> results = new ArrayList<>();
        try {
            for (int i = 0; i < scenarios.size(); i++) {
                Scenario scenario = scenarios.get(i);
                ScriptedJuju juju = new ScriptedJuju(dir.resolve("juju-" + i));
                juju.file("etcd/0", new byte[] {1, 2, 3});
                switch (scenario.fault()) {
                    case HANGS -> juju.hang(scenario.hangs());
                    case ORPHAN -> juju.orphan(scenario.hangs());
                    case ORPHAN_IN_OWN_SESSION -> juju.orphanInOwnSession(scenario.hangs());
                }
                fakes.add(juju);
                results.add(pool.submit(() -> run(scenario, juju)));
            }
            List<String> problems = new ArrayList<>();
            long end = System.nanoTime() + DEADLINE.plus(MARGIN).plusSeconds(10).toNanos();
            for (int i = 0; i < results.size(); i++) {
                // Bounded: a call that never returns fails here instead of hanging the build.
                try {
                    String problem = results.get(i).get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (!problem.isEmpty()) {
                        problems.add(problem);
                    }
                } catch (TimeoutException e) {
                    Ledger.LATE_CALLS.incrementAndGet();
                    problems.add(scenarios.get(i).name() + " never returned");
                }
            }
            for (ScriptedJuju juju : fakes) {
                String leaks = Leaks.checkProcesses(juju);
                if (!leaks.isEmpty()) {
                    problems.add(leaks);
                }
            }
            String leakedThreads = Leaks.checkThreads(threads);
            if (!leakedThreads.isEmpty()) {
                problems.add(leakedThreads);
            }
            String jvmKeptAlive = Leaks.checkNonDaemonThreads(nonDaemon);
            if (!jvmKeptAlive.isEmpty()) {
                problems.add(jvmKeptAlive);
            }
            assertThat(Leaks.liveChildren()).as("child processes of this JVM").isZero();
            assertThat(problems).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    private static String run(Scenario scenario, ScriptedJuju juju) {
        Ledger.FAULTS_INJECTED.incrementAndGet();
        long start = System.nanoTime();
        Throwable thrown = null;
        try {
            scenario.call().apply(juju);
        } catch (Throwable e) {
            thrown = e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Ledger.slowestHangingCall(scenario.fault() == Fault.ORPHAN_IN_OWN_SESSION, took.toMillis());
        String problem = "";
        if (took.compareTo(DEADLINE.plus(MARGIN)) > 0) {
            Ledger.LATE_CALLS.incrementAndGet();
            problem = scenario.name() + " took " + took.toMillis() + " ms. ";
        }
        if (thrown == null) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            return problem + scenario.name() + " returned instead of failing";
        }
        if (!scenario.expected().isInstance(thrown)) {
            Ledger.UNTYPED_ERRORS.incrementAndGet();
            return problem + scenario.name() + " threw " + thrown;
        }
        Ledger.TYPED_ERRORS.incrementAndGet();
        return problem;
    }
}
