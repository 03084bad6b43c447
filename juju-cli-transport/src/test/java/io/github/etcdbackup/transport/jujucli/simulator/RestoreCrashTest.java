package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.internal.restore.RestoreJournal;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue #7/#11: the JVM running a restore is SIGKILLed at a random point (seeded); another client finishes the
 * restore from the journal, and the restored cluster holds every key with every member healthy. The simulator (and
 * its real etcd units) lives in this JVM, so the model outlives the killed process, as a real model would.
 */
@Timeout(600)
class RestoreCrashTest {
    private static final int KEYS = 40;
    private static final int CRASHES = Integer.getInteger("restore.crashes", 4);

    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static Path store;

    @BeforeAll
    static void backUpAClusterWithKnownKeys() throws InterruptedException {
        RestoreModel model = RestoreModel.backedUp(work, KEYS);
        sim = model.sim();
        store = model.backup().file().getParent();
    }

    @AfterAll
    static void stopModel() {
        sim.close();
    }

    static JujuRestoreOptions.Builder into(String target) {
        return RestoreOptions.juju().targetApplication(target).units(2).pollInterval(Duration.ofMillis(200))
                .settleTimeout(Duration.ofMinutes(2));
    }

    private static EtcdBackupClient client() {
        return EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .build()).timeout(Duration.ofMinutes(2)).build();
    }

    @Test
    void aRestoreKilledAtARandomPointIsFinishedFromItsJournalByAnotherProcess() throws Exception {
        Random random = new Random(ReliabilitySeeds.BASE);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> stoppedAt = new ArrayList<>();
        int finishedBeforeTheKill = 0;
        for (int i = 0; i < CRASHES; i++) {
            String target = "crashed-etcd-" + (char) ('a' + i);
            Path journal = work.resolve(target + ".journal");
            Process child = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    RestoreInAChildProcess.class.getName(), sim.jujuExecutable().toString(), store.toString(), target,
                    journal.toString()))
                    .redirectErrorStream(true).redirectOutput(work.resolve(target + ".log").toFile()).start();
            // A random step (of the 9 here), then a random moment within it: steps take 0.1 to 6 s.
            int step = random.nextInt(9);
            awaitStarted(journal, step, child, work.resolve(target + ".log"));
            Thread.sleep(random.nextInt(1500));
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            RestoreJournal.Recovered left = RestoreJournal.read(journal);
            int steps = left.plan().steps().size();
            finishedBeforeTheKill += left.resumeIndex() == steps ? 1 : 0;
            stoppedAt.add(left.resumeIndex() == steps ? "done" : "step " + (left.resumeIndex() + 1) + "/" + steps);

            try (EtcdBackupClient client = client()) {
                RestoreReport resumed = client.resume(journal);
                assertThat(resumed.completed()).as(resumed.describe()).isTrue();
                HealthReport health = client.health(target + "/leader");
                assertThat(health.allMembersHealthy()).as(health.rawOutput()).isTrue();
                assertThat(health.members()).hasSize(2);
            }
            assertThat(sim.unit(target + "/0").count("/registry/")).isEqualTo(KEYS);
        }
        System.out.printf("restore-crash: kills=%d finishedBeforeTheKill=%d resumedFromStep=%s%n", CRASHES,
                finishedBeforeTheKill, stoppedAt);
    }

    private static void awaitStarted(Path journal, int step, Process child, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!Files.exists(journal) || !Files.readString(journal).contains("\nstarted " + step + "\n")) {
            if (!child.isAlive()) {
                child.waitFor();
                assertThat(Files.exists(journal)).as("the child exited before it wrote a journal:%n%s",
                        Files.readString(log)).isTrue();
                return;
            }
            assertThat(System.nanoTime()).as("step %d did not start within 2 minutes", step).isLessThan(end);
            Thread.sleep(20);
        }
    }
}
