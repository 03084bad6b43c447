package io.github.etcdbackup.encryption;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.KeyAgreement;

/**
 * The age X25519 identities ({@code AGE-SECRET-KEY-1...}) that decrypt archives, read from an identity file as
 * {@code age-keygen} writes it: one identity per line, {@code #} comments and blank lines ignored.
 *
 * <p>Secret by design: the identities never appear in {@link #toString()}, in exception messages or in logs; only
 * their public keys ({@link #recipients()}) and the file they came from do.
 */
public final class AgeIdentities {
    /** Shown in place of a secret key. */
    static final String REDACTED = "AGE-SECRET-KEY-1… (secret, not shown)";
    private static final String PREFIX = "AGE-SECRET-KEY-1";
    /** An identity file holds a few lines; this bounds what a wrong path (a disk image, a FIFO) can cost. */
    private static final int MAX_FILE_BYTES = 64 * 1024;
    private static final BigInteger BASE_POINT_U = BigInteger.valueOf(9);

    private final List<String> secrets;
    private final List<AgeRecipient> recipients;
    private final Optional<Path> file;

    private AgeIdentities(List<String> secrets, Optional<Path> file) {
        this.secrets = List.copyOf(secrets);
        this.recipients = secrets.stream().map(AgeIdentities::publicKeyOf).toList();
        this.file = file;
    }

    /**
     * Reads an identity file ({@code age-keygen -o key.txt}).
     *
     * @throws InvalidInputException  if it holds no identity, or a line that is neither a comment nor an X25519
     *                                identity (the line number is given, never its content)
     * @throws LocalStorageException  if it cannot be read, is not a regular file, or is larger than 64 KiB
     */
    public static AgeIdentities fromFile(Path identityFile) {
        if (!Files.isRegularFile(identityFile)) {
            throw new LocalStorageException(identityFile, "Reading the age identity file",
                    new IOException("not a regular file"));
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(identityFile)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new LocalStorageException(identityFile, "Reading the age identity file", e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new LocalStorageException(identityFile, "Reading the age identity file",
                    new IOException("larger than " + MAX_FILE_BYTES + " bytes: not an identity file"));
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("age identity file", identityFile.toString(), "not UTF-8 text");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        return new AgeIdentities(parse(text, identityFile.toString()), Optional.of(identityFile));
    }

    /**
     * Identities given as text, in the identity file's format (for keys kept in a secret manager rather than in a
     * file).
     */
    public static AgeIdentities parse(String identities) {
        return new AgeIdentities(parse(identities, "text"), Optional.empty());
    }

    private static List<String> parse(String text, String source) {
        List<String> secrets = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (!line.startsWith(PREFIX) || !readable(line)) {
                throw new InvalidInputException("age identity", source + ", line " + (i + 1), "expected an X25519 "
                        + "identity (AGE-SECRET-KEY-1...) as age-keygen writes it; passphrase and SSH keys are not "
                        + "supported (the line is not shown, in case it is secret)");
            }
            secrets.add(line);
        }
        if (secrets.isEmpty()) {
            throw new InvalidInputException("age identity", source, "holds no identity (AGE-SECRET-KEY-1...)");
        }
        return secrets;
    }

    private static boolean readable(String identity) {
        try {
            X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(identity);
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The recipient of an identity, as {@code age-keygen -y} prints it: X25519 of the secret scalar and the base
     * point (u = 9), computed by the JDK's XDH.
     */
    private static AgeRecipient publicKeyOf(String identity) {
        byte[] scalar = Bech32.getDecoder().decode(identity.toLowerCase(Locale.ROOT)).getData();
        try {
            KeyFactory keys = KeyFactory.getInstance("XDH");
            PrivateKey secret = keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
            PublicKey base = keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT_U));
            KeyAgreement x25519 = KeyAgreement.getInstance("XDH");
            x25519.init(secret);
            x25519.doPhase(base, true);
            return new AgeRecipient(Bech32.getEncoder().encode("age", x25519.generateSecret()).toString());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's X25519 refused a key jagged accepted", e);
        } finally {
            Arrays.fill(scalar, (byte) 0);
        }
    }

    /**
     * True when {@code text} holds something like a secret identity anywhere (a whole key file, a quoted key), so
     * that it is never echoed.
     */
    static boolean looksLikeIdentity(String text) {
        return text.toUpperCase(Locale.ROOT).contains("AGE-SECRET-KEY-");
    }

    /** The public keys of these identities, in the order of the file. */
    public List<AgeRecipient> recipients() {
        return recipients;
    }

    /** The identity file these were read from, empty when they were given as text. */
    public Optional<Path> file() {
        return file;
    }

    /** True when one of these identities belongs to one of {@code archiveRecipients}. */
    public boolean canDecryptFor(List<AgeRecipient> archiveRecipients) {
        return recipients.stream().anyMatch(archiveRecipients::contains);
    }

    /** The readers jagged tries on an archive's header, one per identity. */
    List<RecipientStanzaReader> stanzaReaders() {
        List<RecipientStanzaReader> readers = new ArrayList<>();
        for (String secret : secrets) {
            try {
                readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(secret));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("an identity that parsed before no longer does", e);
            }
        }
        return readers;
    }

    /** The count, the public keys and the file; never a secret key. */
    @Override
    public String toString() {
        return "AgeIdentities[" + secrets.size() + (secrets.size() == 1 ? " identity" : " identities")
                + ", recipients " + recipients + file.map(f -> ", from " + f).orElse("") + "]";
    }
}
