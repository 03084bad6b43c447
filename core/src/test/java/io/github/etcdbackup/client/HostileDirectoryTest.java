package io.github.etcdbackup.client;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.testing.FakeModel;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.OsLockProbe;
import io.github.etcdbackup.testing.TestArchives;

import io.github.etcdbackup.internal.files.StoreLock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A backup directory others can write to, used by a root process: every file the library writes is tried with a
 * symbolic link planted at its name (to an existing file outside, and to a missing one), and the locks are tried
 * against a second thread, a second spelling of the directory and a second process (python3's fcntl lock, the same
 * POSIX record lock).
 */
@Timeout(60)
class HostileDirectoryTest {
    private static final String PRECIOUS = "precious, outside the backup directory\n";

    @TempDir
    Path dir;
    @TempDir
    Path outside;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private Path victim;
    private Path missing;

    @BeforeEach
    void setUp() throws IOException {
        transport = new FakeTransport();
        client = EtcdBackupClient.builder().transport(transport).timeout(Duration.ofSeconds(20)).build();
        victim = outside.resolve("victim");
        Files.writeString(victim, PRECIOUS);
        missing = outside.resolve("created-through-a-link");
    }

    private static String local(Snapshot snapshot) {
        return snapshot.localName("k8s");
    }

    private void assertNothingOutsideChanged() throws IOException {
        assertThat(Files.readString(victim)).isEqualTo(PRECIOUS);
        assertThat(missing).doesNotExist();
    }

    private Path plant(String name, boolean dangling) throws IOException {
        return Files.createSymbolicLink(dir.resolve(name), dangling ? missing : victim);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLinkAtThePartIsRefusedByName(boolean dangling) throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Path link = plant(local(snapshot) + ".part", dangling);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(FileConflictException.class, e -> {
                    assertThat(e.file()).isEqualTo(link);
                    assertThat(e.getMessage()).contains("symbolic link");
                });
        assertNothingOutsideChanged();
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLinkAtTheFinalNameIsRefusedBeforeAnythingIsDownloaded(boolean dangling) throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Path link = plant(local(snapshot), dangling);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(FileConflictException.class, e -> {
                    assertThat(e.file()).isEqualTo(link);
                    assertThat(e.getMessage()).contains("symbolic link");
                });
        assertThat(transport.opened()).isZero();
        assertNothingOutsideChanged();
    }

    @Test
    void aDanglingLinkPlantedAtTheFinalNameDuringTheDownloadKeepsTheVerifiedPart() throws Exception {
        Snapshot snapshot = client.snapshot("etcd/0");
        HeldDownload download = startHeldDownload(snapshot);
        Path part = download.part();
        Path link = plant(local(snapshot), true);
        download.finish();

        assertThat(download.thrown().get()).isInstanceOfSatisfying(FileConflictException.class, e -> {
            assertThat(e.file()).isEqualTo(link);
            assertThat(e.getMessage()).contains("not overwritten", "kept as " + part.getFileName());
        });
        assertNothingOutsideChanged();
        assertThat(Files.readAllBytes(part)).isEqualTo(transport.file(snapshot.remotePath()));

        Files.delete(link);
        LocalSnapshot local = client.download(snapshot, dir);
        assertThat(transport.opened()).as("the kept part was verified, not fetched again in full").isEqualTo(2);
        assertThat(Files.isRegularFile(local.file(), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(local.verify()).isSameAs(local);
    }

    @ParameterizedTest
    @ValueSource(strings = {".sha256", ".manifest", ".sha256.part", ".manifest.part"})
    void aLinkAtASidecarOrItsOldTempNameIsReplacedNeverFollowed(String suffix) throws IOException {
        for (boolean dangling : new boolean[] {false, true}) {
            Snapshot snapshot = client.snapshot("etcd/0");
            Path link = plant(local(snapshot) + suffix, dangling);

            LocalSnapshot local = client.download(snapshot, dir);

            assertNothingOutsideChanged();
            assertThat(Files.isRegularFile(local.file(), LinkOption.NOFOLLOW_LINKS)).isTrue();
            if (!suffix.endsWith(".part")) {
                assertThat(Files.isSymbolicLink(link)).isFalse();
                assertThat(Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS)).isTrue();
            }
            assertThat(Files.readString(dir.resolve(local.file().getFileName() + ".sha256")))
                    .isEqualTo(local.sha256() + "  " + local.file().getFileName() + "\n");
            assertThat(SnapshotStore.open(dir).list()).contains(local);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLinkAtTheStoreLockIsRefusedAndTheVerifiedPartKept(boolean dangling) throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Path link = plant(StoreLock.FILE_NAME, dangling);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(FileConflictException.class, e -> assertThat(e.file()).isEqualTo(link));
        assertThatThrownBy(() -> SnapshotStore.open(dir).prune(RetentionPolicy.builder().keepLast(1).build()))
                .isInstanceOf(FileConflictException.class);
        assertNothingOutsideChanged();
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
        assertThat(dir.resolve(local(snapshot) + ".part")).hasSize(transport.file(snapshot.remotePath()).length);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aLinkAtARestoreJournalIsNeverOpenedNorTruncated(boolean dangling) throws IOException {
        Files.writeString(victim, PRECIOUS + "a torn last line without newline");
        Path link = plant("restore.journal", dangling);

        assertThatThrownBy(() -> client.resume(link))
                .isInstanceOfSatisfying(FileConflictException.class, e -> {
                    assertThat(e.file()).isEqualTo(link);
                    assertThat(e.getMessage()).contains("symbolic link");
                });
        assertThat(Files.readString(victim)).isEqualTo(PRECIOUS + "a torn last line without newline");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aNewJournalIsNotCreatedThroughALink() throws Exception {
        FakeModel model = FakeModel.charmedKubernetes("kubernetes-control-plane");
        transport.model(model);
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), outside));
        LocalSnapshot backup = client.backup("etcd/0", dir);
        RestorePlan plan = client.planRestore(backup, RestoreOptions.juju().build());
        Path link = plant("restore.journal", true);

        assertThatThrownBy(() -> client.restore(plan, link))
                .isInstanceOfSatisfying(FileConflictException.class, e -> {
                    assertThat(e.file()).isEqualTo(link);
                    assertThat(e.getMessage()).contains("symbolic link");
                });
        assertThat(missing).doesNotExist();
        assertThat(model.deploys.get()).isZero();
    }

    @Test
    void verifyAllDuringADownloadKeepsItsLockAgainstOtherProcesses() throws Exception {
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), outside));
        Snapshot snapshot = client.snapshot("etcd/0");
        HeldDownload download = startHeldDownload(snapshot);
        Path part = download.part();
        awaitLocked(part);

        assertThat(SnapshotStore.open(dir).verifyAll()).as("a running download is not reported").isEmpty();
        assertThat(OsLockProbe.heldAgainstOtherProcesses(part)).as("still locked after verifyAll").isTrue();

        download.finish();
        assertThat(SnapshotStore.open(dir).verifyAll()).hasSize(1).allSatisfy(c -> assertThat(c.ok()).isTrue());
    }

    @Test
    void aSecondThreadRefusedAtThePartLeavesTheFirstOnesLockInPlace() throws Exception {
        Snapshot snapshot = client.snapshot("etcd/0");
        HeldDownload download = startHeldDownload(snapshot);
        Path part = download.part();
        awaitLocked(part);

        assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(FileConflictException.class);
        assertThatThrownBy(() -> client.download(snapshot, dir.resolve("."))).isInstanceOf(FileConflictException.class);
        assertThat(OsLockProbe.heldAgainstOtherProcesses(part)).isTrue();

        download.finish();
        assertThat(client.download(snapshot, dir).verify().sha256()).isEqualTo(snapshot.sha256());
    }

    @Test
    void aPartReplacedAfterItWasHashedIsNotPublished() throws Exception {
        Snapshot snapshot = client.snapshot("etcd/0");
        HeldDownload download = startHeldDownload(snapshot);
        Path part = download.part();
        Path forged = outside.resolve("forged");
        Files.write(forged, new byte[transport.file(snapshot.remotePath()).length]);
        Files.move(forged, part, StandardCopyOption.REPLACE_EXISTING);
        download.finish();

        assertThat(download.thrown().get()).isInstanceOfSatisfying(FileConflictException.class,
                e -> assertThat(e.getMessage()).contains("changed under this download"));
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
        assertThat(part).exists();
    }

    @Test
    void oneStoreThroughItsPathAndThroughALinkIsOneLock() throws Exception {
        Path link = Files.createSymbolicLink(outside.resolve("store-link"), dir);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<LocalSnapshot> results = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Path target = i % 2 == 0 ? dir : link;
            threads.add(new Thread(() -> {
                try {
                    results.add(client.backup("etcd/0", target));
                    SnapshotStore.open(target).prune(RetentionPolicy.builder().keepLast(100).build());
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(errors).isEmpty();
        assertThat(results).hasSize(8).allSatisfy(local -> assertThat(local.verify()).isSameAs(local));
        assertThat(SnapshotStore.open(dir).list()).hasSize(8);
    }

    @Test
    void archivesOfSeveralUnitsTakenInOneSecondAllStay() throws IOException {
        transport.allSnapshotsInOneSecond();
        List<LocalSnapshot> locals = new ArrayList<>();
        for (String unit : List.of("etcd/0", "etcd/1", "etcd/2", "etcd/0")) {
            locals.add(client.backup(unit, dir));
        }

        assertThat(locals).extracting(l -> l.source().archiveName()).containsOnly(
                "etcd-snapshot-2024-03-12-10.15.00.tar.gz");
        assertThat(locals).extracting(l -> l.file().getFileName().toString()).doesNotHaveDuplicates()
                .allSatisfy(name -> assertThat(name).startsWith("k8s_etcd-").endsWith(".tar.gz"));
        assertThat(locals.get(1).file().getFileName().toString())
                .isEqualTo("k8s_etcd-1_etcd-snapshot-2024-03-12-10.15.00_"
                        + locals.get(1).sha256().substring(0, 12) + ".tar.gz");
        assertThat(locals).allSatisfy(local -> assertThat(local.verify()).isSameAs(local));
        assertThat(SnapshotStore.open(dir).list()).hasSize(4);
    }

    @Test
    void aStoreWithArchivesUnderTheOldNamesStillListsAndVerifiesThem() throws Exception {
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(20_000, 5), outside));
        LocalSnapshot downloaded = client.backup("etcd/0", dir);
        Path legacy = dir.resolve(downloaded.source().archiveName());
        String oldName = legacy.getFileName().toString();
        Files.move(downloaded.file(), legacy);
        Files.delete(dir.resolve(downloaded.file().getFileName() + ".sha256"));
        Files.writeString(dir.resolve(oldName + ".sha256"), downloaded.sha256() + "  " + oldName + "\n");
        Path manifest = dir.resolve(downloaded.file().getFileName() + ".manifest");
        Files.writeString(dir.resolve(oldName + ".manifest"), Files.readString(manifest, StandardCharsets.UTF_8)
                .replace("archive=" + downloaded.file().getFileName(), "archive=" + oldName));
        Files.delete(manifest);

        LocalSnapshotStore store = SnapshotStore.open(dir);
        assertThat(store.list()).singleElement().satisfies(s -> {
            assertThat(s.file()).isEqualTo(legacy);
            assertThat(s.sha256()).isEqualTo(downloaded.sha256());
        });
        assertThat(store.verifyAll()).singleElement().satisfies(c -> assertThat(c.ok()).isTrue());
    }

    /** A download of this test's client whose stream hangs, holding its {@code .part}, until {@link #finish()}. */
    private record HeldDownload(Thread thread, CountDownLatch release, AtomicReference<Throwable> thrown, Path part) {
        void finish() throws InterruptedException {
            release.countDown();
            thread.join(20_000);
        }
    }

    private HeldDownload startHeldDownload(Snapshot snapshot) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        transport.hangNextStream(release);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                client.download(snapshot, dir);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        thread.start();
        Path part = dir.resolve(local(snapshot) + ".part");
        awaitFile(part);
        return new HeldDownload(thread, release, thrown, part);
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 2000 && !Files.exists(file, LinkOption.NOFOLLOW_LINKS); i++) {
            Thread.sleep(5);
        }
        assertThat(file).exists();
    }

    private static void awaitLocked(Path part) throws Exception {
        for (int i = 0; i < 200 && !OsLockProbe.heldAgainstOtherProcesses(part); i++) {
            Thread.sleep(10);
        }
        assertThat(OsLockProbe.heldAgainstOtherProcesses(part)).isTrue();
    }
}
