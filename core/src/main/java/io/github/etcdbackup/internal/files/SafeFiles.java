package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Opening files in a directory that others may write to (backups run as root in shared directories): never through a
 * symbolic link, only regular files with a single name, new files private to their owner. A name that breaks these
 * rules is a {@link FileConflictException} naming it, so a planted link can never turn a write against a file
 * outside the directory.
 */
public final class SafeFiles {
    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private SafeFiles() {
    }

    /**
     * The identity (device and inode) of the regular file {@code file} names, read without following a link.
     *
     * @return {@code null} when nothing has that name
     * @throws FileConflictException if the name is a symbolic link, not a regular file, or one of several hard links
     */
    public static Object regularFileIdentity(Path file) {
        Object identity = identity(file);
        int links = identity == null ? 0 : linkCount(file);
        if (links > 1) {
            throw new FileConflictException(file, "has " + links + " names (hard links): writing to it would change "
                    + "a file elsewhere too; refusing to use it. Remove it if nothing else needs it");
        }
        return identity;
    }

    /**
     * As {@link #regularFileIdentity(Path)} but allowing other names: for looking, never for writing (a download
     * links its file under the final name just before it lets go of it).
     */
    public static Object identity(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading the attributes of", e);
        }
        requireRegular(file, attributes);
        return attributes.fileKey() != null ? attributes.fileKey() : realPath(file);
    }

    /**
     * Refuses a name that exists as anything but a regular file; nothing there is fine.
     *
     * @return whether a regular file has that name
     */
    public static boolean existsAsRegularFile(Path file) {
        try {
            requireRegular(file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading the attributes of", e);
        }
    }

    /** Opens an existing file without following a symbolic link at its name. */
    public static FileChannel openNoFollow(Path file, OpenOption... options) {
        Set<OpenOption> all = new HashSet<>(List.of(options));
        all.add(LinkOption.NOFOLLOW_LINKS);
        return open(file, all);
    }

    /**
     * Opens {@code file} for reading and writing, creating it readable and writable by its owner only, without
     * following a symbolic link at its name (a link planted there makes this fail instead).
     */
    public static FileChannel createOrOpenPrivate(Path file) {
        return open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
    }

    /**
     * Creates {@code file} for reading and writing, readable and writable by its owner only; fails if anything has
     * that name already (a link planted there included).
     */
    public static FileChannel createPrivate(Path file) {
        return open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), OWNER_ONLY);
    }

    private static FileChannel open(Path file, Set<OpenOption> options, FileAttribute<?>... attributes) {
        try {
            return FileChannel.open(file, options, attributes);
        } catch (UnsupportedOperationException noPosix) {
            if (attributes.length == 0) {
                throw new LocalStorageException(file, "Opening", new IOException(noPosix));
            }
            return open(file, options);
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(file)) {
                throw symbolicLink(file);
            }
            throw new LocalStorageException(file, "Opening", e);
        } catch (IOException e) {
            throw new LocalStorageException(file, "Opening", e);
        }
    }

    private static void requireRegular(Path file, BasicFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            throw symbolicLink(file);
        }
        if (!attributes.isRegularFile()) {
            throw new FileConflictException(file, "is not a regular file; refusing to write there. Move it away");
        }
    }

    private static FileConflictException symbolicLink(Path file) {
        String target;
        try {
            target = " (to " + Files.readSymbolicLink(file) + ")";
        } catch (IOException | UnsupportedOperationException e) {
            target = "";
        }
        return new FileConflictException(file, "is a symbolic link" + target + "; files here are never written "
                + "through a link, which could point outside the directory. Remove the link");
    }

    private static int linkCount(Path file) {
        try {
            return (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            return 1;
        } catch (IOException e) {
            throw new LocalStorageException(file, "Reading the attributes of", e);
        }
    }

    private static Path realPath(Path file) {
        try {
            return file.toRealPath(LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new LocalStorageException(file, "Resolving", e);
        }
    }
}
