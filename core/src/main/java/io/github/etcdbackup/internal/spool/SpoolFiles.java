package io.github.etcdbackup.internal.spool;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.internal.files.SafeFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files in which a range of a download waits for its turn ({@link io.github.etcdbackup.spi.SpooledRange}): each in a
 * new owner-only directory under the transport's spool directory, and unlinked (with that directory) as soon as it
 * is open, so that nothing is left there whatever becomes of the JVM, and its space is freed when it is closed.
 *
 * <p>A spool directory that its group or others can write to without the sticky bit is refused, and so is one owned
 * by another user than this process's or root: there someone else could swap the new directory before the file is
 * opened in it. With the sticky bit (as {@code /tmp}, root's) nobody else can rename or remove it, and nobody else
 * can write inside it. The file itself is owner-only ({@code 0600}).
 */
public final class SpoolFiles {
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int STICKY = 01000;

    private SpoolFiles() {
    }

    /**
     * A transport builder's {@code spoolDirectory}: checked to exist now; whether others could swap its files is
     * checked at each range, as it may change.
     *
     * @throws InvalidInputException if it is not an existing directory
     */
    public static Path directory(Path spoolDirectory) {
        if (!Files.isDirectory(spoolDirectory)) {
            throw new InvalidInputException("spool directory", spoolDirectory.toString(), "not an existing directory");
        }
        return spoolDirectory;
    }

    /** A spool file: its name, for a process to open, and this JVM's channel on it. */
    public record Created(Path file, FileChannel channel) {
    }

    /**
     * A new owner-only file for {@code what}, open to read and write, in a new owner-only directory; the caller
     * {@link #discard}s its name once nobody needs to open it by name any more.
     *
     * @throws LocalStorageException if the spool directory cannot take it, or others could swap it
     */
    public static Created create(Path spoolDirectory, String what) {
        requirePrivateEnough(spoolDirectory);
        Path dir;
        try {
            dir = Files.createTempDirectory(spoolDirectory, "etcd-backup-range-");
        } catch (IOException e) {
            throw new LocalStorageException(spoolDirectory, "Creating a file for " + what + " in", e);
        }
        Path file = dir.resolve("range");
        try {
            return new Created(file, SafeFiles.createPrivate(file));
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    /**
     * A new file for {@code what}, open to read and write, already unlinked.
     *
     * @throws LocalStorageException if the spool directory cannot take it, or others could swap it
     */
    public static FileChannel openUnlinked(Path spoolDirectory, String what) {
        Created created = create(spoolDirectory, what);
        discard(created.file());
        return created.channel();
    }

    /** Removes a file of {@link #create} and its directory, by name; whoever has it open keeps it. */
    public static void discard(Path file) {
        deleteQuietly(file);
        deleteQuietly(file.getParent());
    }

    private static void requirePrivateEnough(Path spoolDirectory) {
        try {
            int mode = (Integer) Files.getAttribute(spoolDirectory, "unix:mode");
            if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new LocalStorageException(spoolDirectory, "Spooling ranges in", new IOException("its group or "
                        + "others can write to it and it has no sticky bit, so another user could swap the files the ranges are "
                        + "written to; give the transport's spoolDirectory a directory only you can write to, or "
                        + "one with the sticky bit (as /tmp)"));
            }
            String owner = Files.getOwner(spoolDirectory).getName();
            if (!owner.equals(System.getProperty("user.name")) && !owner.equals("root")) {
                throw new LocalStorageException(spoolDirectory, "Spooling ranges in", new IOException("it belongs "
                        + "to " + owner + ", who could swap the files the ranges are written to; give the "
                        + "transport's spoolDirectory a directory of your own, or root's (as /tmp)"));
            }
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixModes) {
            // Not a POSIX file system: it has no such sharing to guard against.
        } catch (IOException e) {
            throw new LocalStorageException(spoolDirectory, "Spooling ranges in", e);
        }
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // A leftover empty file or directory in the spool directory is harmless.
        }
    }
}
