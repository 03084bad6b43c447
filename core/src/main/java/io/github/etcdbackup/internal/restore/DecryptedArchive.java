package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.exception.RestoreFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The plaintext of an encrypted archive, for the one step that needs a file (Juju uploads a resource from a path):
 * written into a new owner-only directory ({@code 0700}) as an owner-only file ({@code 0600}), never through a link,
 * checked against the SHA-384 the plan recorded, and deleted with its directory right after the step.
 */
final class DecryptedArchive {
    private static final Logger LOG = LoggerFactory.getLogger(DecryptedArchive.class);
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * The plaintexts that exist right now: a JVM stopped by SIGTERM or Ctrl-C skips the {@code finally} that removes
     * them, so a shutdown hook does (a kill -9 or a power cut can still leave one, in its 0700 directory).
     */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(LIVE).forEach(DecryptedArchive::remove),
                "etcd-backup-plaintext-cleanup"));
    }

    private DecryptedArchive() {
    }

    /**
     * Where the plaintext of {@code encrypted} goes: a directory with an unguessable name in the temp directory,
     * created only when the step runs.
     */
    static Path privatePath(Path encrypted) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath()
                .resolve("etcd-backup-restore-" + HexFormat.of().formatHex(random)).resolve(plainName(encrypted));
    }

    /** The name of the archive an encrypted file holds: its own name without {@code .age}. */
    static String plainName(Path encrypted) {
        String name = encrypted.getFileName().toString();
        return name.endsWith(Age.SUFFIX) ? name.substring(0, name.length() - Age.SUFFIX.length()) : name;
    }

    /** The identity file as a plan's commands name it; {@code IDENTITY_FILE} when the identities were text. */
    static String identityFile(Optional<AgeIdentities> identities) {
        return identities.flatMap(AgeIdentities::file).map(Path::toString).orElse("IDENTITY_FILE");
    }

    /**
     * What a step that needs the plaintext runs by hand: decrypt into the private directory, run {@code command},
     * remove the directory whatever came of it.
     */
    static String commandWithPlaintext(Path encrypted, Path plaintext, Optional<AgeIdentities> identities,
                                       String command) {
        String dir = Shell.quote(plaintext.getParent().toString());
        return "umask 077 && mkdir -m 700 " + dir + " && age -d -i " + Shell.quote(identityFile(identities))
                + " -o " + Shell.quote(plaintext.toString()) + " " + Shell.quote(encrypted.toString()) + " && "
                + command + "; rm -r " + dir;
    }

    /**
     * Decrypts the snapshot into {@code plaintext} and checks its digest.
     *
     * @param algorithm {@code SHA-384} (Juju's resource fingerprint) or {@code SHA-256}
     * @param expected  the plaintext's digest in hex, as the plan recorded it
     * @throws RestoreFailedException if the plaintext does not hash to {@code expected} (it is deleted)
     * @throws FileConflictException  if the directory exists and is not this user's private directory
     */
    static void write(LocalSnapshot snapshot, AgeIdentities identities, Path plaintext, String algorithm,
                      String expected, String step) {
        Path dir = plaintext.getParent();
        privateDirectory(dir);
        LIVE.add(plaintext);
        MessageDigest digest = Sha256.newDigest(algorithm);
        try {
            Files.deleteIfExists(plaintext); // left by an attempt that died; the directory is ours alone
            try (FileChannel channel = FileChannel.open(plaintext, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
                 InputStream raw = Files.newInputStream(snapshot.file());
                 InputStream in = EncryptedArchiveReader.decrypting(raw, identities, snapshot)) {
                OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), digest);
                in.transferTo(out);
                out.flush();
                channel.force(true);
            }
        } catch (IOException e) {
            remove(plaintext);
            throw new LocalStorageException(plaintext, "Decrypting into", e);
        } catch (RuntimeException e) {
            remove(plaintext);
            throw e;
        }
        String actual = Sha256.hex(digest);
        if (!actual.equals(expected)) {
            remove(plaintext);
            throw new RestoreFailedException(step, "the decrypted archive's " + algorithm + " is " + actual
                    + ", not the " + expected + " checked when the plan was made: the encrypted file changed since");
        }
    }

    /**
     * Deletes the plaintext and its directory when the directory is this user's private one (never through a link
     * or in someone else's directory); a failure is logged (the directory stays owner-only).
     */
    static void remove(Path plaintext) {
        LIVE.remove(plaintext);
        Path dir = plaintext.getParent();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (!ours(dir)) {
                LOG.warn("Not deleting {}: not this user's private directory", dir);
                return;
            }
            Files.deleteIfExists(plaintext);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("Could not delete the decrypted archive {} (owner-only): {}; delete it by hand", plaintext,
                    e.toString());
        }
    }

    /** A directory (not a link) owned by this user with permissions 0700. */
    private static boolean ours(Path dir) throws IOException {
        UserPrincipal me = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(System.getProperty("user.name"));
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).equals(me)
                && Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY_DIR);
    }

    /** Creates the directory owner-only, or accepts it only as this user's own owner-only directory (a resume). */
    private static void privateDirectory(Path dir) {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            return;
        } catch (FileAlreadyExistsException exists) {
            // A resumed step, or someone else's: checked below.
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Creating", e);
        }
        try {
            if (!ours(dir)) {
                throw new FileConflictException(dir, "exists and is not this user's private (0700) directory; the "
                        + "decrypted archive is never written there");
            }
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Checking", e);
        }
    }

}
