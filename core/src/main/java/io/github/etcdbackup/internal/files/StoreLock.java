package io.github.etcdbackup.internal.files;

import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises changes to a snapshot directory (publishing an archive with its sidecars, pruning) across threads and
 * processes: a {@code ReentrantLock} per directory inside this JVM, and an OS lock on {@code .etcd-backup.lock}
 * between processes, taken through {@link FileLocks} (one channel per file per JVM).
 *
 * <p>The directory is known by its identity (device and inode), not by the spelling of its path: one store reached
 * through its path and through a symbolic link to it is one lock. The lock is reentrant: a thread that holds it and
 * takes it again shares the one OS lock, which only the outermost {@link #close()} releases.
 */
public final class StoreLock implements AutoCloseable {
    /** The lock file in every snapshot directory. */
    public static final String FILE_NAME = ".etcd-backup.lock";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ConcurrentMap<Object, Directory> IN_JVM = new ConcurrentHashMap<>();

    /** One directory's lock in this JVM. */
    private static final class Directory {
        private final ReentrantLock threadLock = new ReentrantLock();
        /** The OS lock, set while the outermost holder has it. Guarded by {@code threadLock}. */
        private FileLocks.Held fileLock;
    }

    private final Directory directory;

    private StoreLock(Directory directory) {
        this.directory = directory;
    }

    /** Waits (at most a minute) for the directory's lock. */
    public static StoreLock acquire(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        Directory directory = IN_JVM.computeIfAbsent(identity(dir), k -> new Directory());
        long start = System.nanoTime();
        try {
            if (!directory.threadLock.tryLock(WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new FileConflictException(file, "another thread held the snapshot directory lock for " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FileConflictException(file, "interrupted while waiting for the snapshot directory lock");
        }
        if (directory.threadLock.getHoldCount() > 1) {
            return new StoreLock(directory);
        }
        try {
            Duration left = WAIT.minusNanos(System.nanoTime() - start);
            directory.fileLock = FileLocks.lockWaiting(file, true, left.isNegative() ? Duration.ZERO : left,
                    "another process held the snapshot directory lock");
            return new StoreLock(directory);
        } catch (RuntimeException e) {
            directory.threadLock.unlock();
            throw e;
        }
    }

    private static Object identity(Path dir) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(dir, BasicFileAttributes.class);
            return attributes.fileKey() != null ? attributes.fileKey() : dir.toRealPath();
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Reading the attributes of", e);
        }
    }

    @Override
    public void close() {
        try {
            if (directory.threadLock.getHoldCount() == 1) {
                directory.fileLock.close();
                directory.fileLock = null;
            }
        } finally {
            directory.threadLock.unlock();
        }
    }
}
