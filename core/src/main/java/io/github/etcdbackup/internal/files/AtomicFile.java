package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.LocalStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Small files written so that a crash leaves either the old content or the new, never half of one, and so that a
 * link planted at either name cannot redirect the write: the content goes to a new temp file with a random name
 * (created exclusively, owner-only, so a planted name makes it fail rather than be followed), and the rename replaces
 * whatever had the final name, a symbolic link included, instead of writing through it.
 */
public final class AtomicFile {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFile.class);

    private AtomicFile() {
    }

    /** Writes {@code content} to a new temp file beside {@code file}, fsyncs it, renames it over {@code file}. */
    public static void write(Path file, byte[] content) {
        Path dir = file.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new LocalStorageException(file, "Creating a temporary file for", e);
        }
        try {
            try (FileChannel channel = SafeFiles.openNoFollow(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            } catch (IOException e) {
                throw new LocalStorageException(temp, "Writing", e);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new LocalStorageException(file, "Renaming", e);
            }
        } finally {
            deleteQuietly(temp);
        }
        syncDirectory(dir);
    }

    /** Makes a rename or link in {@code dir} durable. */
    public static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the file itself was synced already.
            LOG.debug("Could not fsync directory {}: {}", dir, e.toString());
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.debug("Could not delete {}: {}", temp, e.toString());
        }
    }
}
