package io.github.etcdbackup.internal;

import io.github.etcdbackup.FileConflictException;
import io.github.etcdbackup.LocalStorageException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises changes to a snapshot directory (publishing an archive with its sidecars, pruning) across threads and
 * processes: a {@code ReentrantLock} per directory inside this JVM, and an OS lock on {@code .etcd-backup.lock}
 * between processes (the OS lock alone would throw {@link OverlappingFileLockException} within one JVM).
 */
public final class StoreLock implements AutoCloseable {
    /** The lock file in every snapshot directory. */
    public static final String FILE_NAME = ".etcd-backup.lock";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ConcurrentMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private StoreLock(ReentrantLock threadLock, FileChannel channel, FileLock fileLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    /** Waits (at most a minute) for the directory's lock. */
    public static StoreLock acquire(Path dir) {
        Path key = dir.toAbsolutePath().normalize();
        Path file = key.resolve(FILE_NAME);
        ReentrantLock threadLock = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        long end = System.nanoTime() + WAIT.toNanos();
        try {
            if (!threadLock.tryLock(WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new FileConflictException(file, "another thread held the snapshot directory lock for " + WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FileConflictException(file, "interrupted while waiting for the snapshot directory lock");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new StoreLock(threadLock, channel, waitForFileLock(channel, file, end));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            threadLock.unlock();
            if (e instanceof IOException io) {
                throw new LocalStorageException(file, "Locking", io);
            }
            throw (RuntimeException) e;
        }
    }

    private static FileLock waitForFileLock(FileChannel channel, Path file, long endNanos) throws IOException {
        FileLock lock;
        while ((lock = channel.tryLock()) == null) {
            if (System.nanoTime() > endNanos) {
                throw new FileConflictException(file, "another process held the snapshot directory lock for " + WAIT);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FileConflictException(file, "interrupted while waiting for the snapshot directory lock");
            }
        }
        return lock;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing was locked through it.
            }
        }
    }

    @Override
    public void close() {
        try {
            fileLock.release();
            channel.close();
        } catch (IOException ignored) {
            // Closing the channel releases the OS lock in any case.
        } finally {
            threadLock.unlock();
        }
    }
}
