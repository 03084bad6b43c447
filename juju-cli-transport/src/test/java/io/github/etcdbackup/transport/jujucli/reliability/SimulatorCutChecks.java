package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cut and corrupted streams through the real transport stack: {@code juju ssh ... cat} of the simulator (bash client,
 * socket, {@code cat} pipe, {@code tail -c +N} on resume), not a fake stream. Each cut ends in a typed error with the
 * partial file kept under {@code .part} and nothing under the final name; the next download resumes it and the final
 * file is byte-identical to the unit's. Each flipped byte is caught by the checksum. Every other case of a large
 * enough archive is read in parallel ranges ({@code juju ssh ... dd}), where the same must hold.
 */
@Timeout(600)
class SimulatorCutChecks {
    static final int CUTS = Integer.getInteger("reliability.simulatorCuts", 200);
    static final int FLIPS = Integer.getInteger("reliability.simulatorFlips", 30);
    private static final int[] SIZES = {1, 4096, 65_537, 1 << 20, 5 * (1 << 20) + 3};

    @TempDir
    static Path work;
    /**
     * Every other case of an archive of at least 4 ranges is read in ranges of this size, 4 at a time (issue #22);
     * its fault then lands, at a seeded offset, in whichever range's {@code juju ssh} the simulator serves first.
     */
    private static final int RANGE_BYTES = 64 * 1024;
    private static JujuSimulator sim;
    private static EtcdBackupClient client;
    private static EtcdBackupClient rangedClient;

    @BeforeAll
    static void startModel() {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deploy("etcd", 1);
        sim.deploy("easyrsa", 1);
        sim.integrate("etcd", "easyrsa");
        // SSH_CAT: a cut before the first byte must be seen as a cut here, not turned into a juju scp fallback
        // (which ScpOnSimulatorTest covers).
        client = EtcdBackupClient.builder().transport(JujuCliTransport.builder().executable(sim.jujuExecutable())
                .fileTransfer(FileTransfer.SSH_CAT).build()).timeout(Duration.ofMinutes(1)).build();
        rangedClient = EtcdBackupClient.builder().transport(JujuCliTransport.builder()
                .executable(sim.jujuExecutable()).fileTransfer(FileTransfer.SSH_CAT).parallelReads(4, RANGE_BYTES)
                .build()).timeout(Duration.ofMinutes(1)).build();
    }

    /** Whether case {@code i} of an archive of {@code size} bytes is read in ranges. */
    private static boolean inRanges(int i, int size) {
        return i % 2 == 1 && size >= 4 * RANGE_BYTES;
    }

    @AfterAll
    static void stopModel() {
        rangedClient.close();
        client.close();
        sim.close();
    }

    /** An archive of {@code size} seeded bytes on etcd/0, and the snapshot that names it. */
    private static Snapshot archiveOnUnit(int index, int size, SplittableRandom random) throws Exception {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        String remote = "/home/ubuntu/etcd-snapshots/etcd-snapshot-cut-" + index + ".tar.gz";
        Path onUnit = sim.unit("etcd/0").hostPath(remote);
        Files.createDirectories(onUnit.getParent());
        Files.write(onUnit, bytes);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        return Snapshot.of("etcd/0", remote, sha256);
    }

    @Test
    void everyCutEndsTypedAndResumesToTheSameBytes() throws Exception {
        SplittableRandom random = ReliabilitySeeds.random("simulator-cuts");
        Set<String> threads = Leaks.libraryThreads();
        int ranged = 0;
        for (int i = 0; i < CUTS; i++) {
            int size = SIZES[i % SIZES.length];
            Snapshot snapshot = archiveOnUnit(i, size, random);
            byte[] expected = Files.readAllBytes(sim.unit("etcd/0").hostPath(snapshot.remotePath()));
            boolean inRanges = inRanges(i, size);
            EtcdBackupClient downloader = inRanges ? rangedClient : client;
            ranged += inRanges ? 1 : 0;
            // In ranges, within the shortest: whichever range's juju ssh takes the cut (the first ranges are
            // staggered, the shortest a quarter of a range) must be cut.
            long cutAt = size == 1 ? 0 : random.nextLong(inRanges ? RANGE_BYTES / 4 : size);
            Path dir = work.resolve("cuts-" + i);
            Ledger.FAULTS_INJECTED.incrementAndGet();
            awaitPreviousDownloadGone();
            sim.cutSshStreamAfter(cutAt, 1);
            String where = "cut " + i + " of a " + size + "-byte archive" + (inRanges ? " read in ranges" : "")
                    + " at " + cutAt + " (seed " + ReliabilitySeeds.BASE + ")";

            assertThatThrownBy(() -> downloader.download(snapshot, dir)).as(where)
                    .isInstanceOf(TransportException.class);
            Ledger.TYPED_ERRORS.incrementAndGet();
            // The client's transport names no model: local names start with the unit.
            Path finalFile = dir.resolve(snapshot.localName(""));
            assertThat(finalFile).as(where).doesNotExist();
            Path part = dir.resolve(snapshot.localName("") + ".part");
            byte[] kept = Files.readAllBytes(part);
            // In ranges the cut stream may be a later range's: the ranges before it are kept whole.
            assertThat((long) kept.length).as(where).isLessThanOrEqualTo(inRanges ? size - 1 : cutAt);
            assertThat(kept).as(where + ": a prefix of the archive")
                    .isEqualTo(java.util.Arrays.copyOf(expected, kept.length));

            LocalSnapshot resumed = downloader.download(snapshot, dir);
            if (!java.util.Arrays.equals(Files.readAllBytes(resumed.file()), expected)) {
                Ledger.CORRUPT_FINAL_FILES.incrementAndGet();
            }
            assertThat(Files.readAllBytes(resumed.file())).as(where).isEqualTo(expected);
            assertThat(part).as(where).doesNotExist();
            Ledger.RECOVERIES.incrementAndGet();
            Files.delete(sim.unit("etcd/0").hostPath(snapshot.remotePath()));
        }
        assertNoJujuLeftAndNoThreads(threads);
        System.out.printf("simulator-cuts: cuts=%d (in ranges %d) typedErrors=%d resumedByteIdentical=%d sizes=%s%n",
                CUTS, ranged, CUTS, CUTS, java.util.Arrays.toString(SIZES));
    }

    @Test
    void everyFlippedByteIsCaughtAndNoFinalFileIsLeft() throws Exception {
        SplittableRandom random = ReliabilitySeeds.random("simulator-flips");
        for (int i = 0; i < FLIPS; i++) {
            int size = SIZES[1 + i % (SIZES.length - 1)];
            Snapshot snapshot = archiveOnUnit(10_000 + i, size, random);
            boolean inRanges = inRanges(i, size);
            EtcdBackupClient downloader = inRanges ? rangedClient : client;
            long at = random.nextLong(inRanges ? RANGE_BYTES / 4 : size);
            Path dir = work.resolve("flips-" + i);
            Ledger.FAULTS_INJECTED.incrementAndGet();
            awaitPreviousDownloadGone();
            sim.flipSshByte(at, 1);

            assertThatThrownBy(() -> downloader.download(snapshot, dir)).as("flip %d at %d", i, at)
                    .isInstanceOf(ChecksumMismatchException.class);
            Ledger.TYPED_ERRORS.incrementAndGet();
            assertThat(dir.resolve(snapshot.localName(""))).doesNotExist();
            assertThat(dir.resolve(snapshot.localName("") + ".part")).doesNotExist();
            Files.delete(sim.unit("etcd/0").hostPath(snapshot.remotePath()));
        }
        System.out.printf("simulator-flips: flips=%d caught=%d%n", FLIPS, FLIPS);
    }

    /** No {@code juju} client process of this simulator alive, no library thread beyond those before. */
    @Test
    void aUnitStreamingFarMoreThanItReportedIsStoppedWithNothingKept() throws Exception {
        Set<String> threads = Leaks.libraryThreads();
        Snapshot honest = archiveOnUnit(20_000, 6 * (1 << 20), ReliabilitySeeds.random("simulator-oversize"));
        // The unit says 100K (du -h) for 6 MiB: stopped past 1.25 x 100K + 1 MiB, long before the hash could fail.
        Snapshot reportedSmall = Snapshot.builder().unit(honest.unit()).remotePath(honest.remotePath())
                .sha256(honest.sha256()).sizeText("100K").build();
        Path dir = work.resolve("oversize");
        Ledger.FAULTS_INJECTED.incrementAndGet();

        assertThatThrownBy(() -> client.download(reportedSmall, dir)).isInstanceOf(TransportException.class)
                .hasMessageContaining("brought more than");
        Ledger.TYPED_ERRORS.incrementAndGet();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".etcd-backup.lock")))
                    .isEmpty();
        }
        Ledger.OVERSIZE_STREAMS_STOPPED.incrementAndGet();
        assertNoJujuLeftAndNoThreads(threads);
        Files.delete(sim.unit("etcd/0").hostPath(honest.remotePath()));
    }

    @Test
    void linksPlantedWhereADownloadWritesAreRefusedByNameAndNeverFollowed() throws Exception {
        Snapshot snapshot = archiveOnUnit(30_000, 65_537, ReliabilitySeeds.random("simulator-links"));
        Path victim = Files.writeString(work.resolve("victim"), "precious\n");
        Path missing = work.resolve("created-through-a-link");
        String name = snapshot.localName("");
        for (String planted : List.of(name + ".part", name, name + ".sha256", name + ".manifest")) {
            for (Path target : List.of(victim, missing)) {
                Path dir = Files.createDirectories(work.resolve("links-" + planted.substring(name.length()) + "-"
                        + target.getFileName()));
                Path link = Files.createSymbolicLink(dir.resolve(planted), target);
                Ledger.FAULTS_INJECTED.incrementAndGet();

                if (planted.endsWith(".sha256") || planted.endsWith(".manifest")) {
                    // A sidecar is written to a new temp file and renamed over the link: replaced, never followed.
                    LocalSnapshot local = client.download(snapshot, dir);
                    assertThat(Files.isSymbolicLink(link)).as(planted).isFalse();
                    assertThat(local.verify()).isSameAs(local);
                    Ledger.RECOVERIES.incrementAndGet();
                } else {
                    assertThatThrownBy(() -> client.download(snapshot, dir)).as(planted)
                            .isInstanceOfSatisfying(FileConflictException.class,
                                    e -> assertThat(e.file()).isEqualTo(link));
                    Ledger.TYPED_ERRORS.incrementAndGet();
                }
                assertThat(Files.readString(victim)).isEqualTo("precious\n");
                assertThat(missing).doesNotExist();
                Ledger.PLANTED_LINKS_REFUSED.incrementAndGet();
            }
        }
        Files.delete(sim.unit("etcd/0").hostPath(snapshot.remotePath()));
    }

    /**
     * Waits until no range of an earlier download is still starting its {@code juju ssh}: a range cancelled at the
     * end of the file closes its process once started, and a call that reached the simulator only then would take
     * the fault armed for the next case.
     */
    private static void awaitPreviousDownloadGone() throws InterruptedException {
        String juju = sim.jujuExecutable().toString();
        for (int i = 0; i < 500; i++) {
            boolean ranges = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.isAlive() && t.getName().startsWith("etcd-backup-range-"));
            boolean processes = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .anyMatch(p -> p.info().commandLine().map(c -> c.contains(juju)).orElse(false));
            if (!ranges && !processes) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private static void assertNoJujuLeftAndNoThreads(Set<String> threadBaseline) throws InterruptedException {
        String juju = sim.jujuExecutable().toString();
        List<ProcessHandle> alive = List.of();
        for (int i = 0; i < 150; i++) {
            alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().map(c -> c.contains(juju)).orElse(false)).toList();
            if (alive.isEmpty()) {
                break;
            }
            Thread.sleep(20);
        }
        Ledger.LEAKED_PROCESSES.addAndGet(alive.size());
        assertThat(alive).as("juju processes left").isEmpty();
        assertThat(Leaks.checkThreads(threadBaseline)).isEmpty();
    }
}
