package io.github.etcdbackup;

import io.github.etcdbackup.encryption.EncryptedArchive;

import java.util.Optional;

/**
 * A verified snapshot archive kept in a {@link io.github.etcdbackup.store.SnapshotStore}: a file of a directory
 * ({@link io.github.etcdbackup.LocalSnapshot}) or an object of a bucket. Its bytes matched the SHA-256 the unit
 * reported before the store gave it its name.
 *
 * <p>An encrypted archive holds ciphertext: {@link #sha256()} and {@link #sizeBytes()} are the ciphertext's, and
 * {@link #encryption()} holds the plaintext's, which is what the unit reported.
 */
public interface StoredSnapshot {
    /** Where the archive is, for people and logs: a file path, or {@code s3://bucket/key}. */
    String location();

    /** The archive's name, the same in every store that holds a copy of it. */
    String name();

    /** The stored bytes' SHA-256, 64 lowercase hex digits. */
    String sha256();

    /** The stored bytes' exact length. */
    long sizeBytes();

    /** What the unit reported when the snapshot was taken. */
    Snapshot source();

    /** Present when the archive is age-encrypted. */
    Optional<EncryptedArchive> encryption();

    /** True when the archive is age-encrypted. */
    default boolean encrypted() {
        return encryption().isPresent();
    }
}
