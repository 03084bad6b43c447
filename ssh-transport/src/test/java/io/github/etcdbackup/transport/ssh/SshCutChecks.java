package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Cut and corrupted streams through the real SSH stack: {@link SshTransport} (sshj) -> {@link CuttingProxy} ->
 * OpenSSH sshd -> {@code sudo -n cat}, {@code tail -c +N} or (every other case, in ranges) {@code dd} of a file on
 * the unit, with seeded random archives of
 * several sizes. The proxy counts the bytes of the encrypted TCP stream, so a cut is armed on a connection that is
 * already open (or, every {@value #NEW_CONNECTION_EVERY}th cut, on a dropped one, so that it can land in the
 * handshake) at a seeded offset below the file's size, which puts it anywhere from the channel opening to the last
 * file byte (for a 1-byte file: below the measured length of its whole stream on the wire). The offsets on the wire
 * are reproducible; the file byte a cut lands on varies a little with how sshd packs the data.
 *
 * <p>Every fault must end in a typed error that keeps the {@code .part} (a prefix of the file) and leaves nothing
 * under the final name, after which the next download resumes it to a byte-identical file; or be survived by the
 * call itself (a cut before the channel opened is absorbed by the transport's one reconnect, one after the exit
 * status changes nothing), which then returns the byte-identical file. No command may keep running on the unit,
 * no channel stay open, no thread outlive {@code close()}. Reproduce with {@code -Dreliability.seed=N}.
 */
@Timeout(600)
class SshCutChecks {
    static final int CUTS = Integer.getInteger("reliability.sshCuts", 200);
    static final int TAIL_CUTS = Integer.getInteger("reliability.sshTailCuts", 10);
    static final int FLIPS = Integer.getInteger("reliability.sshFlips", 12);
    private static final int[] SIZES = {1, 4096, 65_537, 1 << 20, 5 * (1 << 20) + 3};
    private static final int[] FLIP_SIZES = {4096, 65_537, 1 << 20, 5 * (1 << 20) + 3};
    private static final int NEW_CONNECTION_EVERY = 8;
    private static final int RANGE_BYTES = 256 * 1024;
    /** The last bytes of a stream on the wire: the last data packet, EOF, exit-status and CLOSE messages. */
    private static final int TAIL_BYTES = 160;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A flip in a packet's clear-text length can make sshj wait for bytes that never come: the deadline ends it. */
    private static final Duration FLIP_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    static Path work;
    private static Testbed testbed;
    private static EtcdUnit unit;

    /** One archive on the unit and the directory it downloads into. */
    private record Case(String name, Snapshot snapshot, Path source, byte[] bytes, Path dir) {
        Path target() {
            return dir.resolve(snapshot.localName(""));
        }

        Path part() {
            return dir.resolve(snapshot.localName("") + ".part");
        }
    }

    @BeforeAll
    static void start() {
        testbed = Testbed.start(work.resolve("testbed"), 1);
        unit = testbed.cluster.unit("etcd/0");
    }

    @AfterAll
    static void stop() {
        testbed.close();
    }

    @Test
    void everyCutEndsTypedOrIsSurvivedAndResumesToTheSameBytes() throws Exception {
        SplittableRandom random = ReliabilitySeeds.random("ssh-cuts");
        Set<String> threads = SshLeaks.libraryThreads();
        List<String> problems = new ArrayList<>();
        long start = System.nanoTime();
        SshTransport whole = testbed.viaProxy().build();
        SshTransport ranged = ranged();
        Wire wire;
        try (EtcdBackupClient wholeClient = client(whole, TIMEOUT);
             EtcdBackupClient rangedClient = client(ranged, TIMEOUT)) {
            wire = measureWire(wholeClient, whole);
            for (int i = 0; i < CUTS; i++) {
                int size = SIZES[i % SIZES.length];
                boolean inRanges = inRanges(i);
                SshTransport transport = inRanges ? ranged : whole;
                EtcdBackupClient client = inRanges ? rangedClient : wholeClient;
                boolean newConnection = i % NEW_CONNECTION_EVERY == NEW_CONNECTION_EVERY - 1;
                Case c = newCase("cut-" + i, size, random);
                if (newConnection) {
                    dropConnection(transport);
                }
                long at = newConnection ? random.nextLong(wire.handshake() + size)
                        : random.nextLong(size == 1 ? wire.oneByteStream() : size);
                String where = "cut " + i + (newConnection ? " on a new connection" : "") + " of a " + size
                        + "-byte archive" + (inRanges ? " read in ranges" : "")
                        + " after " + at + " bytes on the wire (seed " + ReliabilitySeeds.BASE + ")";
                long cutsBefore = testbed.proxy.cutsDone();
                testbed.proxy.cutAfter(at);
                Throwable thrown = catchThrowable(() -> client.download(c.snapshot(), c.dir()));
                testbed.proxy.disarm();
                if (testbed.proxy.cutsDone() == cutsBefore) {
                    problems.add(where + ": the cut never happened (the wire carries more than the file)");
                    cleanUp(c);
                    continue;
                }
                SshReliabilityLedger.FAULTS_INJECTED.incrementAndGet();
                if (newConnection) {
                    SshReliabilityLedger.CUTS_ON_A_NEW_CONNECTION.incrementAndGet();
                }
                afterFault(client, transport, c, thrown, where, List.of(TransportException.class), problems);
            }
        }
        problems.addAll(SshLeaks.threadsBeyond(threads));
        System.out.printf("ssh-cuts: cuts=%d sizes=%s, on the wire: handshake %d bytes, 1-byte stream %d bytes;"
                + " %d ms%n", CUTS, Arrays.toString(SIZES), wire.handshake(), wire.oneByteStream(),
                (System.nanoTime() - start) / 1_000_000);
        assertThat(problems).as("seed " + ReliabilitySeeds.BASE).isEmpty();
    }

    @Test
    void cutsAmongTheLastBytesOfTheStreamEndTypedOrCompleteAndNeverPublishAWrongFile() throws Exception {
        // The last file byte may have arrived while the exit status, EOF or CLOSE did not: the stream must not end
        // as if the command succeeded, and the resume from a full-length .part must still verify.
        SplittableRandom random = ReliabilitySeeds.random("ssh-tail-cuts");
        Set<String> threads = SshLeaks.libraryThreads();
        List<String> problems = new ArrayList<>();
        int fired = 0;
        SshTransport whole = testbed.viaProxy().build();
        SshTransport ranged = ranged();
        try (EtcdBackupClient wholeClient = client(whole, TIMEOUT);
             EtcdBackupClient rangedClient = client(ranged, TIMEOUT)) {
            for (int i = 0; i < TAIL_CUTS; i++) {
                SshTransport transport = inRanges(i) ? ranged : whole;
                EtcdBackupClient client = inRanges(i) ? rangedClient : wholeClient;
                int size = SIZES[i % 3];
                Case c = newCase("tail-" + i, size, random);
                // This stream's length on the wire, from a clean download of the same file on the open connection.
                Path measured = work.resolve("tail-measure-" + i);
                long wire = bytesOnTheWire(() -> client.download(c.snapshot(), measured));
                delete(measured);
                long at = Math.max(0, wire - 1 - random.nextLong(Math.min(wire, TAIL_BYTES)));
                String where = "tail cut " + i + " of a " + size + "-byte archive" + (inRanges(i) ? " read in ranges"
                        : "") + " after " + at + " of about " + wire
                        + " bytes on the wire (seed " + ReliabilitySeeds.BASE + ")";
                long cutsBefore = testbed.proxy.cutsDone();
                testbed.proxy.cutAfter(at);
                Throwable thrown = catchThrowable(() -> client.download(c.snapshot(), c.dir()));
                testbed.proxy.disarm();
                if (testbed.proxy.cutsDone() == cutsBefore) {
                    // The stream was a little shorter this time: no fault, but the file must still be right.
                    checkFinal(c, thrown, where, false, problems);
                    cleanUp(c);
                    continue;
                }
                fired++;
                SshReliabilityLedger.FAULTS_INJECTED.incrementAndGet();
                afterFault(client, transport, c, thrown, where, List.of(TransportException.class), problems);
            }
        }
        problems.addAll(SshLeaks.threadsBeyond(threads));
        System.out.printf("ssh-tail-cuts: armed=%d fired=%d%n", TAIL_CUTS, fired);
        assertThat(fired).as("tail cuts that happened").isPositive();
        assertThat(problems).as("seed " + ReliabilitySeeds.BASE).isEmpty();
    }

    @Test
    void aFlippedByteOnTheWireBreaksTheConnectionNotTheChecksumAndResumes() throws Exception {
        // SSH authenticates every packet, so a corrupt byte never reaches the file: the connection fails on it.
        SplittableRandom random = ReliabilitySeeds.random("ssh-flips");
        Set<String> threads = SshLeaks.libraryThreads();
        List<String> problems = new ArrayList<>();
        SshTransport whole = testbed.viaProxy().build();
        SshTransport ranged = ranged();
        try (EtcdBackupClient wholeClient = client(whole, FLIP_TIMEOUT);
             EtcdBackupClient rangedClient = client(ranged, FLIP_TIMEOUT)) {
            for (EtcdBackupClient client : List.of(wholeClient, rangedClient)) {
                Case warmUp = newCase("flip-warm-up", 1, random);
                client.download(warmUp.snapshot(), warmUp.dir());
                cleanUp(warmUp);
            }
            for (int i = 0; i < FLIPS; i++) {
                SshTransport transport = inRanges(i) ? ranged : whole;
                EtcdBackupClient client = inRanges(i) ? rangedClient : wholeClient;
                int size = FLIP_SIZES[i % FLIP_SIZES.length];
                Case c = newCase("flip-" + i, size, random);
                long at = random.nextLong(size);
                int mask = 1 + random.nextInt(255);
                String where = "flip " + i + " of a " + size + "-byte archive" + (inRanges(i) ? " read in ranges" : "")
                        + ", byte " + at + " on the wire ^ " + mask
                        + " (seed " + ReliabilitySeeds.BASE + ")";
                long flipsBefore = testbed.proxy.flipsDone();
                testbed.proxy.flipAfter(at, mask);
                Throwable thrown = catchThrowable(() -> client.download(c.snapshot(), c.dir()));
                testbed.proxy.disarm();
                if (testbed.proxy.flipsDone() == flipsBefore) {
                    problems.add(where + ": the flip never happened");
                    cleanUp(c);
                    continue;
                }
                SshReliabilityLedger.FAULTS_INJECTED.incrementAndGet();
                SshReliabilityLedger.FLIPPED_BYTES.incrementAndGet();
                if (thrown instanceof ChecksumMismatchException) {
                    problems.add(where + ": a corrupt byte got through SSH into the file: " + thrown);
                }
                afterFault(client, transport, c, thrown, where,
                        List.of(TransportException.class, OperationTimeoutException.class), problems);
            }
        }
        problems.addAll(SshLeaks.threadsBeyond(threads));
        System.out.printf("ssh-flips: flips=%d sizes=%s%n", FLIPS, Arrays.toString(FLIP_SIZES));
        assertThat(problems).as("seed " + ReliabilitySeeds.BASE).isEmpty();
    }

    /**
     * Checks what a fault left: a typed error with the partial file kept and nothing under the final name, then a
     * resume to the same bytes; or a call that succeeded anyway with the right bytes. Records every figure.
     */
    private static void afterFault(EtcdBackupClient client, SshTransport transport, Case c, Throwable thrown,
                                   String where, List<Class<? extends EtcdBackupException>> expected,
                                   List<String> problems) throws IOException {
        if (thrown == null) {
            SshReliabilityLedger.CALL_SUCCEEDED.incrementAndGet();
            checkFinal(c, null, where, true, problems);
        } else if (thrown instanceof EtcdBackupException) {
            SshReliabilityLedger.TYPED_ERRORS.incrementAndGet();
            if (expected.stream().noneMatch(type -> type.isInstance(thrown))) {
                problems.add(where + ": expected one of " + expected + ", got " + trace(thrown));
            }
            if (Files.exists(c.target())) {
                SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
                problems.add(where + ": a file under the final name after " + thrown);
            }
            checkKeptPart(c, where, problems);
            Throwable resumed = catchThrowable(() -> client.download(c.snapshot(), c.dir()));
            checkFinal(c, resumed, where + ", resumed", true, problems);
        } else {
            SshReliabilityLedger.UNTYPED_ERRORS.incrementAndGet();
            problems.add(where + ": untyped " + trace(thrown));
        }
        List<String> processes = SshLeaks.processesNaming(List.of(c.source().toString()));
        if (!processes.isEmpty()) {
            problems.add(where + ": still running on the unit: " + processes);
        }
        int channels = SshLeaks.openChannels(transport);
        if (channels > 0) {
            problems.add(where + ": " + channels + " sshj channels still open");
        }
        cleanUp(c);
    }

    /** The kept .part: must exist and be a prefix of the file. */
    private static void checkKeptPart(Case c, String where, List<String> problems) throws IOException {
        if (!Files.exists(c.part())) {
            problems.add(where + ": no partial file kept");
            return;
        }
        byte[] kept = Files.readAllBytes(c.part());
        if (kept.length > c.bytes().length
                || !Arrays.equals(kept, 0, kept.length, c.bytes(), 0, kept.length)) {
            SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
            problems.add(where + ": the kept partial file (" + kept.length + " bytes) is not a prefix of the archive");
        } else if (kept.length == 0) {
            SshReliabilityLedger.FAILED_BEFORE_THE_FIRST_BYTE.incrementAndGet();
        } else if (kept.length < c.bytes().length) {
            SshReliabilityLedger.FAILED_MID_FILE.incrementAndGet();
        } else {
            SshReliabilityLedger.FAILED_AFTER_THE_LAST_BYTE.incrementAndGet();
        }
    }

    /** After a call that should have succeeded: the final file has the archive's bytes and no .part is left. */
    private static void checkFinal(Case c, Throwable thrown, String where, boolean recovery, List<String> problems)
            throws IOException {
        if (thrown != null) {
            if (thrown instanceof EtcdBackupException) {
                SshReliabilityLedger.TYPED_ERRORS.incrementAndGet();
            } else {
                SshReliabilityLedger.UNTYPED_ERRORS.incrementAndGet();
            }
            problems.add(where + ": failed: " + trace(thrown));
            return;
        }
        if (!Files.exists(c.target()) || !Arrays.equals(Files.readAllBytes(c.target()), c.bytes())) {
            SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
            problems.add(where + ": the final file differs from the unit's archive");
            return;
        }
        if (Files.exists(c.part())) {
            problems.add(where + ": the .part is left beside the final file");
        }
        if (recovery) {
            SshReliabilityLedger.RECOVERIES.incrementAndGet();
        }
    }

    /**
     * Encrypted bytes the server sends, each a little under the least seen: to set up a connection, and for the
     * whole stream of a 1-byte file (channel open, exec reply, data, EOF, exit status, close). A cut below either
     * always happens within it.
     */
    private record Wire(long handshake, long oneByteStream) {
    }

    /** Cold and warm downloads of a 1-byte file; the difference is the connection setup. */
    private static Wire measureWire(EtcdBackupClient client, SshTransport transport) {
        Case probe = newCase("wire-probe", 1, ReliabilitySeeds.random("ssh-wire"));
        long handshake = Long.MAX_VALUE;
        long stream = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            dropConnection(transport);
            Path cold = work.resolve("probe-cold-" + i);
            Path warm = work.resolve("probe-warm-" + i);
            long coldBytes = bytesOnTheWire(() -> client.download(probe.snapshot(), cold));
            long warmBytes = bytesOnTheWire(() -> client.download(probe.snapshot(), warm));
            handshake = Math.min(handshake, coldBytes - warmBytes);
            stream = Math.min(stream, warmBytes);
            delete(cold);
            delete(warm);
        }
        cleanUp(probe);
        return new Wire(Math.max(0, handshake - 64), Math.max(1, stream - 40));
    }

    private static long bytesOnTheWire(Runnable call) {
        long before = testbed.proxy.bytesToClient();
        call.run();
        return testbed.proxy.bytesToClient() - before;
    }

    /** Cuts the idle connection and waits until sshj noticed, so that the next call connects anew. */
    private static void dropConnection(SshTransport transport) {
        testbed.proxy.cutAll();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (SshLeaks.anyConnected(transport) && System.nanoTime() < until) {
            SshLeaks.sleep(5);
        }
        assertThat(SshLeaks.anyConnected(transport)).as("sshj noticed the dropped connection").isFalse();
    }

    private static Case newCase(String name, int size, SplittableRandom random) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        Path source = unit.snapshotDir().resolve("etcd-snapshot-" + name + ".tar.gz");
        try {
            Files.createDirectories(source.getParent());
            Files.write(source, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Snapshot snapshot = Snapshot.of(unit.name(), source.toString(), sha256(bytes));
        return new Case(name, snapshot, source, bytes, work.resolve("downloads").resolve(name));
    }

    private static void cleanUp(Case c) {
        delete(c.dir());
        delete(c.source());
    }

    private static void delete(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every other case is read in ranges of {@value #RANGE_BYTES} bytes, 4 at a time (issue #22), so that a cut lands
     * in the middle of a range, on its edge, in a channel's opening or among its last bytes, on small and large
     * archives; its flips and cuts take down the connection, and with it every range in flight.
     */
    private static boolean inRanges(int i) {
        return i % 2 == 1;
    }

    private static SshTransport ranged() {
        return testbed.viaProxy().parallelReads(4, RANGE_BYTES).parallelReadsFrom(Duration.ZERO).build();
    }

    private static EtcdBackupClient client(SshTransport transport, Duration timeout) {
        return EtcdBackupClient.builder().transport(transport).timeout(timeout).build();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String trace(Throwable thrown) {
        StringWriter out = new StringWriter();
        thrown.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
