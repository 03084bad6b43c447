package io.github.etcdbackup.internal.download;

import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The checks a download directory passes before anything is asked of a unit or streamed: a snapshot taken for a
 * directory that cannot hold it costs the cluster a snapshot and the operator a night, for an error known at once.
 */
public final class TargetDirectory {
    private TargetDirectory() {
    }

    /**
     * Creates {@code dir} if needed and proves it writable by creating and deleting a file in it (permission bits
     * say nothing for root, and nothing about read-only mounts).
     *
     * @throws LocalStorageException if it cannot be created, is not a directory, or cannot be written to
     */
    public static void prepare(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Creating the backup directory", e);
        }
        if (!Files.isDirectory(dir)) {
            throw new LocalStorageException(dir, "Using the backup directory", new NotDirectoryException(dir.toString()));
        }
        try {
            Files.delete(Files.createTempFile(dir, ".etcd-backup-write-check", ".tmp"));
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Writing a test file to the backup directory", e);
        }
    }

    /**
     * Refuses to start a download of about {@code bytes} into a file system that has less room.
     *
     * @param bytes the size the unit reported (0 when unknown: nothing is checked)
     * @throws LocalStorageException if the file system of {@code dir} has less usable space
     */
    public static void requireRoom(Path dir, long bytes) {
        if (bytes <= 0) {
            return;
        }
        long usable;
        try {
            usable = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Reading the free space of", e);
        }
        if (usable < bytes) {
            throw new LocalStorageException(dir, "Downloading into", new IOException("not enough room: the archive "
                    + "is about " + bytes + " bytes and " + usable + " bytes are free; free some space (prune the "
                    + "store) or choose another directory"));
        }
    }
}
