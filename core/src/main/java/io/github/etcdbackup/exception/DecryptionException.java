package io.github.etcdbackup.exception;

import java.nio.file.Path;
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

    private final Path file;
    private final Reason reason;
    private final List<String> recipients;

    /**
     * @param file       the encrypted archive
     * @param reason     why it failed
     * @param recipients the public keys the archive is encrypted to, as far as known (from its manifest)
     * @param detail     what happened, in words; must not hold a secret
     * @param cause      the underlying error, if any
     */
    public DecryptionException(Path file, Reason reason, List<String> recipients, String detail, Throwable cause) {
        super("Cannot decrypt " + file + ": " + detail, cause);
        this.file = Objects.requireNonNull(file, "file");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.recipients = List.copyOf(recipients);
    }

    /** The encrypted archive. */
    public Path file() {
        return file;
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
