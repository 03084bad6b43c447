package io.github.etcdbackup.encryption;

import io.github.etcdbackup.internal.common.InputValidation;

import java.util.List;

/**
 * What the manifest of an encrypted archive records about its plaintext and its recipients. The archive's own
 * {@code sha256} and size (in {@link io.github.etcdbackup.LocalSnapshot}) are those of the ciphertext.
 *
 * @param recipients         the public keys it is encrypted to, at least one; never an identity
 * @param plaintextSha256    the SHA-256 of the plaintext archive, the one the unit reported
 * @param plaintextSizeBytes the plaintext archive's exact length
 */
public record EncryptedArchive(List<AgeRecipient> recipients, String plaintextSha256, long plaintextSizeBytes) {
    /** Validates and copies every field. */
    public EncryptedArchive {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("an encrypted archive has at least one recipient");
        }
        plaintextSha256 = InputValidation.sha256(plaintextSha256);
        if (plaintextSizeBytes < 0) {
            throw new IllegalArgumentException("plaintextSizeBytes < 0");
        }
    }
}
