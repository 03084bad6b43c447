package io.github.etcdbackup.internal.archive;

import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.internal.files.CountingInputStream;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.StoredSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads an encrypted archive once, writing nothing: the file is hashed as it is read (ciphertext), decrypted, and the
 * plaintext hashed (SHA-256, and SHA-384, the fingerprint Juju gives a resource) while its tar is checked.
 */
public final class EncryptedArchiveReader {
    /**
     * What one pass found.
     *
     * @param ciphertextSha256 the file's SHA-256
     * @param plaintextSha256  the plaintext's SHA-256, empty when decryption failed
     * @param plaintextSha384  the plaintext's SHA-384, empty when decryption failed
     * @param problems         every problem: decryption, hashes and lengths against the manifest, the tar's contents
     * @param failure          the decryption failure, if any (also among the problems)
     */
    public record Result(String ciphertextSha256, Optional<String> plaintextSha256, Optional<String> plaintextSha384,
                         List<String> problems, Optional<DecryptionException> failure) {
    }

    private EncryptedArchiveReader() {
    }

    /**
     * Checks identities against the manifest's recipients before reading anything.
     *
     * @throws DecryptionException ({@code NO_IDENTITY} or {@code WRONG_IDENTITY}) when they cannot open it
     */
    public static AgeIdentities requireIdentities(StoredSnapshot snapshot, Optional<AgeIdentities> identities,
                                                  String howToGiveThem) {
        EncryptedArchive encryption = snapshot.encryption().orElseThrow();
        List<String> recipients = encryption.recipients().stream().map(AgeRecipient::publicKey).toList();
        AgeIdentities given = identities.orElseThrow(() -> new DecryptionException(snapshot.location(),
                DecryptionException.Reason.NO_IDENTITY, recipients, "it is encrypted to " + recipients + ": "
                + howToGiveThem + " an identity of one of them", null));
        if (!given.canDecryptFor(encryption.recipients())) {
            throw new DecryptionException(snapshot.location(), DecryptionException.Reason.WRONG_IDENTITY, recipients,
                    "its manifest says it is encrypted to " + recipients + "; none of the identities given "
                            + "(recipients " + given.recipients() + ") is among them", null);
        }
        return given;
    }

    /**
     * {@link Age#decrypting} of an archive whose manifest names a recipient of {@code identities}
     * ({@link #requireIdentities} passed): a header those identities do not open can then only be damaged or
     * replaced, and is reported as {@code DAMAGED}, not as the caller's wrong key.
     */
    public static InputStream decrypting(InputStream ciphertext, AgeIdentities identities, StoredSnapshot snapshot) {
        try {
            return Age.decrypting(ciphertext, identities, snapshot.location());
        } catch (DecryptionException e) {
            if (e.reason() != DecryptionException.Reason.WRONG_IDENTITY) {
                throw e;
            }
            List<String> recipients = snapshot.encryption().orElseThrow().recipients().stream()
                    .map(AgeRecipient::publicKey).toList();
            throw new DecryptionException(snapshot.location(), DecryptionException.Reason.DAMAGED, recipients, "its "
                    + "manifest names a recipient of the identities given, but its header has no stanza they open: "
                    + "the header is damaged, or the file was replaced", e);
        }
    }

    /**
     * Reads the whole archive once, from {@code stored} (its bytes as stored, not closed here); see the class
     * comment.
     *
     * @throws IOException if it cannot be read
     */
    public static Result read(StoredSnapshot snapshot, InputStream stored, AgeIdentities identities)
            throws IOException {
        EncryptedArchive encryption = snapshot.encryption().orElseThrow();
        List<String> problems = new ArrayList<>();
        MessageDigest ciphertext = Sha256.newDigest();
        MessageDigest sha256 = Sha256.newDigest();
        MessageDigest sha384 = Sha256.newDigest("SHA-384");
        Optional<DecryptionException> failure = Optional.empty();
        long plaintextBytes = 0;
        InputStream raw = new DigestInputStream(stored, ciphertext);
        try {
            CountingInputStream in = new CountingInputStream(new DigestInputStream(new DigestInputStream(
                    decrypting(raw, identities, snapshot), sha256), sha384));
            problems.addAll(ArchiveInspector.problems(in, snapshot.source().keysVersion()));
            plaintextBytes = in.count();
        } catch (DecryptionException e) {
            problems.add(e.getMessage());
            failure = Optional.of(e);
        }
        raw.transferTo(OutputStream.nullOutputStream());
        String ciphertextSha256 = Sha256.hex(ciphertext);
        if (!ciphertextSha256.equals(snapshot.sha256())) {
            problems.add("ciphertext SHA-256 is " + ciphertextSha256 + ", the manifest says " + snapshot.sha256());
        }
        if (failure.isPresent()) {
            return new Result(ciphertextSha256, Optional.empty(), Optional.empty(), problems, failure);
        }
        String plaintextSha256 = Sha256.hex(sha256);
        if (!plaintextSha256.equals(encryption.plaintextSha256())) {
            problems.add("plaintext SHA-256 is " + plaintextSha256 + ", the manifest says "
                    + encryption.plaintextSha256());
        }
        if (plaintextBytes != encryption.plaintextSizeBytes()) {
            problems.add("plaintext is " + plaintextBytes + " bytes, the manifest says "
                    + encryption.plaintextSizeBytes());
        }
        return new Result(ciphertextSha256, Optional.of(plaintextSha256),
                Optional.of(Sha256.hex(sha384)), problems, Optional.empty());
    }

}
