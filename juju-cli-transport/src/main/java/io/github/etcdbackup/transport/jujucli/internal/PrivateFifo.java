package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.spi.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A named pipe in a temporary directory of our own (mode 0700, so no other user can open or replace the FIFO), for
 * {@code juju scp} to write a file into while we read it: no temporary copy.
 *
 * <p>Opening a FIFO blocks until the other end is opened too, so the read end is opened on a thread of its own
 * ({@link #openForReading()}), and {@link #release} lets that open return when the writer will never come. The FIFO
 * and its directory are deleted by {@link #delete()} as soon as both ends are open: the open descriptors keep the
 * pipe, and nothing is left behind on any path.
 *
 * <p>Linux: {@link #release} relies on Linux opening a FIFO read-write without blocking (POSIX leaves it undefined);
 * the transport is Linux-only already (see {@link ProcessTree}).
 */
final class PrivateFifo {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateFifo.class);
    /** coreutils', at fixed system paths: a {@code PATH} entry must not be able to substitute it. */
    private static final Optional<Path> MKFIFO = Stream.of("/usr/bin/mkfifo", "/bin/mkfifo").map(Path::of)
            .filter(Files::isExecutable).findFirst();
    /** A released open returns at once; the bound only guards against a thread that never got to run. */
    private static final long RELEASE_WAIT_SECONDS = 5;

    private final Path dir;
    private final Path fifo;

    private PrivateFifo(Path dir, Path fifo) {
        this.dir = dir;
        this.fifo = fifo;
    }

    /**
     * Creates the directory and the FIFO ({@code mkfifo -m 600 -- PATH}, an argv).
     *
     * @throws TransportException if either cannot be made, or the path has a {@code ':'}
     */
    static PrivateFifo create(Deadline deadline) {
        Path dir;
        try {
            dir = Files.createTempDirectory("etcd-backup-scp-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new TransportException(ProcessRunner.TRANSPORT, "Cannot create a private temporary directory for"
                    + " the juju scp FIFO: " + e.getMessage(), e);
        }
        PrivateFifo created = new PrivateFifo(dir, dir.resolve("stream"));
        try {
            created.make(deadline);
            return created;
        } catch (RuntimeException e) {
            created.delete();
            throw e;
        }
    }

    private void make(Deadline deadline) {
        if (fifo.toString().indexOf(':') >= 0) {
            // juju scp takes any argument with a ':' for UNIT:PATH.
            throw new TransportException(ProcessRunner.TRANSPORT, "The temporary directory " + dir + " has a ':' in"
                    + " its path, which juju scp would take for a unit; start the JVM with -Djava.io.tmpdir=DIR"
                    + " naming a directory without one", null);
        }
        Path mkfifo = MKFIFO.orElseThrow(() -> new TransportException(ProcessRunner.TRANSPORT,
                "juju scp streaming needs mkfifo (coreutils) at /usr/bin/mkfifo or /bin/mkfifo", null));
        CommandResult result = new ProcessRunner(mkfifo.toString(), Map.of())
                .run(List.of("-m", "600", "--", fifo.toString()), deadline, "mkfifo " + fifo);
        if (result.exitCode() != 0) {
            throw new TransportException(ProcessRunner.TRANSPORT, "mkfifo " + fifo + " failed",
                    result.exitCode(), result.stderr(), null);
        }
    }

    /** The FIFO, an absolute path of ours. */
    Path path() {
        return fifo;
    }

    /** Opens the read end on its own daemon thread; the open returns once a writer opened the other end. */
    CompletableFuture<FileInputStream> openForReading() {
        CompletableFuture<FileInputStream> opened = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                opened.complete(new FileInputStream(fifo.toFile()));
            } catch (IOException | RuntimeException e) {
                opened.completeExceptionally(e);
            }
        }, "juju-scp-open");
        opener.setDaemon(true);
        opener.start();
        return opened;
    }

    /**
     * Lets the read end's open return once the writer can no longer come (it ended or was killed): holds the FIFO
     * open read-write, which counts as a writer, until that open returned. Harmless when the writer did open it:
     * nothing is written, and the data it left in the pipe stays for the reader.
     *
     * @return the read end, or empty if its open failed
     */
    @SuppressWarnings("try") // the writer only has to be open, nothing is written
    Optional<FileInputStream> release(CompletableFuture<FileInputStream> opened) {
        try (RandomAccessFile writer = new RandomAccessFile(fifo.toFile(), "rw")) {
            return Optional.of(opened.get(RELEASE_WAIT_SECONDS, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | ExecutionException | TimeoutException e) {
            LOG.debug("releasing the read end of {}", fifo, e);
        }
        // Whenever the open does return, its descriptor is not needed any more.
        opened.thenAccept(PrivateFifo::closeQuietly);
        return Optional.empty();
    }

    /** Deletes the FIFO and its directory; open descriptors keep working. Idempotent, never throws. */
    void delete() {
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("Could not delete the temporary FIFO directory {}: {}", dir, e.toString());
        }
    }

    static void closeQuietly(FileInputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // A read end nobody reads; nothing to report.
        }
    }
}
