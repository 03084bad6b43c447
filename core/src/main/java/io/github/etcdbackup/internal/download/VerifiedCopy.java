package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.internal.files.FileLocks;
import io.github.etcdbackup.internal.files.SafeFiles;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.internal.files.StoreLock;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.StoredSnapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Copies a verified archive of a store into a directory, as a download writes one: into a locked owner-only
 * {@code .part}, hashed as it is written, synced, compared with the SHA-256 its manifest records, and only then
 * linked under its name (never over another file) beside its {@code .sha256} and manifest. The bytes are copied as
 * they are: an encrypted archive stays ciphertext, its manifest unchanged but for the file.
 */
public final class VerifiedCopy {
    private VerifiedCopy() {
    }

    /**
     * Copies the file of {@code snapshot} into {@code targetDir}.
     *
     * @return the copy; the one already there when the target holds the same archive (same SHA-256)
     * @throws ChecksumMismatchException if the bytes read do not hash to the manifest's SHA-256 (nothing is kept)
     * @throws FileConflictException     if the target holds another file under the archive's name
     */
    public static LocalSnapshot copy(LocalSnapshot snapshot, String model, Path targetDir) {
        try (InputStream in = Files.newInputStream(snapshot.file())) {
            return copy(snapshot, model, in, targetDir);
        } catch (IOException e) {
            throw new LocalStorageException(snapshot.file(), "Reading", e);
        }
    }

    /**
     * Copies {@code snapshot}, read from {@code archive} (not closed here), into {@code targetDir}; see
     * {@link #copy(LocalSnapshot, String, Path)}.
     */
    public static LocalSnapshot copy(StoredSnapshot snapshot, String model, InputStream archive, Path targetDir) {
        Path target = targetDir.resolve(InputValidation.fileName(snapshot.name()));
        LocalSnapshot copy = new LocalSnapshot(target, snapshot.sha256(), snapshot.sizeBytes(), snapshot.source(),
                snapshot.encryption());
        if (SafeFiles.existsAsRegularFile(target)) {
            String there = Sha256.ofFile(target);
            if (!there.equals(snapshot.sha256())) {
                throw new FileConflictException(target, "already exists with SHA-256 " + there + ", not the "
                        + snapshot.sha256() + " of the archive being copied; it is never overwritten");
            }
            try (StoreLock ignored = StoreLock.acquire(targetDir)) {
                VerifiedDownload.writeSidecars(copy, model);
            }
            return copy;
        }
        Path part = targetDir.resolve(target.getFileName() + VerifiedDownload.PART_SUFFIX);
        try (FileLocks.Held held = FileLocks.lockNow(part, true, "another copy is writing this archive")) {
            boolean keep = false;
            try {
                long written = fill(snapshot, archive, held.channel(), part, target);
                keep = true;
                try (StoreLock ignored = StoreLock.acquire(targetDir)) {
                    VerifiedDownload.publish(held, written, target, snapshot.sha256());
                    VerifiedDownload.writeSidecars(copy, model);
                }
                return copy;
            } finally {
                if (!keep) {
                    VerifiedDownload.deleteHeld(held);
                }
            }
        }
    }

    private static long fill(StoredSnapshot snapshot, InputStream in, FileChannel channel, Path part, Path target) {
        MessageDigest digest = Sha256.newDigest();
        long written = 0;
        try {
            channel.truncate(0);
            byte[] buffer = new byte[Sha256.BUFFER_SIZE];
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
                VerifiedDownload.writeFully(channel, ByteBuffer.wrap(buffer, 0, n));
                written += n;
            }
            channel.force(true);
        } catch (IOException e) {
            throw new LocalStorageException(part, "Copying " + snapshot.location() + " into", e);
        }
        String actual = Sha256.hex(digest);
        if (!actual.equals(snapshot.sha256())) {
            throw new ChecksumMismatchException(snapshot.sha256(), actual, target);
        }
        return written;
    }
}
