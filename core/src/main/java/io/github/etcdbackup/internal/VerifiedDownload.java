package io.github.etcdbackup.internal;

import io.github.etcdbackup.ChecksumMismatchException;
import io.github.etcdbackup.EtcdBackupException;
import io.github.etcdbackup.FileConflictException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.LocalStorageException;
import io.github.etcdbackup.OperationInterruptedException;
import io.github.etcdbackup.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Streams a remote archive to {@code <dir>/<archive>.part} while hashing it (one pass, constant memory), fsyncs,
 * compares with the unit's SHA-256, and only then gives it its final name, next to a {@code .sha256} file in
 * {@code sha256sum -c} format. A final file is never overwritten and never holds unverified bytes.
 *
 * <p>What is left behind on failure: after a cut stream, a timeout or an interrupt the {@code .part} file stays, so
 * that the next download resumes from its length (its bytes are hashed again first); after a checksum mismatch it
 * is deleted, since its bytes cannot be trusted.
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

    /** Suffix of the file that holds an unfinished download. */
    public static final String PART_SUFFIX = ".part";
    /** Suffix of the checksum file written beside a verified archive. */
    public static final String SHA256_SUFFIX = ".sha256";

    private static final Logger LOG = LoggerFactory.getLogger(VerifiedDownload.class);
    private static final long PROGRESS_EVERY_BYTES = 4L * 1024 * 1024;

    private final String transportName;

    /** @param transportName named in errors about the stream */
    public VerifiedDownload(String transportName) {
        this.transportName = transportName;
    }

    /**
     * Downloads and verifies; see the class comment.
     *
     * @return the verified local snapshot
     */
    public LocalSnapshot run(Snapshot snapshot, Path dir, String model, Source source, Deadline deadline,
                             Progress progress) {
        String operation = "download " + snapshot.unit() + ":" + snapshot.remotePath();
        Path target = dir.resolve(InputValidation.fileName(snapshot.archiveName()));
        Path part = dir.resolve(snapshot.archiveName() + PART_SUFFIX);
        createDirectories(dir);
        if (Files.exists(target)) {
            return alreadyThere(snapshot, target, model);
        }
        try (FileChannel channel = openPart(part);
             FileLock lock = FileLocks.lockNow(channel, part,
                     "another download is writing this archive right now")) {
            MessageDigest digest = Sha256.newDigest();
            long offset = resumeOffset(digest, channel, part);
            long total = copy(source, offset, deadline, channel, digest, progress, operation, part);
            force(channel, part);
            String actual = Sha256.hex(digest);
            if (!actual.equals(snapshot.sha256())) {
                Files.deleteIfExists(part);
                throw new ChecksumMismatchException(snapshot.sha256(), actual, target);
            }
            LocalSnapshot local = new LocalSnapshot(target, actual, total, snapshot);
            try (StoreLock ignored = StoreLock.acquire(dir)) {
                publish(part, target, snapshot.sha256());
                writeSidecars(local, model);
            }
            return local;
        } catch (IOException e) {
            throw new LocalStorageException(part, "Writing", e);
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

    private static FileChannel openPart(Path part) throws IOException {
        return FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
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

    private long copy(Source source, long offset, Deadline deadline, FileChannel channel, MessageDigest digest,
                      Progress progress, String operation, Path part) throws IOException {
        long total = offset;
        long lastReported = offset;
        byte[] buffer = new byte[Sha256.BUFFER_SIZE];
        ByteBuffer wrapped = ByteBuffer.wrap(buffer);
        deadline.check(operation);
        InputStream in = source.open(offset, deadline);
        StreamWatchdog.Guard guard = StreamWatchdog.closeAfter(in, deadline.remaining());
        try (in; guard; WritebackSync writeback = new WritebackSync(channel)) {
            int n;
            while ((n = read(in, buffer, guard, deadline, operation, total)) != -1) {
                digest.update(buffer, 0, n);
                wrapped.clear().limit(n);
                while (wrapped.hasRemaining()) {
                    channel.write(wrapped);
                }
                total += n;
                writeback.written(n);
                if (total - lastReported >= PROGRESS_EVERY_BYTES) {
                    progress.bytes(total);
                    lastReported = total;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new OperationInterruptedException(operation, null);
                }
            }
            writeback.finish();
        }
        progress.bytes(total);
        return total;
    }

    private int read(InputStream in, byte[] buffer, StreamWatchdog.Guard guard, Deadline deadline, String operation,
                     long soFar) {
        try {
            return in.read(buffer);
        } catch (IOException | RuntimeException e) {
            if (guard.fired() || deadline.expired()) {
                throw new OperationTimeoutException(operation + " (after " + soFar + " bytes)", deadline.timeout(),
                        null, e);
            }
            if (e instanceof InterruptedIOException || Thread.currentThread().isInterrupted()) {
                Thread.currentThread().interrupt();
                throw new OperationInterruptedException(operation, e);
            }
            if (e instanceof EtcdBackupException typed) {
                throw typed;
            }
            throw new TransportException(transportName, "The stream of " + operation + " broke after " + soFar
                    + " bytes; the partial file is kept and the next download resumes from it", e);
        }
    }

    private static void force(FileChannel channel, Path part) {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new LocalStorageException(part, "Syncing", e);
        }
    }

    /**
     * Gives the verified {@code .part} its final name without ever replacing a file: a hard link fails if the name
     * is taken, where a rename would silently overwrite.
     */
    private static void publish(Path part, Path target, String sha256) throws IOException {
        try {
            Files.createLink(target, part);
            Files.delete(part);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(part);
            String existing = Sha256.ofFile(target);
            if (!existing.equals(sha256)) {
                throw new FileConflictException(target,
                        "appeared during the download with other content; it was not overwritten");
            }
        } catch (UnsupportedOperationException | IOException noHardLinks) {
            if (Files.exists(target)) {
                throw new FileConflictException(target, "appeared during the download; it was not overwritten");
            }
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        }
        AtomicFile.syncDirectory(target.getParent());
    }

    /**
     * Writes {@code <archive>.sha256} ({@code sha256sum -c} format) and the manifest, each atomically. The archive is
     * published first: a crash in between leaves a verified archive whose sidecars the next download rewrites.
     */
    private static void writeSidecars(LocalSnapshot local, String model) {
        Path target = local.file();
        Path file = target.resolveSibling(target.getFileName() + SHA256_SUFFIX);
        AtomicFile.write(file, (local.sha256() + "  " + target.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
        SnapshotManifest.write(local, model);
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
}
