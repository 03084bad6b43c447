package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The charm never deletes the archives its snapshot action writes (layer-etcd src/actions/snapshot), and the
 * simulator's units keep them too: the library removes its own once the download is verified, and never follows a
 * link someone planted in the unit's snapshot directory.
 */
@Timeout(240)
class UnitArchivesOnSimulatorTest {
    private static final String SNAPSHOTS = SnapshotRequest.DEFAULT_TARGET;

    @TempDir
    Path work;

    private static EtcdBackupClient client(JujuSimulator sim, List<BackupEvent> events) {
        return EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .build()).listener(events::add).timeout(Duration.ofMinutes(1)).build();
    }

    private static JujuSimulator model(String jujuVersion, Path work) {
        JujuSimulator sim = JujuSimulator.builder().jujuVersion(jujuVersion).workDir(work).build();
        sim.deploy("etcd", 1);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        return sim;
    }

    private static List<Path> archivesIn(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tar.gz")).toList();
        }
    }

    @ParameterizedTest(name = "Juju {0}")
    @ValueSource(strings = {"2.9.45", "3.4.2"})
    void theUnitsSnapshotDirectoryStaysFlatOverManyBackups(String jujuVersion) throws Exception {
        try (JujuSimulator sim = model(jujuVersion, work)) {
            Path onUnit = sim.unit("etcd/0").hostPath(SNAPSHOTS);
            List<BackupEvent> events = new CopyOnWriteArrayList<>();
            try (EtcdBackupClient client = client(sim, events)) {
                for (int i = 0; i < 4; i++) {
                    LocalSnapshot local = client.backup("etcd/leader", work.resolve("backups"));
                    assertThat(local.verify()).isSameAs(local);
                    assertThat(archivesIn(onUnit)).as("after backup %d", i + 1).isEmpty();
                }
                assertThat(events).filteredOn(BackupEvent.UnitArchiveRemoved.class::isInstance).hasSize(4);

                // Archives someone left there, by hand or with the option that keeps them, are pruned on request.
                LocalSnapshot kept = client.backup(SnapshotRequest.builder().unit("etcd/0")
                        .unitCopy(io.github.etcdbackup.UnitCopy.KEEP).build(), work.resolve("backups"));
                Thread.sleep(1100);
                String byHand = client.snapshot("etcd/0").remotePath();
                assertThat(client.listUnitArchives("etcd/0")).extracting(UnitArchive::path)
                        .containsExactly(kept.source().remotePath(), byHand);
                assertThat(client.pruneUnitArchives("etcd/0", 1)).extracting(UnitArchive::path)
                        .containsExactly(kept.source().remotePath());
                assertThat(archivesIn(onUnit)).extracting(p -> SNAPSHOTS + "/" + p.getFileName())
                        .containsExactly(byHand);
            }
        }
    }

    @ParameterizedTest(name = "Juju {0}")
    @ValueSource(strings = {"2.9.45", "3.4.2"})
    void aPlantedLinkIsNeverFollowedAndAFailedRemovalDoesNotFailTheBackup(String jujuVersion) throws Exception {
        try (JujuSimulator sim = model(jujuVersion, work)) {
            Path snapshots = sim.unit("etcd/0").hostPath(SNAPSHOTS);
            Path elsewhere = Files.createDirectories(sim.unit("etcd/0").hostPath("/home/ubuntu/elsewhere"));
            Files.deleteIfExists(snapshots);
            Files.createSymbolicLink(snapshots, elsewhere);
            List<BackupEvent> events = new CopyOnWriteArrayList<>();
            try (EtcdBackupClient client = client(sim, events)) {
                LocalSnapshot local = client.backup("etcd/0", work.resolve("backups"));

                assertThat(local.verify()).isSameAs(local);
                assertThat(events).filteredOn(BackupEvent.UnitArchiveKept.class::isInstance).singleElement()
                        .satisfies(e -> assertThat(((BackupEvent.UnitArchiveKept) e).error())
                                .hasMessageContaining("symbolic link"));
                assertThat(archivesIn(elsewhere)).hasSize(1);
                assertThatThrownBy(() -> client.listUnitArchives("etcd/0"))
                        .isInstanceOf(EtcdBackupException.class).hasMessageContaining("symbolic link");

                // A link named like an archive inside a real directory is neither listed nor removed.
                Files.delete(snapshots);
                Files.createDirectories(snapshots);
                Path precious = Files.writeString(sim.unit("etcd/0").hostPath("/home/ubuntu/precious"), "keep me");
                String planted = SNAPSHOTS + "/etcd-snapshot-2020-01-01-00.00.00.tar.gz";
                Files.createSymbolicLink(sim.unit("etcd/0").hostPath(planted), precious);
                assertThat(client.listUnitArchives("etcd/0")).isEmpty();
                assertThat(client.pruneUnitArchives("etcd/0", 0)).isEmpty();
                try (JujuCliTransport transport = JujuCliTransport.builder().executable(sim.jujuExecutable())
                        .build()) {
                    assertThatThrownBy(() -> transport.removeArchive("etcd/0", planted, java.util.Optional.empty(),
                            Deadline.after(Duration.ofMinutes(1))))
                            .isInstanceOf(EtcdBackupException.class).hasMessageContaining("not a regular file");
                }
                assertThat(Files.readString(precious)).isEqualTo("keep me");
                assertThat(Files.isSymbolicLink(sim.unit("etcd/0").hostPath(planted))).isTrue();
            }
        }
    }
}
