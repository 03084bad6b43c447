package io.github.etcdbackup.store;

import io.github.etcdbackup.spi.ArchiveSource;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.DecryptionException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where verified snapshot archives are kept, each beside its SHA-256 ({@code sha256sum -c} format) and its manifest
 * (what the unit reported): a directory ({@link LocalSnapshotStore}, see {@link #open(Path)}) or a bucket of an
 * S3-compatible object store ({@code S3SnapshotStore} in the {@code etcd-backup-s3-store} artifact). Every store
 * lists its archives, checks them at rest, prunes them by a {@link RetentionPolicy} (never the newest that verifies,
 * never one that does not), proves they restore with a {@linkplain #drill drill}, and copies them to another store,
 * verified on arrival.
 *
 * <p>Encrypted archives live in the same stores. Without an identity they are checked as ciphertext only (length
 * and SHA-256 against the manifest, {@link StoreCheck.Depth#CIPHERTEXT_ONLY}); the methods that take
 * {@link AgeIdentities} decrypt them as they read, never writing plaintext into the store.
 *
 * <p>A snapshot belongs to the store that listed it: passing one store's snapshot to another store's method is
 * refused ({@link io.github.etcdbackup.exception.InvalidInputException}); {@link #copyTo} is how it moves.
 */
public interface SnapshotStore {
    /**
     * Opens an existing directory store.
     *
     * @see LocalSnapshotStore#open(Path)
     */
    static LocalSnapshotStore open(Path dir) {
        return LocalSnapshotStore.open(dir);
    }

    /**
     * Opens the directory store in {@code dir}, creating the directory when it does not exist yet.
     *
     * @see LocalSnapshotStore#create(Path)
     */
    static LocalSnapshotStore create(Path dir) {
        return LocalSnapshotStore.create(dir);
    }

    /** Where the store is, for people and logs: its directory, or {@code s3://bucket/prefix}. */
    String location();

    /**
     * Every archive that has a valid manifest, oldest first (by the time it was taken). Archives without a manifest
     * and broken manifests are left out here, with a warning, and reported by {@link #verifyAll()}: one bad entry
     * never hides the rest of the store.
     */
    List<? extends StoredSnapshot> list();

    /** The model named in a snapshot's manifest, empty when none was known when it was stored. */
    String modelOf(StoredSnapshot snapshot);

    /**
     * Checks one archive at rest, reading all of it: length and SHA-256 against the manifest and the
     * {@code .sha256}, a readable gzip tar with the members its keys version needs, and a {@code db} that starts
     * like a bbolt file. Every problem is reported, not only the first.
     */
    StoreCheck verify(StoredSnapshot snapshot);

    /**
     * {@link #verify(StoredSnapshot)}, decrypting an encrypted archive with {@code identities} as it is read (in one
     * pass, nothing written): the ciphertext's SHA-256, then the plaintext's SHA-256, length and tar contents
     * ({@link StoreCheck.Depth#CONTENTS}). A plain archive is checked as usual.
     *
     * @throws DecryptionException if none of {@code identities} belongs to a recipient the manifest names
     */
    StoreCheck verify(StoredSnapshot snapshot, AgeIdentities identities);

    /**
     * Checks everything in the store: each archive (as {@link #verify(StoredSnapshot)}), archives without a
     * manifest, manifests without an archive, broken manifests, and unfinished writes.
     */
    List<StoreCheck> verifyAll();

    /**
     * {@link #verifyAll()}, decrypting the encrypted archives with {@code identities}; an encrypted archive none of
     * them can open is reported as a problem (and checked as ciphertext), not thrown.
     */
    List<StoreCheck> verifyAll(AgeIdentities identities);

    /** What {@link #prune(RetentionPolicy)} would keep and delete, by the same rules and checks; changes nothing. */
    PrunePlan planPrune(RetentionPolicy policy);

    /**
     * Deletes what the policy does not keep: archive, {@code .sha256} and manifest together (manifest first, so an
     * interruption leaves at worst an entry {@link #verifyAll()} reports, never a listed snapshot without its
     * archive). Only snapshots whose archive was checked against its manifest in this call are deleted: the newest
     * snapshot that verifies is always kept, a store with snapshots is never left empty, and an archive that could
     * not be verified is kept and listed in {@link PrunePlan#unverified()}. Running it again, or from two places at
     * once, deletes nothing more than one run would.
     */
    PrunePlan prune(RetentionPolicy policy);

    /**
     * Restores the archive into a throwaway local etcd and counts its keys; see {@link DrillOptions}. An archive of
     * a remote store is first fetched, verified, into a private temporary directory, deleted afterwards.
     */
    DrillReport drill(StoredSnapshot snapshot, DrillOptions options);

    /** {@link #drill(StoredSnapshot, DrillOptions)} with {@link DrillOptions#defaults()}. */
    default DrillReport drill(StoredSnapshot snapshot) {
        return drill(snapshot, DrillOptions.defaults());
    }

    /**
     * Copies a snapshot of this store into {@code target} (a directory kept off site, a bucket, or back), verifying
     * it on arrival: its bytes are hashed as they are written and must match the SHA-256 its manifest records before
     * the copy gets its name, beside its {@code .sha256} and manifest. An encrypted archive is copied as ciphertext;
     * the copy needs no identity. Copying again what the target already holds is a no-op.
     *
     * @return the snapshot in {@code target}
     * @throws io.github.etcdbackup.exception.ChecksumMismatchException if the archive here no longer matches its
     *                                                                   manifest (nothing is left in the target)
     * @throws io.github.etcdbackup.exception.FileConflictException     if a directory target holds another file of
     *                                                                   that name
     * @throws io.github.etcdbackup.exception.ObjectStoreException      ({@code CONFLICT}) if a bucket target holds
     *                                                                   another object under that key
     */
    default StoredSnapshot copyTo(SnapshotStore target, StoredSnapshot snapshot) {
        String model = modelOf(snapshot);
        try (InputStream archive = openArchive(snapshot)) {
            return target.receive(snapshot, model, archive);
        } catch (IOException e) {
            // Only closing the source can fail here: the copy was verified and named already.
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@link #copyTo(SnapshotStore, StoredSnapshot)} into a directory store: the copy is a local file, ready for
     * {@link io.github.etcdbackup.client.EtcdBackupClient#planRestore}.
     */
    default LocalSnapshot copyTo(LocalSnapshotStore target, StoredSnapshot snapshot) {
        return (LocalSnapshot) copyTo((SnapshotStore) target, snapshot);
    }

    /**
     * The archive's bytes as stored (ciphertext when encrypted), for a copy into another store. Not checked here:
     * the receiving store checks what it reads against the manifest's SHA-256.
     */
    InputStream openArchive(StoredSnapshot snapshot);

    /**
     * Stores {@code archive} under {@code snapshot}'s name, for {@link #copyTo}: written where no one can see it,
     * hashed as it is written, and named only when it matches {@code snapshot}'s SHA-256 and length; then its
     * {@code .sha256} and manifest. On a mismatch, a failed read or a deadline, nothing is left under the name.
     *
     * @param snapshot the snapshot as another store holds it
     * @param model    the model its manifest names
     * @param archive  its bytes, read to the end but not closed
     * @return the snapshot as this store holds it; the one already here when this store holds the same archive
     */
    StoredSnapshot receive(StoredSnapshot snapshot, String model, InputStream archive);

    /**
     * Stores the archive of {@code snapshot} straight from its unit, for
     * {@link io.github.etcdbackup.client.EtcdBackupClient#backup(io.github.etcdbackup.SnapshotRequest, SnapshotStore)}:
     * read from {@code source}, hashed as it streams (and encrypted to {@code encryptTo} when not empty), and named
     * only when its SHA-256 equals the one the unit reported. A stream that is cut, runs well past the size the unit
     * reported, or outlives {@code deadline} leaves nothing under the name.
     *
     * @param model the model the snapshot was taken in, part of the archive's name and manifest
     * @return the stored snapshot; the one already here when this store holds the same archive
     */
    StoredSnapshot receive(Snapshot snapshot, String model, ArchiveSource source, List<AgeRecipient> encryptTo,
                           Deadline deadline);
}
