package io.github.etcdbackup.encryption;

import io.github.etcdbackup.exception.InvalidInputException;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;

import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * An age X25519 recipient: the public key ({@code age1...}) an archive is encrypted to. Public by design: it is
 * recorded in the archive's manifest and may be logged.
 *
 * @param publicKey the key as {@code age-keygen} prints it ({@code age1} and 58 more characters)
 */
public record AgeRecipient(String publicKey) {
    /** Validates the key: a well-formed Bech32 {@code age1...} string holding a 32-byte X25519 key. */
    public AgeRecipient {
        Objects.requireNonNull(publicKey, "publicKey");
        if (AgeIdentities.looksLikeIdentity(publicKey)) {
            throw new InvalidInputException("age recipient", AgeIdentities.REDACTED, "this is a secret identity, "
                    + "not a recipient: encrypt to its public key (age-keygen -y key.txt prints it), and keep the "
                    + "identity away from the machine that takes backups");
        }
        if (!publicKey.startsWith("age1")) {
            throw new InvalidInputException("age recipient", publicKey, "expected an X25519 public key (age1...), as "
                    + "age-keygen prints it; passphrase and SSH-key recipients are not supported");
        }
        try {
            X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(publicKey);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new InvalidInputException("age recipient", publicKey, "not a valid age X25519 public key ("
                    + e.getMessage() + ")");
        }
    }

    /** Parses {@code age1...}; see the constructor. */
    public static AgeRecipient of(String publicKey) {
        return new AgeRecipient(publicKey);
    }

    /** The public key itself. */
    @Override
    public String toString() {
        return publicKey;
    }
}
