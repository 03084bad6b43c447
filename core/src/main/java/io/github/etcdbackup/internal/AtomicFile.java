package io.github.etcdbackup.internal;

import io.github.etcdbackup.LocalStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small files written so that a crash leaves either the old content or the new, never half of one. */
public final class AtomicFile {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFile.class);

    private AtomicFile() {
    }

    /** Writes {@code content} to a temp file beside {@code file}, fsyncs it, renames it over {@code file}. */
    public static void write(Path file, byte[] content) {
        Path temp = file.resolveSibling(file.getFileName() + VerifiedDownload.PART_SUFFIX);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
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
        syncDirectory(file.getParent());
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
}
