package io.github.etcdbackup.store;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;

import io.github.etcdbackup.internal.download.SnapshotManifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LocalSnapshotStoreTest {
    @TempDir
    Path dir;
    @TempDir
    Path work;
    private FakeTransport transport;
    private EtcdBackupClient client;
    private LocalSnapshotStore store;

    @BeforeEach
    void setUp() throws Exception {
        transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(40_000, 1), work));
        client = EtcdBackupClient.create(transport);
        store = SnapshotStore.open(dir);
    }

    /** Backs up once and rewrites the manifest with the given time, as if it had been taken then. */
    private LocalSnapshot backupTakenAt(String time) {
        LocalSnapshot local = client.backup("etcd/0", dir);
        Snapshot source = local.source().withTiming(Instant.parse(time), Duration.ofSeconds(2));
        LocalSnapshot dated = new LocalSnapshot(local.file(), local.sha256(), local.sizeBytes(), source);
        SnapshotManifest.write(dated, "k8s");
        return dated;
    }

    private static void flipByte(Path file, int offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[offset] ^= 0x01;
        Files.write(file, bytes);
    }

    @Test
    void openingAMissingStoreIsAnErrorNotAnEmptyHealthyStore() throws IOException {
        Path typo = dir.resolve("bakcups");
        assertThatThrownBy(() -> SnapshotStore.open(typo)).isInstanceOf(LocalStorageException.class)
                .hasMessageContaining("no such directory").hasMessageContaining("SnapshotStore.create");
        assertThat(typo).doesNotExist();
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> SnapshotStore.open(file)).isInstanceOf(LocalStorageException.class)
                .hasMessageContaining("not a directory");

        LocalSnapshotStore created = SnapshotStore.create(typo.resolve("nested"));
        assertThat(created.directory()).isDirectory();
        assertThat(created.list()).isEmpty();
        assertThat(SnapshotStore.open(typo.resolve("nested")).verifyAll()).isEmpty();
    }

    @Test
    void copyToAnotherStoreKeepsTheManifestAndNeverOverwrites() throws IOException {
        LocalSnapshot local = backupTakenAt("2026-11-20T10:00:00Z");
        LocalSnapshotStore target = SnapshotStore.create(work.resolve("copies"));

        LocalSnapshot copy = store.copyTo(target, local);

        assertThat(target.list()).containsExactly(copy);
        assertThat(copy.source()).isEqualTo(local.source());
        assertThat(target.modelOf(copy)).isEqualTo("k8s");
        assertThat(target.verifyAll()).singleElement().satisfies(check -> assertThat(check.ok()).isTrue());

        Files.delete(copy.file());
        Files.writeString(copy.file(), "someone else's file");
        assertThatThrownBy(() -> store.copyTo(target, local)).isInstanceOf(FileConflictException.class);
        assertThat(Files.readString(copy.file())).isEqualTo("someone else's file");
        LocalSnapshotStore fourth = SnapshotStore.create(work.resolve("fourth"));
        assertThatThrownBy(() -> target.copyTo(fourth, copy)).as("bytes that no longer match their manifest")
                .isInstanceOf(ChecksumMismatchException.class);
        assertThat(fourth.list()).isEmpty();
        assertThatThrownBy(() -> SnapshotStore.create(work.resolve("third")).copyTo(target, local))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not in this store");
    }

    @Test
    void listsDownloadsWithTheirMetadataOldestFirst() {
        LocalSnapshot later = backupTakenAt("2026-11-20T10:00:00Z");
        LocalSnapshot earlier = backupTakenAt("2026-11-19T10:00:00Z");

        List<LocalSnapshot> listed = store.list();
        assertThat(listed).containsExactly(earlier, later);
        Snapshot source = listed.get(0).source();
        assertThat(source.unit()).isEqualTo("etcd/0");
        assertThat(source.keysVersion()).isEqualTo(KeysVersion.V3);
        assertThat(source.etcdctlVersion()).isEqualTo("3.4.23");
        assertThat(source.takenAt()).isEqualTo(Instant.parse("2026-11-19T10:00:00Z"));
        assertThat(store.modelOf(listed.get(0))).isEqualTo("k8s");
        assertThat(Files.exists(SnapshotManifest.pathOf(earlier.file()))).isTrue();
    }

    @Test
    void itsStringNamesItsDirectory() {
        assertThat(store).hasToString("LocalSnapshotStore[" + dir + "]");
    }

    @Test
    void aSoundArchivePassesEveryCheck() {
        LocalSnapshot local = client.backup("etcd/0", dir);
        StoreCheck check = store.verify(local);
        assertThat(check.problems()).isEmpty();
        assertThat(store.verifyAll()).singleElement().satisfies(c -> assertThat(c.ok()).isTrue());
    }

    @Test
    void everyProblemIsReportedPerFileWithoutStoppingAtTheFirst() throws IOException {
        LocalSnapshot corrupted = client.backup("etcd/0", dir);
        LocalSnapshot truncated = client.backup("etcd/0", dir);
        LocalSnapshot orphan = client.backup("etcd/0", dir);
        LocalSnapshot sound = client.backup("etcd/0", dir);
        flipByte(corrupted.file(), 100);
        byte[] whole = Files.readAllBytes(truncated.file());
        Files.write(truncated.file(), Arrays.copyOf(whole, whole.length / 2));
        Files.delete(SnapshotManifest.pathOf(orphan.file()));
        Path stale = Files.write(dir.resolve("etcd-snapshot-2024-01-01-00.00.00.tar.gz.part"), new byte[10]);
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(
                java.time.Instant.now().minus(java.time.Duration.ofMinutes(185))));
        Files.writeString(dir.resolve("etcd-snapshot-2023-01-01-00.00.00.tar.gz.manifest"), "format=1\n");

        List<StoreCheck> checks = store.verifyAll();

        assertThat(checks).filteredOn(c -> c.location().equals(corrupted.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).anyMatch(p -> p.startsWith("SHA-256 is"))
                        .anyMatch(p -> p.contains(".sha256 does not match")));
        assertThat(checks).filteredOn(c -> c.location().equals(truncated.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).anyMatch(p -> p.startsWith("size is"))
                        .anyMatch(p -> p.startsWith("not a readable gzip tar")));
        assertThat(checks).filteredOn(c -> c.location().equals(orphan.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().startsWith("no manifest"));
        assertThat(checks).filteredOn(c -> c.location().equals(sound.location())).singleElement()
                .satisfies(c -> assertThat(c.ok()).isTrue());
        assertThat(checks).filteredOn(c -> c.location().equals(stale.toString())).singleElement().satisfies(c -> assertThat(
                c.problems()).singleElement().asString().startsWith("unfinished download, last written 3h05m ago (")
                .contains("10 bytes"));
        assertThat(checks).anySatisfy(c -> assertThat(c.problems())
                .anyMatch(p -> p.equals("manifest without its archive")));
        assertThat(checks).hasSize(6);
    }

    @Test
    void aDbThatIsNotBboltAndAnArchiveThatIsNotATarAreCaught() throws Exception {
        transport.archiveContent(TestArchives.v3Archive(new byte[4096], work));
        LocalSnapshot notBbolt = client.backup("etcd/0", dir);
        transport.archiveContent("plain text, not gzip".getBytes());
        LocalSnapshot notTar = client.backup("etcd/0", dir);

        assertThat(store.verify(notBbolt).problems()).containsExactly(
                "db does not start like a bbolt database (magic 0xED0CDAED missing)");
        assertThat(store.verify(notTar).problems()).singleElement().asString()
                .startsWith("not a readable gzip tar archive");
    }

    @Test
    void keepLastKeepsTheNewestAndDeletesArchiveChecksumAndManifestTogether() {
        LocalSnapshot a = backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot b = backupTakenAt("2026-11-02T10:00:00Z");
        LocalSnapshot c = backupTakenAt("2026-11-03T10:00:00Z");

        PrunePlan dryRun = store.planPrune(RetentionPolicy.builder().keepLast(2).build());
        assertThat(dryRun.executed()).isFalse();
        assertThat(dryRun.delete()).containsExactly(a);
        assertThat(dryRun.keep()).containsExactly(b, c);
        assertThat(store.list()).hasSize(3);

        PrunePlan done = store.prune(RetentionPolicy.builder().keepLast(2).build());
        assertThat(done.executed()).isTrue();
        assertThat(store.list()).containsExactly(b, c);
        assertThat(a.file()).doesNotExist();
        assertThat(a.file().resolveSibling(a.file().getFileName() + ".sha256")).doesNotExist();
        assertThat(SnapshotManifest.pathOf(a.file())).doesNotExist();
        assertThat(store.verifyAll()).allSatisfy(check -> assertThat(check.ok()).isTrue());
    }

    @Test
    void dailyKeepsTheNewestOfEachDayWhenSeveralShareADay() {
        LocalSnapshot morning = backupTakenAt("2026-11-02T08:00:00Z");
        LocalSnapshot evening = backupTakenAt("2026-11-02T20:00:00Z");
        LocalSnapshot dayBefore = backupTakenAt("2026-11-01T23:59:59Z");
        LocalSnapshot twoDaysBefore = backupTakenAt("2026-10-31T12:00:00Z");

        PrunePlan plan = store.planPrune(RetentionPolicy.builder().keepDaily(2).build());
        assertThat(plan.keep()).containsExactly(dayBefore, evening);
        assertThat(plan.delete()).containsExactly(twoDaysBefore, morning);
    }

    @Test
    void weeklyAndMonthlyKeepOnePerPeriod() {
        LocalSnapshot jan = backupTakenAt("2026-01-15T00:00:00Z");
        LocalSnapshot febEarly = backupTakenAt("2026-02-02T00:00:00Z");
        LocalSnapshot febLate = backupTakenAt("2026-02-20T00:00:00Z");
        LocalSnapshot mar = backupTakenAt("2026-03-01T00:00:00Z");

        assertThat(store.planPrune(RetentionPolicy.builder().keepMonthly(2).build()).keep())
                .containsExactly(febLate, mar);
        assertThat(store.planPrune(RetentionPolicy.builder().keepWeekly(3).build()).keep())
                .containsExactly(febEarly, febLate, mar);
        assertThat(store.planPrune(RetentionPolicy.builder().keepMonthly(12).build()).delete())
                .containsExactly(febEarly);
        assertThat(jan.source().takenAt()).isBefore(febEarly.source().takenAt());
    }

    @Test
    void theNewestVerifiedSnapshotIsNeverDeletedEvenWhenTheNewestIsCorrupt() throws IOException {
        LocalSnapshot old = backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot good = backupTakenAt("2026-11-02T10:00:00Z");
        LocalSnapshot corrupt = backupTakenAt("2026-11-03T10:00:00Z");
        flipByte(corrupt.file(), 50);

        PrunePlan plan = store.prune(RetentionPolicy.builder().keepLast(1).build());

        assertThat(plan.keep()).containsExactly(good, corrupt);
        assertThat(plan.delete()).containsExactly(old);
        assertThat(good.file()).exists();
    }

    /** Prunes after a dry run and checks that the dry run planned exactly what prune did. */
    private PrunePlan pruneAsPlanned(RetentionPolicy policy) {
        PrunePlan dryRun = store.planPrune(policy);
        PrunePlan done = store.prune(policy);
        assertThat(done.keep()).isEqualTo(dryRun.keep());
        assertThat(done.delete()).isEqualTo(dryRun.delete());
        assertThat(done.unverified()).isEqualTo(dryRun.unverified());
        return done;
    }

    private static Path checksumFile(LocalSnapshot snapshot) {
        return snapshot.file().resolveSibling(snapshot.file().getFileName() + ".sha256");
    }

    @Test
    void damagedChecksumFilesAreReportedButAreNoVerdictOnTheirArchives() throws IOException {
        List<LocalSnapshot> all = new ArrayList<>();
        for (int day = 1; day <= 6; day++) {
            all.add(backupTakenAt("2026-11-0" + day + "T10:00:00Z"));
        }
        for (LocalSnapshot snapshot : all) {
            Files.writeString(checksumFile(snapshot), "0".repeat(64) + "  other.tar.gz\n");
        }
        Files.delete(checksumFile(all.get(5)));

        PrunePlan plan = pruneAsPlanned(RetentionPolicy.builder().build());

        assertThat(plan.keep()).containsExactly(all.get(5));
        assertThat(plan.delete()).containsExactlyElementsOf(all.subList(0, 5));
        assertThat(plan.unverified()).isEmpty();
        assertThat(store.list()).containsExactly(all.get(5));
        assertThat(store.verifyAll()).singleElement().satisfies(c -> assertThat(c.problems())
                .containsExactly(checksumFile(all.get(5)).getFileName() + " missing"));
    }

    @Test
    void pruneNeverDeletesASnapshotItCouldNotVerify() throws IOException {
        LocalSnapshot corrupt = backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot truncated = backupTakenAt("2026-11-02T10:00:00Z");
        LocalSnapshot old = backupTakenAt("2026-11-03T10:00:00Z");
        LocalSnapshot newest = backupTakenAt("2026-11-04T10:00:00Z");
        flipByte(corrupt.file(), 100);
        Files.write(truncated.file(), Arrays.copyOf(Files.readAllBytes(truncated.file()), 100));

        PrunePlan plan = pruneAsPlanned(RetentionPolicy.builder().keepLast(1).build());

        assertThat(plan.delete()).containsExactly(old);
        assertThat(plan.keep()).containsExactly(corrupt, truncated, newest);
        assertThat(plan.unverified()).extracting(StoreCheck::location).containsExactly(corrupt.location(), truncated.location());
        assertThat(plan.unverified().get(0).problems()).anyMatch(p -> p.startsWith("SHA-256 is"));
        assertThat(plan.unverified().get(1).problems()).anyMatch(p -> p.startsWith("size is"));
        assertThat(corrupt.file()).exists();
        assertThat(truncated.file()).exists();
    }

    @Test
    void whenNoSnapshotVerifiesPruneDeletesNothing() throws IOException {
        LocalSnapshot older = backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot newer = backupTakenAt("2026-11-02T10:00:00Z");
        flipByte(older.file(), 100);
        flipByte(newer.file(), 100);

        PrunePlan plan = pruneAsPlanned(RetentionPolicy.builder().build());

        assertThat(plan.delete()).isEmpty();
        assertThat(plan.keep()).containsExactly(older, newer);
        assertThat(store.list()).containsExactly(older, newer);
    }

    @Test
    void aBrokenManifestIsAProblemOfItsOwnArchiveAndTheRestOfTheStoreStaysUsable() throws Exception {
        LocalSnapshot older = backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot newer = backupTakenAt("2026-11-02T10:00:00Z");
        LocalSnapshot notUtf8 = client.backup("etcd/0", dir);
        LocalSnapshot binary = client.backup("etcd/0", dir);
        LocalSnapshot directory = client.backup("etcd/0", dir);
        LocalSnapshot fifo = client.backup("etcd/0", dir);
        LocalSnapshot huge = client.backup("etcd/0", dir);
        byte[] manifest = Files.readAllBytes(SnapshotManifest.pathOf(notUtf8.file()));
        manifest[manifest.length - 3] = (byte) 0xff;
        Files.write(SnapshotManifest.pathOf(notUtf8.file()), manifest);
        byte[] noise = new byte[700];
        new java.util.Random(16).nextBytes(noise);
        Files.write(SnapshotManifest.pathOf(binary.file()), noise);
        Files.delete(SnapshotManifest.pathOf(directory.file()));
        Files.createDirectory(SnapshotManifest.pathOf(directory.file()));
        Files.delete(SnapshotManifest.pathOf(fifo.file()));
        TestArchives.run(List.of("mkfifo", SnapshotManifest.pathOf(fifo.file()).toString()));
        Files.writeString(SnapshotManifest.pathOf(huge.file()), "format=1\n#" + "x".repeat(100_000) + "\n");
        Path directoryArchive = Files.createDirectory(dir.resolve("etcd-snapshot-dir.tar.gz"));
        Files.copy(SnapshotManifest.pathOf(older.file()), SnapshotManifest.pathOf(directoryArchive));
        List<Path> broken = List.of(notUtf8.file(), binary.file(), directory.file(), fifo.file(), huge.file());

        assertThat(store.list()).containsExactly(older, newer);
        List<StoreCheck> checks = store.verifyAll();
        assertThat(checks).filteredOn(StoreCheck::ok).extracting(StoreCheck::location)
                .containsExactlyInAnyOrder(older.location(), newer.location());
        assertThat(checks).filteredOn(c -> broken.contains(Path.of(c.location()))).hasSize(5)
                .allSatisfy(c -> assertThat(c.snapshot()).isEmpty());
        assertThat(checks).filteredOn(c -> c.location().equals(notUtf8.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().contains("not UTF-8 text"));
        assertThat(checks).filteredOn(c -> c.location().equals(directory.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().contains("not a regular file"));
        assertThat(checks).filteredOn(c -> c.location().equals(huge.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().contains("larger than"));
        assertThat(checks).filteredOn(c -> c.location().equals(directoryArchive.toString())).singleElement()
                .satisfies(c -> assertThat(c.problems()).containsExactly("manifest without its archive"));
        assertThat(checks).hasSize(8);

        PrunePlan plan = pruneAsPlanned(RetentionPolicy.builder().build());
        assertThat(plan.keep()).containsExactly(newer);
        assertThat(plan.delete()).containsExactly(older);
        assertThat(broken).allSatisfy(archive -> assertThat(archive).exists());
    }

    @Test
    void clockSkewOrdersByTheRecordedTimeNotByTheFileName() {
        LocalSnapshot fromTheFuture = backupTakenAt("2031-01-01T00:00:00Z");
        LocalSnapshot now = backupTakenAt("2026-11-26T00:00:00Z");

        assertThat(store.list()).containsExactly(now, fromTheFuture);
        assertThat(store.planPrune(RetentionPolicy.builder().keepLast(1).build()).keep())
                .containsExactly(fromTheFuture);
    }

    @Test
    void aKeepNothingPolicyStillKeepsTheNewestVerified() {
        backupTakenAt("2026-11-01T10:00:00Z");
        LocalSnapshot newest = backupTakenAt("2026-11-02T10:00:00Z");
        assertThat(store.prune(RetentionPolicy.builder().build()).keep()).containsExactly(newest);
        assertThat(store.list()).containsExactly(newest);
    }

    @Test
    void concurrentDownloadsAndPrunesLeaveAConsistentStore() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int n = i;
                futures.add(pool.submit(() -> n % 3 == 0
                        ? store.prune(RetentionPolicy.builder().keepLast(2).build())
                        : client.backup("etcd/0", dir)));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
        store.prune(RetentionPolicy.builder().keepLast(2).build());
        assertThat(store.list()).hasSize(2);
        assertThat(store.verifyAll()).hasSize(2).allSatisfy(check -> assertThat(check.ok()).isTrue());
    }

    @Test
    void aCrashWhileWritingAManifestLeavesTheOldOneOrNoneNeverHalfOfOne() throws IOException {
        LocalSnapshot local = client.backup("etcd/0", dir);
        Path half = local.file().resolveSibling(local.file().getFileName() + ".manifest.part");
        Files.writeString(half, "format=1\nunit=etcd/");

        assertThat(store.list()).containsExactly(local);
        assertThat(store.verifyAll()).filteredOn(c -> c.location().equals(half.toString())).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().startsWith("unfinished"));
    }

    @Test
    void aV2ArchiveNeedsItsMemberTreeAndWal() throws Exception {
        Path content = Files.createDirectories(work.resolve("v2/member/snap"));
        Files.write(content.resolve("db"), TestArchives.bboltLikeDb(8192, 3));
        Files.createDirectories(work.resolve("v2/member/wal"));
        Files.write(work.resolve("v2/member/wal/0000000000000000-0000000000000000.wal"), new byte[64]);
        Path archive = work.resolve("v2.tar.gz");
        TestArchives.run(List.of("tar", "czf", archive.toString(), "-C", work.resolve("v2").toString(), "."));
        transport.archiveContent(Files.readAllBytes(archive));

        Snapshot v2 = client.snapshot(SnapshotRequest.builder().unit("etcd/0").keysVersion(KeysVersion.V2).build());
        LocalSnapshot local = client.download(v2, dir);

        assertThat(store.verify(local).problems()).isEmpty();
        assertThat(store.list()).singleElement()
                .satisfies(s -> assertThat(s.source().keysVersion()).isEqualTo(KeysVersion.V2));
        assertThat(store.drill(local).problems()).singleElement().asString().contains("v3 archives");
    }
}
