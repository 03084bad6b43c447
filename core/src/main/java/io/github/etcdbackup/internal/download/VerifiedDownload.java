package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.internal.common.StreamWatchdog;
import io.github.etcdbackup.internal.files.AtomicFile;
import io.github.etcdbackup.internal.files.FileLocks;
import io.github.etcdbackup.internal.files.SafeFiles;
import io.github.etcdbackup.internal.files.StoreLock;

import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Streams a remote archive to {@code <dir>/<local name>.part} while hashing it (one pass, constant memory), fsyncs,
 * compares with the unit's SHA-256, and only then gives it its final name, next to a {@code .sha256} file in
 * {@code sha256sum -c} format. A final file is never overwritten and never holds unverified bytes. The local name
 * is {@link Snapshot#localName(String)}: unique per model, unit and snapshot.
 *
 * <p>Against a hostile directory (others may write to it; backups often run as root): the {@code .part} is opened
 * without following links, created owner-only, locked through {@link FileLocks} for the whole download, and checked
 * to still be the same file, of the length that was hashed, just before it is linked under the final name; the final
 * name must be free or a regular file (a symbolic link there is refused before anything is downloaded). The stream is
 * stopped once it runs well past the size the unit reported ({@link #sizeLimit(Snapshot)}).
 *
 * <p>What is left behind on failure: after a cut stream, a timeout or an interrupt the {@code .part} file stays, so
 * that the next download of the same snapshot resumes from its length (its bytes are hashed again first), unless
 * the caller will never ask for that snapshot again ({@link PartOnFailure#DELETE}, as {@code backup()}, which takes
 * a new snapshot each time). After a checksum mismatch, an oversize stream or a local write error (a full disk) it
 * is deleted, since its bytes cannot be trusted or would keep the disk full.
 *
 * <p>Encrypted ({@code encryptTo} not empty): the plaintext is hashed and encrypted to age as it streams, and only
 * ciphertext is written, to {@code <local name>.age}; the unit's SHA-256 is checked over the plaintext, and the
 * ciphertext is hashed in the same pass for the {@code .sha256} file and the manifest. Such a download is never
 * resumed (the file key that encrypted the {@code .part} is gone with the attempt): its {@code .part} is deleted on
 * any failure, and one left by a killed process is started over.
 */
public final class VerifiedDownload {
    /** Opens the remote archive from a byte offset. */
    @FunctionalInterface
    public interface Source {
        /** Opens the remote file from {@code offset}. */
        InputStream open(long offset, Deadline deadline);
    }

    /** Receives the number of bytes in the file so far. */
    @FunctionalInterface
    public interface Progress {
        /** Called every few MiB and once at the end. */
        void bytes(long total);
    }

    /** What becomes of the {@code .part} of a download that was cut, timed out or interrupted. */
    public enum PartOnFailure {
        /** Kept, so that downloading the same snapshot again resumes from it. */
        KEEP_FOR_RESUME,
        /** Deleted: nobody will download this snapshot again, so it could only fill the disk. */
        DELETE
    }

    /** Suffix of the file that holds an unfinished download. */
    public static final String PART_SUFFIX = ".part";
    /** Suffix of the checksum file written beside a verified archive. */
    public static final String SHA256_SUFFIX = ".sha256";

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedDownload.class);
    private static final long PROGRESS_EVERY_BYTES = 4L * 1024 * 1024;
    private static final long SIZE_MARGIN_BYTES = 1024 * 1024;

    private final String transportName;

    /** @param transportName named in errors about the stream */
    public VerifiedDownload(String transportName) {
        this.transportName = transportName;
    }

    /**
     * The most bytes a stream may bring for {@code snapshot}: the unit's {@code du -h} size is disk usage rounded up,
     * so the file is at most that long; a quarter and 1 MiB more allow for file systems that compress. Unlimited when
     * the size is unknown.
     */
    public static long sizeLimit(Snapshot snapshot) {
        long reported = snapshot.approximateSizeBytes();
        return reported <= 0 ? Long.MAX_VALUE : reported + reported / 4 + SIZE_MARGIN_BYTES;
    }

    /**
     * Downloads and verifies; see the class comment.
     *
     * @return the verified local snapshot
     */
    public LocalSnapshot run(Snapshot snapshot, Path dir, String model, Source source, Deadline deadline,
                             Progress progress, PartOnFailure onFailure, List<AgeRecipient> encryptTo) {
        String operation = "download " + snapshot.unit() + ":" + snapshot.remotePath();
        String name = snapshot.localName(model) + (encryptTo.isEmpty() ? "" : Age.SUFFIX);
        Path target = dir.resolve(name);
        Path part = dir.resolve(name + PART_SUFFIX);
        createDirectories(dir);
        if (SafeFiles.existsAsRegularFile(target)) {
            return encryptTo.isEmpty() ? alreadyThere(snapshot, target, model)
                    : alreadyThereEncrypted(snapshot, target);
        }
        TargetDirectory.requireRoom(dir, snapshot.approximateSizeBytes() - partLength(part));
        PartOnFailure partOnFailure = encryptTo.isEmpty() ? onFailure : PartOnFailure.DELETE;
        try (FileLocks.Held held = FileLocks.lockNow(part, true,
                "another download is writing this archive right now")) {
            LocalSnapshot local = fill(held, snapshot, target, source, deadline, progress, operation, partOnFailure,
                    encryptTo);
            try (StoreLock ignored = StoreLock.acquire(dir)) {
                publish(held, local.sizeBytes(), target, snapshot.sha256());
                writeSidecars(local, model);
            }
            return local;
        }
    }

    /** Streams into the locked {@code .part} and checks the hash; deletes the {@code .part} when it must go. */
    private LocalSnapshot fill(FileLocks.Held held, Snapshot snapshot, Path target, Source source, Deadline deadline,
                               Progress progress, String operation, PartOnFailure onFailure,
                               List<AgeRecipient> encryptTo) {
        Path part = held.file();
        FileChannel channel = held.channel();
        boolean keep = false;
        try {
            MessageDigest digest = Sha256.newDigest();
            long offset;
            if (encryptTo.isEmpty()) {
                offset = resumeOffset(digest, channel, part);
            } else {
                channel.truncate(0);
                offset = 0;
            }
            Sink sink = encryptTo.isEmpty() ? new PlainSink(channel, digest)
                    : new EncryptingSink(channel, digest, encryptTo);
            long total = copy(source, offset, deadline, channel, sink, progress, operation, part,
                    sizeLimit(snapshot), onFailure);
            force(channel, part);
            String actual = Sha256.hex(digest);
            if (!actual.equals(snapshot.sha256())) {
                throw new ChecksumMismatchException(snapshot.sha256(), actual, target);
            }
            keep = true;
            if (sink instanceof EncryptingSink encrypted) {
                return new LocalSnapshot(target, Sha256.hex(encrypted.ciphertextDigest), encrypted.ciphertextBytes,
                        snapshot, Optional.of(new EncryptedArchive(encryptTo, actual, total)));
            }
            return new LocalSnapshot(target, actual, total, snapshot);
        } catch (TransportException | OperationTimeoutException | OperationInterruptedException resumable) {
            keep = onFailure == PartOnFailure.KEEP_FOR_RESUME;
            throw resumable;
        } catch (StreamTooLong e) {
            throw new TransportException(transportName, e.getMessage(), null);
        } catch (ClosedByInterruptException e) {
            // An interrupt closes a FileChannel it catches in a write or force (and with it the .part's lock): the
            // download was interrupted, the disk is fine. The flag is set again by the JDK; the .part stays for a
            // resume as after any other interrupt.
            keep = onFailure == PartOnFailure.KEEP_FOR_RESUME;
            throw new OperationInterruptedException(operation, e);
        } catch (IOException e) {
            throw new LocalStorageException(part, "Writing", e);
        } finally {
            if (!keep) {
                deleteHeld(held);
            }
        }
    }

    private LocalSnapshot alreadyThere(Snapshot snapshot, Path target, String model) {
        String existing = Sha256.ofFile(target);
        if (!existing.equals(snapshot.sha256())) {
            throw new FileConflictException(target, "already exists with SHA-256 " + existing + ", not the "
                    + snapshot.sha256() + " of the archive on " + snapshot.unit()
                    + "; it is never overwritten: move it away or download into another directory");
        }
        LOG.info("{} is already here and verified; not downloading again", target);
        LocalSnapshot local = new LocalSnapshot(target, existing, size(target), snapshot);
        try (StoreLock ignored = StoreLock.acquire(target.getParent())) {
            writeSidecars(local, model);
        }
        return local;
    }

    /**
     * An encrypted archive already under the final name cannot be checked against the unit here: its plaintext
     * needs an identity, and a manifest beside it proves nothing in a directory others can write. It is never taken
     * for this snapshot, nor overwritten.
     */
    private static LocalSnapshot alreadyThereEncrypted(Snapshot snapshot, Path target) {
        throw new FileConflictException(target, "an encrypted archive is already there under this snapshot's name; "
                + "without an identity it cannot be checked against the SHA-256 of " + snapshot.unit() + ", so it is "
                + "neither trusted nor overwritten: check it with SnapshotStore.verify(snapshot, identities), or move "
                + "it away to download again");
    }

    /** Re-hashes what an earlier attempt left and returns where to continue. */
    private static long resumeOffset(MessageDigest digest, FileChannel channel, Path part) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Sha256.BUFFER_SIZE);
        long position = 0;
        channel.position(0);
        while (channel.read(buffer) != -1) {
            buffer.flip();
            position += buffer.remaining();
            digest.update(buffer);
            buffer.clear();
        }
        if (position > 0) {
            LOG.info("Resuming {} from byte {}", part, position);
        }
        return position;
    }

    private long copy(Source source, long offset, Deadline deadline, FileChannel channel, Sink sink,
                      Progress progress, String operation, Path part, long limit, PartOnFailure onFailure)
            throws IOException {
        long total = offset;
        long lastReported = offset;
        byte[] buffer = new byte[Sha256.BUFFER_SIZE];
        deadline.check(operation);
        InputStream in = source.open(offset, deadline);
        StreamWatchdog.Guard guard = StreamWatchdog.closeAfter(in, deadline.remaining());
        try (in; guard; WritebackSync writeback = new WritebackSync(channel)) {
            int n;
            while ((n = read(in, buffer, guard, deadline, operation, total, onFailure)) != -1) {
                total += n;
                if (total > limit) {
                    throw new StreamTooLong(operation + " brought more than " + limit + " bytes, well past the size "
                            + "the unit reported; stopped, and the partial file deleted");
                }
                writeback.written(sink.write(buffer, n));
                if (total - lastReported >= PROGRESS_EVERY_BYTES) {
                    progress.bytes(total);
                    lastReported = total;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new OperationInterruptedException(operation, null);
                }
            }
            writeback.written(sink.finish());
            writeback.finish();
        }
        progress.bytes(total);
        return total;
    }

    private int read(InputStream in, byte[] buffer, StreamWatchdog.Guard guard, Deadline deadline, String operation,
                     long soFar, PartOnFailure onFailure) {
        try {
            return in.read(buffer);
        } catch (IOException | RuntimeException e) {
            throw UnitArchiveStream.readFailure(e, guard, deadline, operation, soFar, transportName,
                    onFailure == PartOnFailure.KEEP_FOR_RESUME
                            ? "the partial file is kept and the next download of this snapshot resumes from it"
                            : "the partial file is deleted");
        }
    }

    private static void force(FileChannel channel, Path part) {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new LocalStorageException(part, "Syncing", e);
        }
    }

    /** Removes a {@code .part} this download holds, unless its name was taken over by another file meanwhile. */
    static void deleteHeld(FileLocks.Held held) {
        try {
            if (held.stillNamed()) {
                Files.delete(held.file());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", held.file(), e.toString());
        }
    }

    /**
     * Gives the verified {@code .part} its final name without ever replacing a file: a hard link fails if the name
     * is taken (a dangling symbolic link included), where a rename would silently overwrite. Before that, the name
     * {@code .part} must still hold the locked file, at the length that was hashed: what is published is what was
     * verified.
     */
    static void publish(FileLocks.Held held, long hashedBytes, Path target, String sha256) {
        Path part = held.file();
        try {
            if (!held.stillNamed() || held.channel().size() != hashedBytes) {
                throw new FileConflictException(part, "changed under this download (replaced, or written by another "
                        + "program) after its bytes were verified; nothing was published");
            }
            try {
                Files.createLink(target, part);
            } catch (FileAlreadyExistsException e) {
                appearedMeanwhile(part, target, sha256);
                return;
            } catch (UnsupportedOperationException | IOException noHardLinks) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    appearedMeanwhile(part, target, sha256);
                    return;
                }
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.deleteIfExists(part);
            AtomicFile.syncDirectory(target.getParent());
        } catch (IOException e) {
            throw new LocalStorageException(target, "Publishing", e);
        }
    }

    /**
     * Another file took the final name during the download. The same verified archive: the {@code .part} is not
     * needed. Anything else (other content, a symbolic link): nothing is overwritten, and the verified {@code .part}
     * is kept, so that the next download publishes it without fetching it again.
     */
    private static void appearedMeanwhile(Path part, Path target, String sha256) throws IOException {
        String what;
        try {
            if (SafeFiles.existsAsRegularFile(target) && Sha256.ofFile(target).equals(sha256)) {
                Files.delete(part);
                return;
            }
            what = "with other content";
        } catch (FileConflictException notARegularFile) {
            what = "as a symbolic link or another non-regular file";
        }
        throw new FileConflictException(target, "appeared during the download " + what + "; it was not "
                + "overwritten, and the verified download is kept as " + part.getFileName());
    }

    /**
     * Writes {@code <archive>.sha256} ({@code sha256sum -c} format) and the manifest, each atomically. The archive is
     * published first: a crash in between leaves a verified archive whose sidecars the next download rewrites.
     */
    static void writeSidecars(LocalSnapshot local, String model) {
        Path target = local.file();
        Path file = target.resolveSibling(target.getFileName() + SHA256_SUFFIX);
        AtomicFile.write(file, (local.sha256() + "  " + target.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        SnapshotManifest.write(local, model);
    }

    /** What an earlier attempt left to resume from; a name that is not a regular file counts as nothing here. */
    private static long partLength(Path part) {
        try {
            return Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS) ? Files.size(part) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Creating directory", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading the size of", e);
        }
    }

    static void writeFully(WritableByteChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
    }

    /** Where the plaintext goes: hashed, then written to the {@code .part} as is or encrypted. */
    private interface Sink {
        /** Takes {@code n} plaintext bytes; returns how many bytes reached the file. */
        long write(byte[] buffer, int n) throws IOException;

        /** Writes what is still buffered; returns how many bytes reached the file. */
        long finish() throws IOException;
    }

    private static final class PlainSink implements Sink {
        private final FileChannel file;
        private final MessageDigest digest;

        PlainSink(FileChannel file, MessageDigest digest) {
            this.file = file;
            this.digest = digest;
        }

        @Override
        public long write(byte[] buffer, int n) throws IOException {
            digest.update(buffer, 0, n);
            writeFully(file, ByteBuffer.wrap(buffer, 0, n));
            return n;
        }

        @Override
        public long finish() {
            return 0;
        }
    }

    /**
     * Hashes the plaintext, encrypts it to age and writes the ciphertext, hashing it too. The age channel is closed
     * at the end (its last chunk), never the {@code .part}'s channel, which holds the download's lock.
     */
    private static final class EncryptingSink implements Sink, WritableByteChannel {
        private final FileChannel file;
        private final MessageDigest plaintextDigest;
        private final MessageDigest ciphertextDigest = Sha256.newDigest();
        private final WritableByteChannel age;
        private long ciphertextBytes;
        private long sinceLastCall;

        EncryptingSink(FileChannel file, MessageDigest plaintextDigest, List<AgeRecipient> recipients) {
            this.file = file;
            this.plaintextDigest = plaintextDigest;
            this.age = Age.encrypting(this, recipients);
        }

        @Override
        public long write(byte[] buffer, int n) throws IOException {
            plaintextDigest.update(buffer, 0, n);
            writeFully(age, ByteBuffer.wrap(buffer, 0, n));
            return drained();
        }

        @Override
        public long finish() throws IOException {
            age.close();
            return drained();
        }

        private long drained() {
            long n = sinceLastCall;
            sinceLastCall = 0;
            return n;
        }

        /** Ciphertext from the age channel. */
        @Override
        public int write(ByteBuffer ciphertext) throws IOException {
            int n = ciphertext.remaining();
            ByteBuffer forDigest = ciphertext.duplicate();
            ciphertextDigest.update(forDigest);
            writeFully(file, ciphertext);
            ciphertextBytes += n;
            sinceLastCall += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return file.isOpen();
        }

        /** Closing the age channel closes this; the {@code .part}'s channel stays open (and locked). */
        @Override
        public void close() {
        }
    }

    /** Thrown inside {@link #copy} so that {@link #fill} deletes the {@code .part}, then reported as a transport error. */
    private static final class StreamTooLong extends RuntimeException {
        StreamTooLong(String message) {
            super(message, null, false, false);
        }
    }
}
