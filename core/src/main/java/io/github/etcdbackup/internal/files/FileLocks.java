package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Exclusive locks on the files the library writes in place (a download's {@code .part}, a store's lock file, a
 * restore journal), held through exactly one channel per file in this JVM.
 *
 * <p>Why a registry: the OS lock is a POSIX record lock owned by the process, and closing <em>any</em> channel the
 * process has on the file releases it, silently. So nothing here opens a file that a thread of this JVM holds, not
 * even to probe it: every open of a lockable file goes through this class, under one monitor, keyed by the file's
 * identity (device and inode), not by the spelling of its path (a directory reached through a symbolic link is the
 * same directory). Files are opened without following a symbolic link, must be regular files with one name (a
 * planted link or hard link would redirect the writes outside the directory) and are created owner-only.
 */
public final class FileLocks {
    /** Every file locked by this JVM, by identity. Guarded by itself. */
    private static final Map<Object, Held> HELD = new HashMap<>();
    private static final Duration POLL = Duration.ofMillis(50);
    /** Channels that must never be closed: see {@link #tryLock}. Guarded by {@link #HELD}. */
    private static final List<FileChannel> FOREIGN = new ArrayList<>();

    private FileLocks() {
    }

    /** A file this JVM holds locked; every read and write of it goes through {@link #channel()}. */
    public static final class Held implements AutoCloseable {
        private final Path file;
        private final Object identity;
        private final FileChannel channel;
        private final FileLock lock;
        /** Channels opened on this file by a racing open; closing them before this one is released would unlock it. */
        private final List<FileChannel> parked = new ArrayList<>();

        private Held(Path file, Object identity, FileChannel channel, FileLock lock) {
            this.file = file;
            this.identity = identity;
            this.channel = channel;
            this.lock = lock;
        }

        /** The locked file's channel, opened for reading and writing. */
        public FileChannel channel() {
            return channel;
        }

        /** The path it was opened by. */
        public Path file() {
            return file;
        }

        /** Whether {@link #file()} still names the file that is locked (nobody renamed another file over it). */
        public boolean stillNamed() {
            try {
                return identity.equals(SafeFiles.regularFileIdentity(file));
            } catch (RuntimeException gone) {
                return false;
            }
        }

        @Override
        public void close() {
            synchronized (HELD) {
                HELD.remove(identity);
                try (channel) {
                    lock.release();
                } catch (IOException ignored) {
                    // Closing the channel releases the lock in any case.
                } finally {
                    parked.forEach(FileLocks::closeQuietly);
                }
            }
        }
    }

    /**
     * Opens {@code file} (creating it owner-only when {@code create} is set) and locks it without waiting.
     *
     * @param heldBy what the refusal says holds the lock, e.g. "another download is writing this archive"
     * @throws FileConflictException if another process or thread holds it, or the name is a link or not a file
     */
    public static Held lockNow(Path file, boolean create, String heldBy) {
        Held held = tryLock(file, create);
        if (held == null) {
            throw new FileConflictException(file, heldBy);
        }
        return held;
    }

    /**
     * As {@link #lockNow}, but waits up to {@code wait} for another process or thread to let go.
     *
     * @throws FileConflictException if it is still held after {@code wait}, or the wait was interrupted (the flag is
     *                               set again)
     */
    public static Held lockWaiting(Path file, boolean create, Duration wait, String heldBy) {
        long end = System.nanoTime() + wait.toNanos();
        Held held;
        while ((held = tryLock(file, create)) == null) {
            if (System.nanoTime() - end > 0) {
                throw new FileConflictException(file, heldBy + " for " + wait);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FileConflictException(file, "interrupted while waiting: " + heldBy);
            }
        }
        return held;
    }

    /**
     * Whether a thread of this JVM or another process holds {@code file}'s lock. Probing never disturbs a holder:
     * a file this JVM holds is never opened again, and another process's lock cannot be released by this one.
     *
     * @throws FileConflictException if the name is a symbolic link or not a regular file
     */
    public static boolean isLocked(Path file) {
        synchronized (HELD) {
            Object before = SafeFiles.identity(file);
            if (before == null) {
                return false;
            }
            if (HELD.containsKey(before)) {
                return true;
            }
            FileChannel probe = SafeFiles.openNoFollow(file, StandardOpenOption.READ);
            if (identityAfterOpen(file, probe, before, false) == null) {
                return true;
            }
            try {
                FileLock shared = probe.tryLock(0, Long.MAX_VALUE, true);
                probe.close();
                return shared == null;
            } catch (OverlappingFileLockException lockedElsewhereInThisJvm) {
                FOREIGN.add(probe);
                return true;
            } catch (IOException e) {
                closeQuietly(probe);
                throw new LocalStorageException(file, "Probing the lock of", e);
            }
        }
    }

    /**
     * Reads a whole file without disturbing a lock on it: through the holder's channel (positional reads, which leave
     * its position alone) when a thread of this JVM holds it, since closing any other channel would release the lock.
     *
     * @throws FileConflictException if the name is a symbolic link or not a regular file
     */
    public static byte[] readAll(Path file) {
        synchronized (HELD) {
            Object identity = SafeFiles.identity(file);
            Held holder = identity == null ? null : HELD.get(identity);
            try {
                if (holder != null) {
                    return readAll(holder.channel);
                }
                try (FileChannel channel = SafeFiles.openNoFollow(file, StandardOpenOption.READ)) {
                    return readAll(channel);
                }
            } catch (IOException e) {
                throw new LocalStorageException(file, "Reading", e);
            }
        }
    }

    /** The whole content of a channel's file, by positional reads (its position is left alone). */
    public static byte[] readAll(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(channel.size()));
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
            // positional reads until the buffer is full or the file ends
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private static Held tryLock(Path file, boolean create) {
        synchronized (HELD) {
            Object before = SafeFiles.regularFileIdentity(file);
            if (before != null && HELD.containsKey(before)) {
                return null;
            }
            FileChannel channel = create
                    ? SafeFiles.createOrOpenPrivate(file)
                    : SafeFiles.openNoFollow(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Object identity = identityAfterOpen(file, channel, before, true);
            if (identity == null) {
                return null;
            }
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    channel.close();
                    return null;
                }
                Held held = new Held(file, identity, channel, lock);
                HELD.put(identity, held);
                return held;
            } catch (OverlappingFileLockException lockedElsewhereInThisJvm) {
                // Code outside this class locked the file through a channel of its own; closing ours would drop
                // that lock, so ours is kept open (and reachable, or a cleaner would close it) until the JVM exits.
                FOREIGN.add(channel);
                return null;
            } catch (IOException e) {
                closeQuietly(channel);
                throw new LocalStorageException(file, "Locking", e);
            }
        }
    }

    /**
     * After opening {@code file}: the identity of what the name holds now. If the name was changed meanwhile to a
     * file this JVM holds, the fresh channel must not be closed before the holder is done (that would unlock it), so
     * it is handed to the holder and {@code null} is returned: the caller must then neither use nor close it.
     *
     * @param forWriting whether the file must also have a single name (see {@link SafeFiles#regularFileIdentity})
     * @throws FileConflictException if the name now holds another file than before the open, or nothing
     */
    private static Object identityAfterOpen(Path file, FileChannel channel, Object before, boolean forWriting) {
        Object now;
        try {
            now = forWriting ? SafeFiles.regularFileIdentity(file) : SafeFiles.identity(file);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        Held holder = now == null ? null : HELD.get(now);
        if (holder != null) {
            holder.parked.add(channel);
            return null;
        }
        if (now == null || (before != null && !before.equals(now))) {
            closeQuietly(channel);
            throw new FileConflictException(file, "was replaced or removed while it was being opened");
        }
        return now;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was locked through it.
        }
    }
}
