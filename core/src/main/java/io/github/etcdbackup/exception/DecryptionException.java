package io.github.etcdbackup.exception;

import java.util.List;
import java.util.Objects;

/**
 * An encrypted archive could not be decrypted. No plaintext was kept: whatever was being written from it was
 * deleted. Messages name the archive and public keys, never an identity.
 */
public final class DecryptionException extends EtcdBackupException {
    /** Why the archive could not be decrypted. */
    public enum Reason {
        /** The archive is encrypted and no identity was given. */
        NO_IDENTITY,
        /** None of the identities given belongs to a recipient of the archive. */
        WRONG_IDENTITY,
        /** The file is not in the age format (or its header is damaged). */
        NOT_AGE,
        /** The ciphertext is truncated or was changed: age's authentication failed. */
        DAMAGED
    }

    private final String location;
    private final Reason reason;
    private final List<String> recipients;

    /**
     * @param location   the encrypted archive: a file path, or {@code s3://bucket/key}
     * @param reason     why it failed
     * @param recipients the public keys the archive is encrypted to, as far as known (from its manifest)
     * @param detail     what happened, in words; must not hold a secret
     * @param cause      the underlying error, if any
     */
    public DecryptionException(String location, Reason reason, List<String> recipients, String detail,
                               Throwable cause) {
        super("Cannot decrypt " + location + ": " + detail, cause);
        this.location = Objects.requireNonNull(location, "location");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.recipients = List.copyOf(recipients);
    }

    /** The encrypted archive: a file path, or {@code s3://bucket/key}. */
    public String location() {
        return location;
    }

    /** Why it could not be decrypted. */
    public Reason reason() {
        return reason;
    }

    /** The public keys ({@code age1...}) the archive is encrypted to, empty when unknown. */
    public List<String> recipients() {
        return recipients;
    }
}
