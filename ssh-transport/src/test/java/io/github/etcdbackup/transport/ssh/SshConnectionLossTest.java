package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.files.Sha256;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A download whose SSH connection dies under it (#6): the peer closes the TCP connection, sshj's reader thread ends
 * without closing the connection, or the network stops answering. Each ends in a typed exception within the deadline,
 * leaves no thread blocked on a channel and no command running on the unit, and the next download through the same
 * client reconnects and gets the exact file.
 */
@Timeout(180)
class SshConnectionLossTest {
    private static final int FILE_BYTES = 8 * 1024 * 1024;
    /** Past the channel's first window (2 MiB, set below), so the stream is in full flow when the fault hits. */
    private static final long FAULT_AFTER_BYTES = 3L * 1024 * 1024;
    /** For waits on threads and processes that end on their own; a load spike must not fail the test. */
    private static final Duration SETTLE = Duration.ofSeconds(15);

    @TempDir
    static Path shared;
    private static Testbed testbed;
    private static Path archive;
    private static Snapshot snapshot;

    @TempDir
    Path downloads;

    @BeforeAll
    static void start() throws IOException {
        testbed = Testbed.start(shared, 1);
        archive = shared.resolve("etcd-snapshot-2026-11-26-12.00.00.tar.gz");
        byte[] bytes = new byte[FILE_BYTES];
        new Random(6).nextBytes(bytes);
        Files.write(archive, bytes);
        snapshot = Snapshot.of("etcd/0", archive.toString(), Sha256.ofFile(archive));
    }

    @AfterAll
    static void stop() {
        testbed.close();
    }

    @Test
    void aConnectionClosedByThePeerFailsTheDownloadAtOnce() throws Exception {
        Duration timeout = Duration.ofSeconds(60);
        EtcdBackupException failure = downloadLosingItsConnection(testbed.viaProxy(), testbed.proxy::cutAll, timeout);

        // A transport error, not the deadline: the download ended as soon as the connection did.
        assertThat(failure).isInstanceOf(TransportException.class)
                .hasMessageContaining("the partial file is kept");
    }

    @Test
    void aReaderThreadThatEndsWithoutClosingTheConnectionFailsTheDownloadAtOnce() throws Exception {
        // What the benchmark's OutOfMemoryError did: sshj's reader ended and nothing told the channels. An interrupt
        // ends it the same way: Reader.run leaves its loop on the flag, and it catches Exceptions only, so neither
        // path calls Transport.die().
        int port = testbed.sshd.port();
        Runnable endReader = () -> {
            List<Thread> readers = sshThreads().stream().filter(t -> t.getName().startsWith("sshj-Reader-")
                    && t.getName().contains(":" + port + "-")).toList();
            assertThat(readers).hasSize(1);
            readers.forEach(Thread::interrupt);
        };
        Duration timeout = Duration.ofSeconds(60);
        EtcdBackupException failure = downloadLosingItsConnection(testbed.direct(), endReader, timeout);

        assertThat(failure).isInstanceOf(TransportException.class)
                .hasMessageContaining("the partial file is kept")
                .hasStackTraceContaining("reader thread ended");
    }

    @Test
    void aNetworkThatStopsAnsweringEndsTheDownloadAtItsDeadline() throws Exception {
        // Nothing comes back, not even the answer to closing the channel, which sshj needs to end a blocked read.
        Duration timeout = Duration.ofSeconds(5);
        EtcdBackupException failure = downloadLosingItsConnection(testbed.viaProxy(), testbed.proxy::freeze, timeout);

        assertThat(failure).isInstanceOf(OperationTimeoutException.class);
    }

    @Test
    void anOutOfMemoryErrorInSshjsReaderFailsTheReadAtOnceInASmallHeap() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = shared.resolve("out-of-memory-child.log");
        Process child = new ProcessBuilder(List.of(java.toString(), "-Xmx32m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ReaderOutOfMemoryChild.class.getName(),
                String.valueOf(testbed.sshd.port()), testbed.sshd.user(), testbed.sshd.userPrivateKey().toString(),
                testbed.knownHosts.toString(), archive.toString(), snapshot.sha256(), downloads.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = child.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);

        assertThat(exited).as("the child ended by itself:\n" + output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).as("the reader thread died of the heap, as in the benchmark")
                .containsPattern("died=sshj-Reader-\\S+ of java.lang.OutOfMemoryError")
                .contains("read=java.io.IOException").contains("reader thread ended")
                .contains("download=" + snapshot.sha256());
        long readMillis = Long.parseLong(output.replaceAll("(?s).*readMillis=(\\d+).*", "$1"));
        assertThat(readMillis).as("the read failed long before its 30 s deadline").isLessThan(15_000);
    }

    /**
     * Runs a download that meets {@code fault} part way, checks what it leaves behind, and downloads again through
     * the same client; returns the first download's failure.
     */
    private EtcdBackupException downloadLosingItsConnection(SshTransport.Builder builder, Runnable fault,
                                                            Duration timeout) throws Exception {
        Set<Thread> before = sshThreads();
        // The smallest window: with the default (16 MiB) the whole file could be buffered before the fault.
        OnStreamBytes transport = new OnStreamBytes(builder.receiveWindow(SshTransport.Builder.MIN_RECEIVE_WINDOW)
                .build());
        EtcdBackupException failure;
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport).timeout(timeout).build()) {
            transport.armNextStream(FAULT_AFTER_BYTES, fault);
            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> client.download(snapshot, downloads));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(thrown).isInstanceOf(EtcdBackupException.class);
            failure = (EtcdBackupException) thrown;
            // The 5 s a silent unit gets to confirm closing the channel (ChannelStopper), then a margin for load.
            assertThat(took).as("ended by the deadline").isLessThan(timeout.plus(Duration.ofSeconds(10)));
            assertThat(Files.size(downloads.resolve(snapshot.localName("") + ".part")))
                    .isBetween(FAULT_AFTER_BYTES, FILE_BYTES - 1L);

            testbed.proxy.cutAll(); // lets the relay drop what a freeze held; the client is done with it
            awaitEmpty("threads blocked on an SSH channel", SshConnectionLossTest::threadsReadingAChannel);
            awaitEmpty("commands still reading " + archive, () -> commandsReading(archive));

            LocalSnapshot local = client.download(snapshot, downloads);
            assertThat(Files.mismatch(local.file(), archive)).as("byte-identical").isEqualTo(-1L);
        }
        awaitEmpty("sshj and transport threads left after close", () -> {
            Set<Thread> left = sshThreads();
            left.removeAll(before);
            return left.stream().map(Thread::getName).toList();
        });
        return failure;
    }

    private static Set<Thread> sshThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("sshj-") || t.getName().startsWith("etcd-backup-ssh-"))
                .collect(Collectors.toSet());
    }

    private static List<String> threadsReadingAChannel() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> Arrays.stream(e.getValue()).anyMatch(frame -> frame.getClassName()
                        .equals("net.schmizz.sshj.connection.channel.ChannelInputStream")
                        && frame.getMethodName().equals("read")))
                .map(e -> e.getKey().getName()).toList();
    }

    private static List<String> commandsReading(Path file) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(file.toString()))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
    }

    private static void awaitEmpty(String what, Supplier<List<String>> probe) throws InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        List<String> found = probe.get();
        while (!found.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(100);
            found = probe.get();
        }
        assertThat(found).as(what).isEmpty();
    }
}
