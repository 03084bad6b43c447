package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.UnitCopy;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testing.FakeTransport;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class VerifiedDownloadTest {
    @TempDir
    Path dir;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private final List<BackupEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        transport = new FakeTransport();
        client = EtcdBackupClient.builder().transport(transport).timeout(Duration.ofSeconds(20))
                .listener(events::add).build();
    }

    /** The name downloads give the archive here, in the fake transport's model. */
    private static String local(Snapshot snapshot) {
        return snapshot.localName("k8s");
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            // The directory's lock file stays once created; it holds no data.
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".etcd-backup.lock"))
                    .sorted().toList();
        }
    }

    @Test
    void aGoodStreamBecomesAVerifiedFileWithAChecksumFile() throws IOException {
        transport.archiveSize(9 * 1024 * 1024 + 7);
        Snapshot snapshot = client.snapshot("etcd/0");
        LocalSnapshot local = client.download(snapshot, dir);

        byte[] remote = transport.file(snapshot.remotePath());
        assertThat(Files.readAllBytes(local.file())).isEqualTo(remote);
        assertThat(local.sizeBytes()).isEqualTo(remote.length);
        assertThat(local.sha256()).isEqualTo(snapshot.sha256());
        assertThat(filesInDir()).containsExactly(local(snapshot), local(snapshot) + ".manifest",
                local(snapshot) + ".sha256");
        assertThat(Files.readString(dir.resolve(local(snapshot) + ".sha256")))
                .isEqualTo(snapshot.sha256() + "  " + local(snapshot) + "\n");
        assertThat(events).filteredOn(BackupEvent.BytesTransferred.class::isInstance)
                .map(e -> ((BackupEvent.BytesTransferred) e).bytes())
                .isSorted().last().isEqualTo((long) remote.length);
    }

    @Test
    void aFlippedByteIsCaughtAndNothingIsKept() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        transport.flipByteInNextStreamAt(12345);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
                    assertThat(e.expected()).isEqualTo(snapshot.sha256());
                    assertThat(e.actual()).isNotEqualTo(snapshot.sha256()).hasSize(64);
                    assertThat(e.location()).isEqualTo(dir.resolve(local(snapshot)).toString());
                });
        assertThat(filesInDir()).isEmpty();
    }

    @Test
    void aCutStreamKeepsThePartAndTheNextDownloadResumesFromIt() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        transport.cutNextStreamAfter(100_000);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.getMessage()).contains("after 100000 bytes", "resumes"));
        assertThat(filesInDir()).containsExactly(local(snapshot) + ".part");
        assertThat(Files.size(dir.resolve(local(snapshot) + ".part"))).isEqualTo(100_000);

        LocalSnapshot local = client.download(snapshot, dir);
        assertThat(Files.readAllBytes(local.file())).isEqualTo(transport.file(snapshot.remotePath()));
        assertThat(filesInDir()).containsExactly(local(snapshot), local(snapshot) + ".manifest",
                local(snapshot) + ".sha256");
    }

    @Test
    void aResumeOnTopOfAWrongPrefixIsCaughtByTheHash() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Files.write(dir.resolve(local(snapshot) + ".part"), new byte[5000]);

        assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(ChecksumMismatchException.class);
        assertThat(filesInDir()).isEmpty();
        assertThat(client.download(snapshot, dir).sha256()).isEqualTo(snapshot.sha256());
    }

    @Test
    void aStalledStreamTimesOutAndKeepsThePart() throws IOException {
        EtcdBackupClient hasty = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMillis(300)).build();
        Snapshot snapshot = hasty.snapshot("etcd/0");
        transport.hangNextStream(new CountDownLatch(1));

        long start = System.nanoTime();
        assertThatThrownBy(() -> hasty.download(snapshot, dir))
                .isInstanceOfSatisfying(OperationTimeoutException.class,
                        e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(300)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
    }

    @Test
    void anInterruptStopsTheDownloadWithATypedErrorAndKeepsTheFlag() throws Exception {
        Snapshot snapshot = client.snapshot("etcd/0");
        transport.hangNextStream(new CountDownLatch(1));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                client.download(snapshot, dir);
            } catch (RuntimeException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        worker.start();
        Thread.sleep(200);
        worker.interrupt();
        worker.join(5000);

        assertThat(thrown.get()).isInstanceOf(OperationInterruptedException.class);
        assertThat(flag.get()).isTrue();
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
    }

    @Test
    void anExistingFinalFileWithOtherContentIsNeverOverwritten() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Path existing = dir.resolve(local(snapshot));
        Files.writeString(existing, "precious", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(FileConflictException.class,
                        e -> assertThat(e.file()).isEqualTo(existing));
        assertThat(Files.readString(existing)).isEqualTo("precious");
        assertThat(transport.opened()).isZero();
    }

    @Test
    void anExistingIdenticalFileIsReusedWithoutDownloading() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        client.download(snapshot, dir);
        Files.delete(dir.resolve(local(snapshot) + ".sha256"));

        LocalSnapshot again = client.download(snapshot, dir);
        assertThat(again.sha256()).isEqualTo(snapshot.sha256());
        assertThat(transport.opened()).isEqualTo(1);
        assertThat(dir.resolve(local(snapshot) + ".sha256")).exists();
    }

    @Test
    void aDownloadAlreadyInProgressIsAConflictNotACorruption() throws IOException {
        Snapshot snapshot = client.snapshot("etcd/0");
        Path part = dir.resolve(local(snapshot) + ".part");
        try (FileChannel other = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = other.lock()) {
            assertThatThrownBy(() -> client.download(snapshot, dir)).isInstanceOf(FileConflictException.class);
        }
        assertThat(dir.resolve(local(snapshot))).doesNotExist();
    }

    @Test
    void theLocalSnapshotNoticesWhenTheFileChangesLater() throws IOException {
        LocalSnapshot local = client.backup("etcd/0", dir);
        byte[] bytes = Files.readAllBytes(local.file());
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(local.file(), bytes);

        assertThatThrownBy(local::verify).isInstanceOf(ChecksumMismatchException.class);
    }

    @Test
    void aMissingDirectoryIsCreated() {
        Path nested = dir.resolve("a/b");
        LocalSnapshot local = client.backup("etcd/0", nested);
        assertThat(local.file().getParent()).isEqualTo(nested);
    }

    @Test
    void concurrentBackupsThroughOneClientDoNotMixUp() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<LocalSnapshot> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 6; i++) {
            Path target = dir.resolve("t" + i);
            threads.add(new Thread(() -> results.add(client.backup(SnapshotRequest.builder().unit("etcd/0")
                    .unitCopy(UnitCopy.KEEP).build(), target))));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(20_000);
        }
        assertThat(results).hasSize(6);
        for (LocalSnapshot local : results) {
            assertThat(Files.readAllBytes(local.file())).isEqualTo(transport.file(local.source().remotePath()));
        }
        assertThat(results.stream().map(LocalSnapshot::sha256).distinct().count()).isEqualTo(6);
    }

    @Test
    void aStreamRunningFarPastTheReportedSizeIsStoppedAndNothingKept() throws IOException {
        transport.archiveSize(5 * 1024 * 1024);
        transport.reportedSize("100K");
        Snapshot snapshot = client.snapshot("etcd/0");
        assertThat(snapshot.approximateSizeBytes()).isEqualTo(100 * 1024);

        assertThatThrownBy(() -> client.download(snapshot, dir))
                .isInstanceOfSatisfying(TransportException.class, e -> assertThat(e.getMessage())
                        .contains("brought more than " + (100 * 1024 + 25 * 1024 + 1024 * 1024) + " bytes"));
        assertThat(filesInDir()).isEmpty();
    }

    @Test
    void aStreamWithinTheMarginOfTheReportedSizeIsAccepted() {
        transport.archiveSize(1024 * 1024 + 100 * 1024);
        transport.reportedSize("100K");
        Snapshot snapshot = client.snapshot("etcd/0");

        assertThat(client.download(snapshot, dir).sizeBytes()).isEqualTo(1024 * 1024 + 100 * 1024);
    }

    @Test
    void aBackupWhoseDownloadFailsLeavesNoPartBehind() throws IOException {
        transport.cutNextStreamAfter(100_000);

        assertThatThrownBy(() -> client.backup("etcd/0", dir))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.getMessage()).contains("after 100000 bytes", "partial file is deleted"));
        assertThat(filesInDir()).isEmpty();
    }

    @Test
    void aBackupOfARequestWhoseDownloadFailsLeavesNoPartBehindEither() throws IOException {
        transport.cutNextStreamAfter(100_000);
        SnapshotRequest v2 = SnapshotRequest.builder().unit("etcd/0").keysVersion(KeysVersion.V2).build();

        assertThatThrownBy(() -> client.backup(v2, dir)).isInstanceOf(TransportException.class);
        assertThat(filesInDir()).isEmpty();
    }

    @Test
    void aFullDiskDeletesThePartSoThatTheDiskIsFreeAgain() throws Exception {
        Path source = dir.resolve("etcd-snapshot-2026-12-04-10.00.00.tar.gz");
        byte[] content = new byte[4 * 1024 * 1024];
        new java.util.Random(7).nextBytes(content);
        Files.write(source, content);
        Path mountPoint = Files.createDirectory(dir.resolve("tiny"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // A 1 MiB tmpfs in a user and mount namespace of its own: a real ENOSPC without root or a loop device.
        Process child = new ProcessBuilder("unshare", "-Urm", "sh", "-c",
                "mount -t tmpfs -o size=1m tmpfs \"$1\" && exec \"$2\" -cp \"$3\" \"$4\" \"$5\" \"$6\" \"$1\"",
                "sh", mountPoint.toString(), java.toString(), System.getProperty("java.class.path"),
                DiskFullDownload.class.getName(), source.toString(), FakeTransport.sha256(content))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor()).as(output).isZero();

        assertThat(output).contains("result=LocalStorageException", "No space left on device", "files=[]\n");
        long free = Long.parseLong(output.replaceAll("(?s).*free=(\\d+).*", "$1"));
        assertThat(free).as("the tmpfs is empty again").isGreaterThan(1000 * 1024);
    }
}
