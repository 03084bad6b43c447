package io.github.etcdbackup.encryption;

import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.internal.files.AtomicFile;
import io.github.etcdbackup.internal.files.SafeFiles;
import com.exceptionfactory.jagged.PayloadException;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * age encryption and decryption as streams and files (age-encryption.org/v1, X25519 recipients, 64 KiB chunks of
 * ChaCha20-Poly1305), through the jagged library and the JDK's own ciphers. What this writes, {@code age -d} reads,
 * and the other way round.
 */
public final class Age {
    /** Suffix of an encrypted archive, after the archive's own name. */
    public static final String SUFFIX = ".age";
    private static final int BUFFER_SIZE = 128 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Age() {
    }

    /**
     * A channel that encrypts what is written to it into {@code ciphertext}; closing it writes the last chunk and
     * closes {@code ciphertext}. Memory stays at one chunk whatever the size.
     *
     * @throws InvalidInputException if {@code recipients} is empty
     */
    public static WritableByteChannel encrypting(WritableByteChannel ciphertext, List<AgeRecipient> recipients) {
        Objects.requireNonNull(ciphertext, "ciphertext");
        List<RecipientStanzaWriter> writers = writers(recipients);
        try {
            return new StandardEncryptingChannelFactory().newEncryptingChannel(ciphertext, writers);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("age encryption could not start: " + e.getMessage(), e);
        }
    }

    /**
     * A stream of the plaintext of {@code ciphertext}, read and authenticated chunk by chunk (no chunk is returned
     * before its tag was checked). The header is read at once.
     *
     * @param file named in errors: where the ciphertext comes from
     * @throws DecryptionException at once when no identity matches or the header is not age's, and from
     *                             {@code read} when the ciphertext is truncated or was changed
     */
    public static InputStream decrypting(InputStream ciphertext, AgeIdentities identities, Path file) {
        return decrypting(ciphertext, identities, file.toString());
    }

    /**
     * {@link #decrypting(InputStream, AgeIdentities, Path)} of a ciphertext that is not a local file.
     *
     * @param location named in errors: where the ciphertext comes from ({@code s3://bucket/key}, say)
     */
    public static InputStream decrypting(InputStream ciphertext, AgeIdentities identities, String location) {
        String file = Objects.requireNonNull(location, "location");
        Objects.requireNonNull(ciphertext, "ciphertext");
        Objects.requireNonNull(identities, "identities");
        ReadableByteChannel plaintext;
        try {
            plaintext = new StandardDecryptingChannelFactory().newDecryptingChannel(Channels.newChannel(ciphertext),
                    identities.stanzaReaders());
        } catch (UnsupportedRecipientStanzaException e) {
            // jagged says so too when a stanza was changed or a multi-key identity file meets a bad header: a file
            // whose manifest names one of these identities is damaged (EncryptedArchiveReader tells it apart).
            throw new DecryptionException(file, DecryptionException.Reason.WRONG_IDENTITY, List.of(),
                    "none of the identities given (recipients " + identities.recipients() + ") opens this file: it "
                            + "is encrypted to other recipients, or its header is damaged", null);
        } catch (GeneralSecurityException | IOException e) {
            throw notAge(file, e);
        }
        return new AuthenticatedStream(Channels.newInputStream(plaintext), file);
    }

    /**
     * Encrypts a file into a new file, written atomically: a private temp file beside {@code encrypted}, synced,
     * then linked under its name, which must be free.
     *
     * @throws FileConflictException if {@code encrypted} exists
     */
    public static void encryptFile(Path plaintext, Path encrypted, List<AgeRecipient> recipients) {
        List<RecipientStanzaWriter> writers = writers(recipients);
        writeNew(encrypted, out -> {
            try (InputStream in = Files.newInputStream(plaintext);
                 WritableByteChannel channel = new StandardEncryptingChannelFactory().newEncryptingChannel(
                         Channels.newChannel(out), writers)) {
                ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
                int n;
                while ((n = in.read(buffer.array())) != -1) {
                    buffer.clear().limit(n);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("age encryption could not start: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Decrypts a file into a new owner-only file, written atomically as {@link #encryptFile}: a failure (wrong
     * identity, damaged ciphertext) leaves nothing under {@code plaintext} and no temp file.
     *
     * @throws DecryptionException   if it cannot be decrypted
     * @throws FileConflictException if {@code plaintext} exists
     */
    public static void decryptFile(Path encrypted, Path plaintext, AgeIdentities identities) {
        writeNew(plaintext, out -> {
            try (InputStream raw = Files.newInputStream(encrypted);
                 InputStream in = decrypting(raw, identities, encrypted)) {
                in.transferTo(out);
            }
        });
    }

    private static List<RecipientStanzaWriter> writers(List<AgeRecipient> recipients) {
        if (recipients == null || recipients.isEmpty()) {
            throw new InvalidInputException("age recipients", "[]", "expected at least one recipient");
        }
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        for (AgeRecipient recipient : recipients) {
            try {
                writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient.publicKey()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("a recipient that parsed before no longer does", e);
            }
        }
        return writers;
    }

    static DecryptionException notAge(String file, Exception e) {
        return new DecryptionException(file, DecryptionException.Reason.NOT_AGE, List.of(),
                "not an age file, or its header is damaged (" + e.getMessage() + ")", e);
    }

    /** Writes the content of a new file. */
    @FunctionalInterface
    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes a new file: a temp file created here (exclusive, owner-only, never through a link, kept open), checked
     * to still be that file before it is linked under {@code target}, which must be free. On any failure nothing is
     * left, and the failure is what is thrown.
     */
    private static void writeNew(Path target, Content content) {
        Path dir = target.toAbsolutePath().getParent();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileConflictException(target, "already exists; it is never overwritten");
        }
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(random) + ".tmp");
        boolean linked = false;
        try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")))) {
            Object identity = SafeFiles.identity(temp);
            OutputStream out = Channels.newOutputStream(channel);
            // The age channel closes what it writes to; the file must stay open to be synced.
            content.writeTo(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            });
            channel.force(true);
            if (!identity.equals(SafeFiles.identity(temp))) {
                throw new FileConflictException(temp, "was replaced while it was written; nothing was published");
            }
            try {
                Files.createLink(target, temp);
                linked = true;
            } catch (FileAlreadyExistsException e) {
                throw new FileConflictException(target, "appeared while it was being written; it was not "
                        + "overwritten");
            }
            AtomicFile.syncDirectory(dir);
        } catch (IOException | UnsupportedOperationException e) {
            throw new LocalStorageException(target, "Writing", e instanceof IOException io ? io : new IOException(e));
        } finally {
            deleteQuietly(temp, linked);
        }
    }

    /** Removes the temp name; a failure to do so never hides the error that is on its way out. */
    private static void deleteQuietly(Path temp, boolean linked) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            System.getLogger(Age.class.getName()).log(System.Logger.Level.WARNING, "Could not delete " + temp
                    + (linked ? " (a second name of the finished file)" : " (owner-only)") + ": " + e);
        }
    }

    /** Turns age's authentication failures into {@link DecryptionException}; other I/O errors pass through. */
    private static final class AuthenticatedStream extends FilterInputStream {
        private final String file;

        AuthenticatedStream(InputStream in, String file) {
            super(in);
            this.file = file;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (PayloadException e) {
                throw damaged(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (PayloadException e) {
                throw damaged(e);
            }
        }

        private DecryptionException damaged(PayloadException e) {
            return new DecryptionException(file, DecryptionException.Reason.DAMAGED, List.of(),
                    "the ciphertext is truncated or was changed: age's authentication failed (" + e.getMessage()
                            + "); nothing decrypted from it was kept", e);
        }
    }
}
