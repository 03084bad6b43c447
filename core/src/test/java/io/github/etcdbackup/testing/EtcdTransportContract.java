package io.github.etcdbackup.testing;

import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.UnitCopy;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.FileRanges;
import io.github.etcdbackup.spi.EtcdTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link EtcdTransport} must show, run against each real transport: the juju-cli transport
 * against the testkit simulator, the SSH transport against a real OpenSSH server and real etcd.
 */
public abstract class EtcdTransportContract {
    /** Where downloads go; a fresh directory per test. */
    @TempDir
    protected Path downloads;

    /** A new transport; the test closes it. */
    protected abstract EtcdTransport newTransport();

    /** A unit of a healthy etcd cluster that can take snapshots. */
    protected abstract String unit();

    /** Makes the next stream opened from {@code unit()} break after {@code bytes} bytes. */
    protected abstract void cutNextStreamAfter(long bytes);

    private EtcdBackupClient client(EtcdTransport transport) {
        return EtcdBackupClient.builder().transport(transport).timeout(Duration.ofMinutes(2)).build();
    }

    @Test
    void snapshotRoundTripGivesAVerifiedArchive() throws IOException {
        EtcdTransport transport = newTransport();
        try (EtcdBackupClient client = client(transport)) {
            LocalSnapshot local = client.backup(unit(), downloads);
            String name = local.source().localName(transport.modelName().orElse(""));

            Snapshot source = local.source();
            assertThat(source.unit()).matches("[a-z][a-z0-9-]*/[0-9]+");
            assertThat(source.remotePath()).startsWith("/").endsWith("/" + source.archiveName());
            assertThat(source.archiveName()).matches("etcd-snapshot-\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.\\d{2}\\.\\d{2}\\.tar\\.gz");
            assertThat(source.etcdctlVersion()).matches("3\\.\\d+\\.\\d+");
            assertThat(source.apiVersion()).isNotEmpty();
            assertThat(local.file()).isEqualTo(downloads.resolve(name));
            assertThat(name).contains(source.unit().replace('/', '-'), source.sha256().substring(0, 12));
            assertThat(local.sha256()).isEqualTo(source.sha256());
            assertThat(local.sizeBytes()).isEqualTo(Files.size(local.file()));
            assertThat(local.verify()).isSameAs(local);
            assertThat(Files.readString(downloads.resolve(name + ".sha256"), StandardCharsets.UTF_8))
                    .isEqualTo(source.sha256() + "  " + name + "\n");
            assertThat(downloads.resolve(name + ".part")).doesNotExist();
        }
    }

    @Test
    void openFileFromAnOffsetReturnsTheRestOfTheFile() throws IOException {
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            LocalSnapshot local = client.backup(keeping(), downloads);
            byte[] whole = Files.readAllBytes(local.file());
            int offset = whole.length / 3;
            byte[] rest;
            try (InputStream in = transport.openFile(local.source().unit(), local.source().remotePath(), offset,
                    Deadline.after(Duration.ofMinutes(1)))) {
                rest = in.readAllBytes();
            }
            assertThat(rest).isEqualTo(Arrays.copyOfRange(whole, offset, whole.length));
        }
    }

    @Test
    void rangesOfAFileAreExactSlicesEvenSeveralAtOnce() throws Exception {
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            Deadline deadline = Deadline.after(Duration.ofMinutes(1));
            if (transport.parallelReads(unit(), deadline).isEmpty()) {
                assertThatThrownBy(() -> transport.openRange(unit(), "/var/snap/etcd/common/x.tar.gz", 0, 10,
                        deadline)).isInstanceOf(UnsupportedByTransportException.class);
                return;
            }
            LocalSnapshot local = client.backup(keeping(), downloads);
            String unit = local.source().unit();
            String path = local.source().remotePath();
            byte[] whole = Files.readAllBytes(local.file());
            int n = whole.length;
            long[][] ranges = {{0, 4096}, {n / 3, 4096}, {n - 100, 4096}, {n, 4096}, {n + 5000, 4096}, {0, n},
                    {1, n - 2}};
            ExecutorService pool = Executors.newFixedThreadPool(ranges.length);
            try {
                List<Future<byte[]>> slices = new ArrayList<>();
                for (long[] range : ranges) {
                    slices.add(pool.submit(() -> {
                        try (InputStream in = transport.openRange(unit, path, range[0], range[1], deadline)) {
                            return in.readAllBytes();
                        }
                    }));
                }
                for (int i = 0; i < ranges.length; i++) {
                    int from = (int) Math.min(n, ranges[i][0]);
                    int to = (int) Math.min(n, ranges[i][0] + ranges[i][1]);
                    assertThat(slices.get(i).get(1, TimeUnit.MINUTES)).as("bytes %d to %d", from, to)
                            .isEqualTo(Arrays.copyOfRange(whole, from, to));
                }
            } finally {
                pool.shutdownNow();
            }
            assertThatThrownBy(() -> {
                try (InputStream in = transport.openRange(unit, path + "-missing.tar.gz", 0, 10, deadline)) {
                    in.readAllBytes();
                }
            }).isInstanceOfAny(IOException.class, EtcdBackupException.class);
        }
    }

    /**
     * The ranges of one download ({@code fileRanges}) are the same exact slices, one after another (where a transport
     * may let one set-up serve several) and side by side; once closed, they take no new range.
     */
    @Test
    void theRangesOfOneDownloadAreExactSlicesOneAfterAnotherAndSideBySide() throws Exception {
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            Deadline deadline = Deadline.after(Duration.ofMinutes(1));
            if (transport.parallelReads(unit(), deadline).isEmpty()) {
                return; // fileRanges then serves nothing: openRange's refusal is checked above
            }
            LocalSnapshot local = client.backup(keeping(), downloads);
            byte[] whole = Files.readAllBytes(local.file());
            int n = whole.length;
            int step = Math.max(1, n / 5);
            FileRanges ranges = transport.fileRanges(local.source().unit(), local.source().remotePath());
            try (ranges) {
                for (long offset = 0; offset <= n + step; offset += step) {
                    try (InputStream in = ranges.open(offset, step, deadline)) {
                        assertThat(in.readAllBytes()).as("bytes from %d", offset).isEqualTo(
                                Arrays.copyOfRange(whole, (int) Math.min(n, offset), (int) Math.min(n, offset + step)));
                    }
                }
                ExecutorService pool = Executors.newFixedThreadPool(3);
                try {
                    List<Future<byte[]>> slices = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        long offset = (long) i * step + i;
                        slices.add(pool.submit(() -> {
                            try (InputStream in = ranges.open(offset, step, deadline)) {
                                return in.readAllBytes();
                            }
                        }));
                    }
                    for (int i = 0; i < 3; i++) {
                        int from = Math.min(n, i * step + i);
                        assertThat(slices.get(i).get(1, TimeUnit.MINUTES)).isEqualTo(
                                Arrays.copyOfRange(whole, from, Math.min(n, from + step)));
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
            assertThatThrownBy(() -> ranges.open(0, step, deadline).close())
                    .isInstanceOf(EtcdBackupException.class);
        }
    }

    @Test
    void aCutStreamEndsInATypedErrorAndTheNextDownloadIsComplete() throws IOException {
        EtcdTransport transport = newTransport();
        try (EtcdBackupClient client = client(transport)) {
            Snapshot snapshot = client.snapshot(unit());
            cutNextStreamAfter(100);

            assertThatThrownBy(() -> client.download(snapshot, downloads))
                    .isInstanceOfAny(TransportException.class, ChecksumMismatchException.class);
            assertThat(downloads.resolve(snapshot.localName(transport.modelName().orElse("")))).doesNotExist();

            LocalSnapshot local = client.download(snapshot, downloads);
            assertThat(local.verify().sha256()).isEqualTo(snapshot.sha256());
            assertThat(local.sizeBytes()).isEqualTo(Files.size(local.file()));
        }
    }

    @Test
    void anExpiredDeadlineEndsEveryCallWithATimeout() throws InterruptedException {
        try (EtcdTransport transport = newTransport()) {
            Deadline expired = Deadline.after(Duration.ofNanos(1));
            Thread.sleep(2);
            SnapshotRequest request = SnapshotRequest.builder().unit(unit()).build();
            assertThatThrownBy(() -> transport.takeSnapshot(request, expired))
                    .isInstanceOf(OperationTimeoutException.class);
            assertThatThrownBy(() -> transport.healthOutput(unit(), expired))
                    .isInstanceOf(OperationTimeoutException.class);
        }
    }

    @Test
    void healthReportsEveryMember() {
        try (EtcdBackupClient client = client(newTransport())) {
            HealthReport report = client.health(unit());
            assertThat(report.members()).isNotEmpty();
            assertThat(report.allMembersHealthy()).isTrue();
        }
    }

    @Test
    void aDeadlineThatPassesWhileAStreamIsOpenEndsItWithAnError() throws Exception {
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            Snapshot snapshot = client.snapshot(unit());
            Deadline shortDeadline = Deadline.after(Duration.ofSeconds(2));
            try (InputStream in = transport.openFile(snapshot.unit(), snapshot.remotePath(), 0, shortDeadline)) {
                Thread.sleep(shortDeadline.remaining().toMillis() + 500);
                // Whatever was already buffered, the stream must not end as if the file were complete.
                assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void anInterruptedCallEndsTypedAndKeepsTheInterruptFlag() {
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            Snapshot snapshot = client.snapshot(unit());
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> client.download(snapshot, downloads))
                        .isInstanceOf(OperationInterruptedException.class);
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt flag is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(downloads.resolve(snapshot.localName(transport.modelName().orElse("")))).doesNotExist();
            // The transport is still usable once the flag is cleared.
            assertThat(client.download(snapshot, downloads).verify().sha256()).isEqualTo(snapshot.sha256());
        }
    }

    @Test
    void concurrentCallsFromSeveralThreadsEachGetACompleteAnswer() throws Exception {
        int threads = 4;
        try (EtcdTransport transport = newTransport(); EtcdBackupClient client = client(transport)) {
            Snapshot snapshot = client.snapshot(unit());
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<LocalSnapshot>> downloadsDone = new ArrayList<>();
                List<Future<HealthReport>> healthDone = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Path dir = downloads.resolve("thread-" + i);
                    downloadsDone.add(pool.submit(() -> client.download(snapshot, dir)));
                    healthDone.add(pool.submit(() -> client.health(unit())));
                }
                for (Future<LocalSnapshot> done : downloadsDone) {
                    LocalSnapshot local = done.get(2, TimeUnit.MINUTES);
                    assertThat(local.verify().sha256()).isEqualTo(snapshot.sha256());
                }
                for (Future<HealthReport> done : healthDone) {
                    assertThat(done.get(2, TimeUnit.MINUTES).allMembersHealthy()).isTrue();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private SnapshotRequest keeping() {
        return SnapshotRequest.builder().unit(unit()).unitCopy(UnitCopy.KEEP).build();
    }

    @Test
    void aBackupRemovesTheUnitsCopyOnceVerifiedUnlessToldToKeepIt() throws InterruptedException {
        EtcdTransport transport = newTransport();
        try (EtcdBackupClient client = client(transport)) {
            LocalSnapshot removed = client.backup(unit(), downloads.resolve("removed"));
            // The charm names archives by the second: the next one must not take the same name.
            Thread.sleep(1100);
            LocalSnapshot kept = client.backup(keeping(), downloads.resolve("kept"));
            String unit = kept.source().unit();
            String directory = SnapshotRequest.DEFAULT_TARGET;

            List<UnitArchive> onUnit = transport.listArchives(unit, directory, Deadline.after(Duration.ofMinutes(1)));
            assertThat(onUnit).extracting(UnitArchive::path).contains(kept.source().remotePath())
                    .doesNotContain(removed.source().remotePath());
            assertThat(onUnit).allSatisfy(a -> {
                assertThat(a.unit()).isEqualTo(unit);
                assertThat(a.sizeBytes()).isPositive();
            });
            assertThat(onUnit).filteredOn(a -> a.path().equals(kept.source().remotePath()))
                    .singleElement().extracting(UnitArchive::sizeBytes).isEqualTo(kept.sizeBytes());

            Deadline deadline = Deadline.after(Duration.ofMinutes(1));
            String path = kept.source().remotePath();
            assertThatThrownBy(() -> transport.removeArchive(unit, path, Optional.of("0".repeat(64)), deadline))
                    .as("another archive under the same name").isInstanceOf(EtcdBackupException.class);
            assertThat(transport.removeArchive(unit, path, Optional.of(kept.sha256()), deadline)).isTrue();
            assertThat(transport.removeArchive(unit, path, Optional.empty(), deadline)).as("already gone").isFalse();
            assertThat(client.listUnitArchives(unit)).extracting(UnitArchive::path)
                    .doesNotContain(kept.source().remotePath());
            assertThat(transport.listArchives(unit, "/home/ubuntu/no-such-directory",
                    Deadline.after(Duration.ofMinutes(1)))).isEmpty();
        }
    }

    @Test
    void pruningKeepsTheNewestArchivesOnTheUnit() throws InterruptedException {
        EtcdTransport transport = newTransport();
        try (EtcdBackupClient client = client(transport)) {
            String unit = client.snapshot(unit()).unit();
            // The charm names archives by the second: a second snapshot in the same second would replace the first.
            Thread.sleep(1100);
            Snapshot newest = client.snapshot(unit);
            List<UnitArchive> before = client.listUnitArchives(unit);
            assertThat(before.size()).isGreaterThanOrEqualTo(2);
            assertThat(before.get(before.size() - 1).path()).isEqualTo(newest.remotePath());

            List<UnitArchive> pruned = client.pruneUnitArchives(unit, 1);

            assertThat(pruned).containsExactlyElementsOf(before.subList(0, before.size() - 1));
            assertThat(client.listUnitArchives(unit)).extracting(UnitArchive::path)
                    .containsExactly(newest.remotePath());
            assertThat(client.pruneUnitArchives(unit, 0)).extracting(UnitArchive::path)
                    .containsExactly(newest.remotePath());
            assertThat(client.listUnitArchives(unit)).isEmpty();
        }
    }

    @Test
    void aCallAfterCloseFailsWithATypedErrorNamingTheClose() {
        EtcdTransport transport = newTransport();
        transport.close();
        Deadline deadline = Deadline.after(Duration.ofMinutes(1));
        SnapshotRequest request = SnapshotRequest.builder().unit(unit()).build();
        assertThatThrownBy(() -> transport.takeSnapshot(request, deadline))
                .isInstanceOf(EtcdBackupException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> transport.healthOutput(unit(), deadline))
                .isInstanceOf(EtcdBackupException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> transport.openFile(unit(), "/tmp/any", 0, deadline))
                .isInstanceOf(EtcdBackupException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> transport.listArchives(unit(), SnapshotRequest.DEFAULT_TARGET, deadline))
                .isInstanceOf(EtcdBackupException.class).hasMessageContaining("closed");
    }

    @Test
    void closeIsIdempotent() {
        EtcdTransport transport = newTransport();
        transport.close();
        transport.close();
        assertThat(transport.name()).isNotBlank();
    }
}
