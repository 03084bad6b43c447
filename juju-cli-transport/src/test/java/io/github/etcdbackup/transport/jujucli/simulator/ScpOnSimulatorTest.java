package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitCopy;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.transport.jujucli.FakeOpenSsh;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Snapshots of real etcd streamed through {@code juju scp} into a FIFO, against the simulator: explicitly, as the
 * {@code AUTO} fallback when sudo wants a password, cut and resumed from an offset, and failing.
 */
@Timeout(300)
class ScpOnSimulatorTest {
    @TempDir
    static Path work;
    private static JujuSimulator sim;

    @BeforeAll
    static void startModel() throws InterruptedException {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deploy("etcd", 3);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        sim.unit("etcd/0").putAll(Map.of("/registry/a", "1", "/registry/b", "2"));
        // The charm copies the live bbolt file, which etcd commits every 100 ms.
        Thread.sleep(1000);
    }

    @AfterAll
    static void stopModel() {
        sim.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(work)).isEmpty();
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    private static JujuCliTransport transport(FileTransfer transfer) {
        return JujuCliTransport.builder().executable(sim.jujuExecutable()).model("k8s").fileTransfer(transfer)
                .environment(FakeOpenSsh.environment(work.resolve("openssh"), FakeOpenSsh.OPENSSH_9)).build();
    }

    private static EtcdBackupClient client(FileTransfer transfer) {
        return EtcdBackupClient.builder().transport(transport(transfer)).timeout(Duration.ofMinutes(2)).build();
    }

    /** The archive as it is on the unit. */
    private static byte[] onUnit(Snapshot snapshot) throws IOException {
        return Files.readAllBytes(sim.unit(snapshot.unit()).hostPath(snapshot.remotePath()));
    }

    @Test
    void scpDownloadsARealSnapshotByteIdenticalAndVerified() throws IOException {
        try (EtcdBackupClient client = client(FileTransfer.SCP)) {
            // The unit keeps its copy here, to compare with the download.
            LocalSnapshot local = client.backup(SnapshotRequest.builder().unit("etcd/leader")
                    .unitCopy(UnitCopy.KEEP).build(), work.resolve("scp"));

            assertThat(local.verify().sha256()).isEqualTo(local.source().sha256());
            assertThat(Files.readAllBytes(local.file())).isEqualTo(onUnit(local.source()));
            assertThat(SnapshotStore.open(work.resolve("scp")).drill(local).keyCount()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void autoFallsBackToScpWhenSudoWantsAPassword() throws IOException {
        sim.sudoRequiresPassword(true);
        try (EtcdBackupClient sshCat = client(FileTransfer.SSH_CAT)) {
            Snapshot snapshot = sshCat.snapshot("etcd/1");
            assertThatThrownBy(() -> sshCat.download(snapshot, work.resolve("ssh-cat")))
                    .isInstanceOf(TransportException.class).hasStackTraceContaining("sudo: a password is required");
        }
        try (EtcdBackupClient auto = client(FileTransfer.AUTO)) {
            LocalSnapshot local = auto.backup("etcd/1", work.resolve("auto"));

            assertThat(local.verify().sha256()).isEqualTo(local.source().sha256());
            assertThat(Files.readAllBytes(local.file())).isEqualTo(onUnit(local.source()));
        }
    }

    @Test
    void autoReadsInRangesOnlyOnUnitsWhereSudoRunsWithoutAPassword() throws IOException, InterruptedException {
        // Incompressible values: an archive of several 4 KiB ranges.
        Random random = new Random(22);
        Map<String, String> keys = new HashMap<>();
        for (int i = 0; i < 500; i++) {
            byte[] value = new byte[64];
            random.nextBytes(value);
            keys.put("/registry/ranged/" + i, HexFormat.of().formatHex(value));
        }
        sim.unit("etcd/0").putAll(keys);
        Thread.sleep(1000);
        sim.sudoRequiresPassword(true);
        int before = sim.commandsRun().size();
        try (EtcdBackupClient auto = ranged()) {
            LocalSnapshot local = auto.backup("etcd/1", work.resolve("auto-ranged-no-sudo"));

            assertThat(local.verify().sha256()).isEqualTo(local.source().sha256());
        }
        assertThat(commandsSince(before)).as("scp, never a range")
                .anyMatch(argv -> argv.get(0).equals("scp")).noneMatch(ScpOnSimulatorTest::readsARange);

        sim.sudoRequiresPassword(false);
        before = sim.commandsRun().size();
        try (EtcdBackupClient auto = ranged()) {
            LocalSnapshot local = auto.backup("etcd/1", work.resolve("auto-ranged-sudo"));

            assertThat(local.verify().sha256()).isEqualTo(local.source().sha256());
        }
        List<List<String>> withSudo = commandsSince(before);
        assertThat(withSudo).as("ranges, never scp: %s", withSudo)
                .noneMatch(argv -> argv.get(0).equals("scp"))
                .filteredOn(ScpOnSimulatorTest::readsARange).isNotEmpty();
    }

    private static List<List<String>> commandsSince(int count) {
        List<List<String>> all = sim.commandsRun();
        return all.subList(count, all.size());
    }

    /** AUTO with ranges small enough for a small snapshot to be several. */
    private static EtcdBackupClient ranged() {
        return EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .model("k8s").fileTransfer(FileTransfer.AUTO).parallelReads(4, 4096)
                .environment(FakeOpenSsh.environment(work.resolve("openssh"), FakeOpenSsh.OPENSSH_9)).build())
                .timeout(Duration.ofMinutes(2)).build();
    }

    private static boolean readsARange(List<String> argv) {
        return argv.get(0).equals("ssh") && argv.stream().anyMatch(word -> word.contains("dd if="));
    }

    @Test
    void aCutScpIsATypedErrorAndTheDownloadResumesThroughScpByteIdentical() throws IOException {
        Path dir = work.resolve("resume");
        try (EtcdBackupClient client = client(FileTransfer.SCP)) {
            Snapshot snapshot = client.snapshot("etcd/2");
            int cut = onUnit(snapshot).length / 2;
            sim.cutScpStreamAfter(cut, 1);

            assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(TransportException.class)
                    .hasStackTraceContaining("Broken pipe");
            assertThat(dir.resolve(snapshot.localName("k8s"))).doesNotExist();
            assertThat(dir.resolve(snapshot.localName("k8s") + ".part")).hasSize(cut);

            LocalSnapshot local = client.download(snapshot, dir);
            assertThat(local.verify().sha256()).isEqualTo(snapshot.sha256());
            assertThat(Files.readAllBytes(local.file())).isEqualTo(onUnit(snapshot));
        }
    }

    @Test
    void aMissingFileIsATypedErrorAtOnce() {
        String path = "/home/ubuntu/etcd-snapshots/etcd-snapshot-2024-01-01-00.00.00.tar.gz";
        long start = System.nanoTime();
        try (JujuCliTransport transport = transport(FileTransfer.SCP)) {
            assertThatThrownBy(() -> transport.openFile("etcd/0", path, 0, Deadline.after(Duration.ofMinutes(1))))
                    .isInstanceOfSatisfying(TransportException.class, e -> {
                        assertThat(e.exitCode()).hasValue(1);
                        assertThat(e.stderrTail())
                                .isEqualTo("ERROR exit status 1 (scp: " + path + ": No such file or directory)\n");
                    });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
