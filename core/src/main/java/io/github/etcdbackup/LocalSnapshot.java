package io.github.etcdbackup;

import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.exception.ChecksumMismatchException;

import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.StoredSnapshot;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot archive on local disk (in a {@link io.github.etcdbackup.store.LocalSnapshotStore}) whose SHA-256 matched the one the unit reported when it was written. Beside it
 * lies {@code <archive>.sha256} in {@code sha256sum -c} format.
 *
 * <p>An encrypted archive ({@code <archive>.age}) holds the ciphertext: {@link #sha256()} and {@link #sizeBytes()}
 * are the ciphertext's (what {@code sha256sum -c} checks), and {@link #encryption()} holds the plaintext's, which is
 * what the unit reported.
 *
 * @param file       the archive
 * @param sha256     its SHA-256, 64 lowercase hex digits
 * @param sizeBytes  its exact length
 * @param source     what the unit reported
 * @param encryption present when the file is age-encrypted
 */
public record LocalSnapshot(Path file, String sha256, long sizeBytes, Snapshot source,
                            Optional<EncryptedArchive> encryption) implements StoredSnapshot {
    /** Validates every field. */
    public LocalSnapshot {
        Objects.requireNonNull(file, "file");
        sha256 = io.github.etcdbackup.internal.common.InputValidation.sha256(sha256);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(encryption, "encryption");
        encryption.ifPresent(e -> {
            if (!e.plaintextSha256().equals(source.sha256())) {
                throw new IllegalArgumentException("the plaintext SHA-256 " + e.plaintextSha256()
                        + " is not the unit's " + source.sha256());
            }
        });
    }

    /** A plain (not encrypted) archive. */
    public LocalSnapshot(Path file, String sha256, long sizeBytes, Snapshot source) {
        this(file, sha256, sizeBytes, source, Optional.empty());
    }

    /** The file's path. */
    @Override
    public String location() {
        return file.toString();
    }

    /** The file's name. */
    @Override
    public String name() {
        return file.getFileName().toString();
    }

    /**
     * Hashes the file again and compares it with {@link #sha256()} (for an encrypted archive: the ciphertext).
     *
     * @return this snapshot, when it still matches
     * @throws ChecksumMismatchException if the file changed
     * @throws io.github.etcdbackup.exception.LocalStorageException     if it cannot be read
     */
    public LocalSnapshot verify() {
        String actual = Sha256.ofFile(file);
        if (!actual.equals(sha256)) {
            throw new ChecksumMismatchException(sha256, actual, file);
        }
        return this;
    }
}
