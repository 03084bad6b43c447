package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.StoredSnapshot;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A verified snapshot archive in a bucket: the object {@code key}, with {@code <key>.sha256} and
 * {@code <key>.manifest} beside it. Its bytes matched the SHA-256 the unit reported before the upload that wrote it
 * was completed.
 *
 * @param bucket     the bucket
 * @param key        the archive's key: the store's prefix and the archive's name
 * @param sha256     the object's SHA-256 (for an encrypted archive, the ciphertext's), 64 lowercase hex digits
 * @param sizeBytes  the object's exact length
 * @param source     what the unit reported
 * @param encryption present when the object is age-encrypted
 */
public record S3Snapshot(String bucket, String key, String sha256, long sizeBytes, Snapshot source,
                         Optional<EncryptedArchive> encryption) implements StoredSnapshot {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** Validates every field. */
    public S3Snapshot {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sha256, "sha256");
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must not be negative");
        }
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(encryption, "encryption");
        encryption.ifPresent(e -> {
            if (!e.plaintextSha256().equals(source.sha256())) {
                throw new IllegalArgumentException("the plaintext SHA-256 " + e.plaintextSha256()
                        + " is not the unit's " + source.sha256());
            }
        });
    }

    /** {@code s3://bucket/key}. */
    @Override
    public String location() {
        return "s3://" + bucket + "/" + key;
    }

    /** The last part of the key: the archive's name, the same in every store. */
    @Override
    public String name() {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
