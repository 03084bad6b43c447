package io.github.etcdbackup;

import io.github.etcdbackup.exception.ChecksumMismatchException;

import io.github.etcdbackup.internal.files.Sha256;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A snapshot archive on local disk whose SHA-256 matched the one the unit reported when it was written. Beside it
 * lies {@code <archive>.sha256} in {@code sha256sum -c} format.
 *
 * @param file      the archive
 * @param sha256    its SHA-256, 64 lowercase hex digits
 * @param sizeBytes its exact length
 * @param source    what the unit reported
 */
public record LocalSnapshot(Path file, String sha256, long sizeBytes, Snapshot source) {
    /** Validates every field. */
    public LocalSnapshot {
        Objects.requireNonNull(file, "file");
        sha256 = io.github.etcdbackup.internal.common.InputValidation.sha256(sha256);
        Objects.requireNonNull(source, "source");
    }

    /**
     * Hashes the file again and compares it with {@link #sha256()}.
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
