package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.spi.Deadline;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's hang, reproduced on purpose in a small-heap JVM ({@code -Xmx32m}): the heap is filled up to an
 * {@link OutOfMemoryError}, a download starts and is not read, so sshj's reader thread buffers the channel window and
 * dies of an {@code OutOfMemoryError} while growing the buffer ({@code CircularBuffer.ensureCapacity}). The heap is
 * then freed and the download read on. Prints {@code key=value} lines for {@link SshConnectionLossTest}.
 */
final class ReaderOutOfMemoryChild {
    /** Headroom left in the full heap: room for the main thread's small allocations, none for a channel buffer. */
    private static final int HEADROOM_CHUNKS = 8;
    private static final int CHUNK_BYTES = 128 * 1024;

    private static volatile Thread diedThread;
    private static volatile Throwable diedOf;

    private ReaderOutOfMemoryChild() {
    }

    /** Arguments: port, user, private key, known_hosts, remote path, its SHA-256, download directory. */
    public static void main(String[] args) throws Exception {
        // Only keeps references (the heap is full when this runs), and only of the first thread to die.
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (diedThread == null) {
                diedOf = error;
                diedThread = thread;
            }
        });
        String remotePath = args[4];
        Snapshot snapshot = Snapshot.of("etcd/0", remotePath, args[5]);
        SshTransport transport = SshTransport.builder().unitAddress("etcd/0", "127.0.0.1")
                .port(Integer.parseInt(args[0])).user(args[1]).privateKey(Path.of(args[2]))
                .knownHosts(Path.of(args[3])).connectTimeout(Duration.ofSeconds(30)).build();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMinutes(1)).build()) {
            // Connects and loads the classes while there is memory; read to the end, so that no data of this
            // channel is still arriving when the heap is full.
            try (InputStream warmUp = transport.openFile("etcd/0", remotePath, 0,
                    Deadline.after(Duration.ofMinutes(1)))) {
                warmUp.transferTo(OutputStream.nullOutputStream());
            }

            List<byte[]> ballast = fillHeap();
            InputStream in = transport.openFile("etcd/0", remotePath, 0, Deadline.after(Duration.ofSeconds(30)));
            long waitUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (diedThread == null && System.nanoTime() < waitUntil) {
                Thread.sleep(50);
            }
            ballast.clear();
            System.gc();
            System.out.println("died=" + (diedThread == null ? "nobody" : diedThread.getName() + " of " + diedOf));

            long start = System.nanoTime();
            String outcome;
            try (in) {
                in.transferTo(OutputStream.nullOutputStream());
                outcome = "completed";
            } catch (IOException e) {
                outcome = e.getClass().getName() + ": " + e.getMessage();
            }
            System.out.println("read=" + outcome);
            System.out.println("readMillis=" + Duration.ofNanos(System.nanoTime() - start).toMillis());

            LocalSnapshot local = client.download(snapshot, Path.of(args[6]));
            System.out.println("download=" + local.sha256());
        }
    }

    /** Allocates until the heap is full, then gives a little back. */
    private static List<byte[]> fillHeap() {
        List<byte[]> ballast = new ArrayList<>();
        try {
            while (true) {
                ballast.add(new byte[CHUNK_BYTES]);
            }
        } catch (OutOfMemoryError full) {
            for (int i = 0; i < HEADROOM_CHUNKS && !ballast.isEmpty(); i++) {
                ballast.remove(ballast.size() - 1);
            }
        }
        return ballast;
    }
}
