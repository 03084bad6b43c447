package io.github.etcdbackup.testing;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.internal.download.SnapshotManifest;
import io.github.etcdbackup.store.DrillOptions;
import io.github.etcdbackup.store.DrillReport;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.StoredSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link SnapshotStore} does, the same way: the directory store and the S3 store each pass this one test
 * (a subclass gives the store and the means to damage it as a bad day would). Archives are real etcd 3.4 snapshots,
 * written into a staging directory by a backup and brought into the store under test by {@code copyTo}.
 */
public abstract class SnapshotStoreContract {
    @TempDir
    protected Path staging;
    @TempDir
    protected Path work;
    private EtcdBackupClient client;
    private LocalSnapshotStore stagingStore;
    private SnapshotStore store;

    /** A new, empty store for one test; closed by {@link #close(SnapshotStore)} afterwards. */
    protected abstract SnapshotStore newStore() throws Exception;

    /** Releases the store. */
    protected void close(SnapshotStore store) throws Exception {
    }

    /** Changes one byte of the archive as stored, keeping its length, as bit rot would. */
    protected abstract void flipAByte(StoredSnapshot snapshot) throws Exception;

    /** Deletes the archive and leaves its manifest and {@code .sha256}, as an interrupted delete by hand would. */
    protected abstract void deleteArchiveOnly(StoredSnapshot snapshot) throws Exception;

    /** Puts an archive without manifest or {@code .sha256} into the store, as a tool other than this one would. */
    protected abstract void putStrayArchive(String name, byte[] content) throws Exception;

    @BeforeEach
    void setUpContract() throws Exception {
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(RealEtcdSnapshot.db(), work));
        client = EtcdBackupClient.create(transport);
        stagingStore = SnapshotStore.create(staging);
        store = newStore();
    }

    @AfterEach
    void tearDownContract() throws Exception {
        close(store);
        client.close();
    }

    /** A backup into the staging directory; when {@code time} is given, its manifest says it was taken then. */
    private LocalSnapshot backup(String time, SnapshotRequest request) {
        LocalSnapshot local = request == null ? client.backup("etcd/0", staging) : client.backup(request, staging);
        if (time == null) {
            return local;
        }
        Snapshot source = local.source().withTiming(Instant.parse(time), Duration.ofSeconds(2));
        LocalSnapshot dated = new LocalSnapshot(local.file(), local.sha256(), local.sizeBytes(), source,
                local.encryption());
        SnapshotManifest.write(dated, "k8s");
        return dated;
    }

    /** The staged backup, copied into the store under test. */
    private StoredSnapshot copy(LocalSnapshot local) {
        return stagingStore.copyTo(store, local);
    }

    @Test
    void anEmptyStoreListsNothingAndVerifiesClean() {
        assertThat(store.list()).isEmpty();
        assertThat(store.verifyAll()).isEmpty();
        assertThat(store.planPrune(RetentionPolicy.builder().keepLast(1).build()).delete()).isEmpty();
    }

    @Test
    void aCopyArrivesVerifiedWithItsManifestAndCopyingAgainChangesNothing() {
        LocalSnapshot local = backup("2026-11-01T02:00:00Z", null);
        StoredSnapshot stored = copy(local);

        assertThat(stored.name()).isEqualTo(local.name());
        assertThat(stored.sha256()).isEqualTo(local.sha256());
        assertThat(stored.sizeBytes()).isEqualTo(local.sizeBytes());
        assertThat(store.list()).singleElement().satisfies(s -> {
            assertThat(s.location()).isEqualTo(stored.location());
            assertThat(s.source()).isEqualTo(local.source());
        });
        assertThat(store.modelOf(stored)).isEqualTo("k8s");
        StoreCheck check = store.verify(stored);
        assertThat(check.problems()).isEmpty();
        assertThat(check.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
        assertThat(check.name()).isEqualTo(local.name());

        assertThat(copy(local).location()).isEqualTo(stored.location());
        assertThat(store.list()).hasSize(1);
        assertThat(store.verifyAll()).singleElement().satisfies(c -> assertThat(c.ok()).isTrue());
    }

    @Test
    void aCopyBackIntoADirectoryIsByteIdenticalAndRestoresInADrill() throws Exception {
        LocalSnapshot local = backup(null, null);
        StoredSnapshot stored = copy(local);
        LocalSnapshotStore back = SnapshotStore.create(work.resolve("back"));

        LocalSnapshot returned = store.copyTo(back, stored);

        assertThat(Files.mismatch(returned.file(), local.file())).isEqualTo(-1L);
        assertThat(back.verify(returned).ok()).isTrue();
        DrillReport drill = store.drill(stored, DrillOptions.defaults().requirePrefixes("/registry/pods/"));
        assertThat(drill.problems()).isEmpty();
        assertThat(drill.keyCount()).isEqualTo(RealEtcdSnapshot.KEYS);
        assertThat(drill.snapshot().location()).isEqualTo(stored.location());
    }

    @Test
    void aDamagedArchiveFailsItsCheckAndPruneKeepsItAndTheNewestThatVerifies() throws Exception {
        StoredSnapshot oldest = copy(backup("2026-11-01T02:00:00Z", null));
        StoredSnapshot middle = copy(backup("2026-11-02T02:00:00Z", null));
        StoredSnapshot newest = copy(backup("2026-11-03T02:00:00Z", null));
        flipAByte(newest);

        assertThat(store.verify(newest).problems()).anyMatch(p -> p.contains("SHA-256 is"));
        RetentionPolicy keepOne = RetentionPolicy.builder().keepLast(1).build();
        PrunePlan plan = store.planPrune(keepOne);
        assertThat(plan.delete()).extracting(StoredSnapshot::location).containsExactly(oldest.location());
        assertThat(store.list()).hasSize(3);

        PrunePlan done = store.prune(keepOne);
        assertThat(done.executed()).isTrue();
        assertThat(done.keep()).extracting(StoredSnapshot::location)
                .containsExactly(middle.location(), newest.location());
        assertThat(store.list()).extracting(StoredSnapshot::location)
                .containsExactly(middle.location(), newest.location());
        assertThat(store.verifyAll()).filteredOn(c -> !c.ok()).extracting(StoreCheck::location)
                .containsExactly(newest.location());

        // Again, as a second runner sharing the store would: nothing more goes.
        assertThat(store.prune(keepOne).delete()).isEmpty();
        assertThat(store.list()).hasSize(2);
    }

    @Test
    void aDamagedArchiveIsNotCopiedAnywhereAndItsDrillFails() throws Exception {
        StoredSnapshot stored = copy(backup(null, null));
        flipAByte(stored);
        LocalSnapshotStore back = SnapshotStore.create(work.resolve("back"));

        assertThatThrownBy(() -> store.copyTo(back, stored)).isInstanceOf(ChecksumMismatchException.class);
        try (var files = Files.list(back.directory())) {
            assertThat(files.filter(f -> !f.getFileName().toString().startsWith(".")).toList()).isEmpty();
        }
        DrillReport drill = store.drill(stored);
        assertThat(drill.passed()).isFalse();
        assertThat(drill.failure()).isEqualTo(DrillReport.Failure.ARCHIVE);
    }

    @Test
    void whenNothingVerifiesPruneDeletesNothing() throws Exception {
        StoredSnapshot older = copy(backup("2026-11-01T02:00:00Z", null));
        StoredSnapshot newer = copy(backup("2026-11-02T02:00:00Z", null));
        flipAByte(older);
        flipAByte(newer);

        PrunePlan plan = store.prune(RetentionPolicy.builder().keepLast(1).build());

        assertThat(plan.delete()).isEmpty();
        assertThat(plan.unverified()).extracting(StoreCheck::location).containsExactly(older.location());
        assertThat(store.list()).hasSize(2);
    }

    @Test
    void strayAndHalfDeletedEntriesAreReportedNotListed() throws Exception {
        StoredSnapshot sound = copy(backup("2026-11-01T02:00:00Z", null));
        StoredSnapshot halfDeleted = copy(backup("2026-11-02T02:00:00Z", null));
        deleteArchiveOnly(halfDeleted);
        putStrayArchive("etcd-snapshot-by-hand.tar.gz", new byte[] {1, 2, 3});

        assertThat(store.list()).extracting(StoredSnapshot::location).containsExactly(sound.location());
        List<StoreCheck> checks = store.verifyAll();
        assertThat(checks).filteredOn(StoreCheck::ok).extracting(StoreCheck::location)
                .containsExactly(sound.location());
        assertThat(checks).filteredOn(c -> c.name().equals("etcd-snapshot-by-hand.tar.gz")).singleElement()
                .satisfies(c -> assertThat(c.problems()).singleElement().asString().startsWith("no manifest"));
        assertThat(checks).filteredOn(c -> c.location().equals(halfDeleted.location())).singleElement()
                .satisfies(c -> assertThat(c.problems()).containsExactly("manifest without its archive"));
    }

    @Test
    void anEncryptedArchiveIsCheckedAsCiphertextWithoutAnIdentityAndOpenedWithOne() throws Exception {
        Path key = AgeKeys.keygen(work, "key.txt");
        Path other = AgeKeys.keygen(work, "other.txt");
        LocalSnapshot local = backup(null, SnapshotRequest.builder().unit("etcd/0")
                .encryptTo(AgeKeys.recipientOf(key)).build());
        StoredSnapshot stored = copy(local);
        AgeIdentities identities = AgeIdentities.fromFile(key);

        assertThat(stored.encrypted()).isTrue();
        assertThat(store.verify(stored).depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY);
        assertThat(store.verify(stored).ok()).isTrue();
        StoreCheck opened = store.verify(stored, identities);
        assertThat(opened.problems()).isEmpty();
        assertThat(opened.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
        assertThatThrownBy(() -> store.verify(stored, AgeIdentities.fromFile(other)))
                .isInstanceOfSatisfying(DecryptionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(DecryptionException.Reason.WRONG_IDENTITY);
                    assertThat(e.location()).isEqualTo(stored.location());
                });
        assertThat(store.verifyAll(AgeIdentities.fromFile(other))).singleElement()
                .satisfies(c -> assertThat(c.depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY));
        assertThat(store.drill(stored, DrillOptions.defaults().withIdentities(identities)).keyCount())
                .isEqualTo(RealEtcdSnapshot.KEYS);
    }

    @Test
    void aSnapshotOfAnotherStoreIsRefused() {
        LocalSnapshot elsewhere = backup(null, null);
        StoredSnapshot here = copy(backup("2026-11-01T02:00:00Z", null));

        if (!(store instanceof LocalSnapshotStore)) {
            assertThatThrownBy(() -> store.verify(elsewhere)).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> store.drill(elsewhere)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> store.copyTo(stagingStore, elsewhere)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> store.openArchive(elsewhere)).isInstanceOf(InvalidInputException.class);
        assertThat(store.list()).extracting(StoredSnapshot::location).containsExactly(here.location());
    }
}
