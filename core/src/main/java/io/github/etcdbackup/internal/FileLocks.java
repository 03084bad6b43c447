package io.github.etcdbackup.internal;

import io.github.etcdbackup.FileConflictException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;

/** Taking a file's lock at once or refusing, the same way whether the holder is another process or this JVM. */
final class FileLocks {
    private FileLocks() {
    }

    /**
     * Locks the whole file without waiting.
     *
     * @param heldBy what the refusal says holds the lock, e.g. "another download is writing this archive"
     * @throws FileConflictException if another process, or another channel of this JVM (which the OS lock alone would
     *                               report as {@link OverlappingFileLockException}), holds it
     */
    static FileLock lockNow(FileChannel channel, Path file, String heldBy) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new FileConflictException(file, heldBy);
        }
        return lock;
    }
}
