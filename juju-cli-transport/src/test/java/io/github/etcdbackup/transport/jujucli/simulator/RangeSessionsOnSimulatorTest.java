package io.github.etcdbackup.transport.jujucli.simulator;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.FileRanges;
import io.github.etcdbackup.spi.SpooledRange;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.LeftoverProcesses;
import io.github.etcdbackup.transport.jujucli.FakeOpenSsh;
import io.github.etcdbackup.transport.jujucli.FileTransfer;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The juju-cli transport's range sessions against the simulator, whose {@code juju ssh} passes stdin and stderr live
 * as Juju's does: one {@code juju ssh} reads range after range (until four ranges' worth), ranges are exact slices
 * one after another and side by side, and a session that cannot go on (the file changed, sudo refused, a deadline,
 * a range closed half read) fails its range with the reason, while the next range starts a new session.
 */
@Timeout(300)
class RangeSessionsOnSimulatorTest {
    private static final int RANGE = 8192;
    private static final String PATH = "/home/ubuntu/ranges/archive.tar.gz";

    @TempDir
    static Path work;
    private static JujuSimulator sim;
    private static byte[] content;

    @BeforeAll
    static void startModel() throws IOException {
        sim = JujuSimulator.builder().jujuVersion("3.4.2").workDir(work.resolve("model")).build();
        sim.deploy("etcd", 1);
        content = new byte[6 * RANGE + 848];
        new Random(22).nextBytes(content);
    }

    @AfterAll
    static void stopModel() {
        sim.close();
        assertThat(LeftoverProcesses.etcdOrSshdUnder(work)).isEmpty();
    }

    @BeforeEach
    void archiveOnTheUnit() throws IOException {
        writeOnUnit(content);
    }

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    private static void writeOnUnit(byte[] bytes) throws IOException {
        Path file = sim.unit("etcd/0").hostPath(PATH);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static JujuCliTransport transport(Path spool) {
        return transport(spool, sim.jujuExecutable());
    }

    private static Path spool(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofMinutes(1));
    }

    private static byte[] slice(long offset, long length) {
        int from = (int) Math.min(content.length, offset);
        return Arrays.copyOfRange(content, from, (int) Math.min(content.length, offset + length));
    }

    private static long sessionsStarted() {
        return sim.commandsRun().stream().filter(argv -> argv.get(0).equals("ssh") && argv.contains("sh")
                && argv.stream().anyMatch(word -> word.contains("etcd-backup-range-end"))).count();
    }

    private static byte[] read(FileRanges ranges, long offset, long length) throws IOException {
        try (InputStream in = ranges.open(offset, length, deadline())) {
            assertThat(in).isInstanceOf(SpooledRange.class);
            long arrived = ((SpooledRange) in).awaitArrival(deadline());
            byte[] bytes = in.readAllBytes();
            assertThat(bytes).hasSize((int) arrived);
            return bytes;
        }
    }

    @Test
    void rangesOneAfterAnotherShareASessionUntilItReadFourRangesWorthAndAreExactSlices() throws IOException {
        Path spool = spool("one-after-another");
        long before = sessionsStarted();
        try (JujuCliTransport transport = transport(spool);
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            // Eight ranges: six whole, one short (the file's end), one past the end.
            for (long offset = 0; offset < 8L * RANGE; offset += RANGE) {
                assertThat(read(ranges, offset, RANGE)).as("bytes from %d", offset).isEqualTo(slice(offset, RANGE));
                assertThat(entries(spool)).as("the spool file is unlinked").isEmpty();
            }
        }
        // Four whole ranges per session: the first reads four, the second two whole, the short and the empty one.
        assertThat(sessionsStarted() - before).isEqualTo(2);
        assertThat(entries(spool)).isEmpty();
    }

    @Test
    void rangesSideBySideAreExactSlices() throws Exception {
        long[][] asked = {{0, RANGE}, {RANGE, 3 * RANGE}, {4 * RANGE, RANGE}, {5 * RANGE, 2 * RANGE}, {1, 100},
                {content.length, RANGE}, {content.length - 10, RANGE}, {2 * RANGE + 7, RANGE}};
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (JujuCliTransport transport = transport(spool("side-by-side"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            List<Future<byte[]>> slices = new ArrayList<>();
            for (long[] range : asked) {
                slices.add(pool.submit(() -> read(ranges, range[0], range[1])));
            }
            for (int i = 0; i < asked.length; i++) {
                assertThat(slices.get(i).get(1, TimeUnit.MINUTES)).as("bytes from %d", asked[i][0])
                        .isEqualTo(slice(asked[i][0], asked[i][1]));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFileThatChangesSizeWhileItsSessionReadsItFailsTheRangeWithTheReason() throws IOException {
        try (JujuCliTransport transport = transport(spool("changed"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            assertThat(read(ranges, 0, RANGE)).isEqualTo(slice(0, RANGE));
            Files.write(sim.unit("etcd/0").hostPath(PATH), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

            assertThatThrownBy(() -> read(ranges, RANGE, RANGE)).isInstanceOf(IOException.class)
                    .hasMessageContaining("changed size while it was read").hasMessageContaining("exited with 5");
        }
    }

    /**
     * The script's end marker comes on stderr, the bytes on stdout, in either order: a range whose end was said while
     * its bytes still come gives exactly those bytes, never the next range's that follow them in the same file.
     */
    @Test
    void aShortRangeWhoseEndCameBeforeItsBytesGivesOnlyItsOwnBytes() throws Exception {
        try (JujuCliTransport transport = transport(spool("short"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            sim.slowOutput(4000); // stdout crawls through the simulator; stderr does not
            long tail = 4000;
            InputStream shortRange = ranges.open(content.length - tail, RANGE, deadline());
            Thread.sleep(500); // its end is said long before its 4000 bytes are through
            long before = sessionsStarted();
            InputStream next = ranges.open(0, RANGE, deadline());
            assertThat(sessionsStarted()).as("the same session reads the next range").isEqualTo(before);

            assertThat(shortRange.readAllBytes()).isEqualTo(slice(content.length - tail, RANGE));
            shortRange.close();
            sim.clearFaults();
            assertThat(next.readAllBytes()).isEqualTo(slice(0, RANGE));
            next.close();
        }
    }

    /**
     * Closing a range whose end the script already said, its bytes not all read, leaves its session to the range it
     * reads now: that range's bytes come after the closed one's in the file, wherever the reader of either is.
     */
    @Test
    void closingARangeAfterItsEndWasSaidLeavesItsSessionToTheNextRange() throws Exception {
        try (JujuCliTransport transport = transport(spool("closed-early"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            sim.slowOutput(4000);
            InputStream first = ranges.open(0, RANGE, deadline());
            assertThat(first.read()).isNotNegative();
            Thread.sleep(500); // its end is said (stderr) while its bytes still crawl through (stdout)
            long before = sessionsStarted();
            InputStream second = ranges.open(RANGE, RANGE, deadline());
            assertThat(sessionsStarted()).as("the same session reads the next range").isEqualTo(before);

            first.close();
            sim.clearFaults();
            assertThat(second.readAllBytes()).isEqualTo(slice(RANGE, RANGE));
            second.close();
        }
    }

    /** Every session reads the file's size when it starts: one that finds another size than the first fails. */
    @Test
    void aFileThatChangesSizeBetweenTwoSessionsFailsTheLaterOnesRange() throws Exception {
        try (JujuCliTransport transport = transport(spool("changed-between"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            sim.slowOutput(2000); // keeps the first session busy with its range
            InputStream first = ranges.open(0, RANGE, deadline());
            assertThat(first.read()).isNotNegative();
            Files.write(sim.unit("etcd/0").hostPath(PATH), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

            InputStream second = ranges.open(RANGE, RANGE, deadline());
            assertThatThrownBy(second::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("changed size while it was read");
            second.close();
            first.close();
        }
    }

    @Test
    void aNegativeOffsetOrLengthIsRefusedBeforeAnyProcessStarts() throws IOException {
        try (JujuCliTransport transport = transport(spool("negative"));
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            long before = sessionsStarted();
            assertThatThrownBy(() -> ranges.open(-1, RANGE, deadline())).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> ranges.open(0, -1, deadline())).isInstanceOf(InvalidInputException.class);
            assertThat(sessionsStarted()).isEqualTo(before);
        }
    }

    @Test
    void aMissingFileAndARefusedSudoFailTheFirstRangeWithTheUnitsWords() throws IOException {
        try (JujuCliTransport transport = transport(spool("refused"))) {
            try (FileRanges missing = transport.fileRanges("etcd/0", PATH + "-missing.tar.gz")) {
                assertThatThrownBy(() -> read(missing, 0, RANGE)).isInstanceOf(IOException.class)
                        .hasMessageContaining("No such file or directory");
            }
            sim.sudoRequiresPassword(true);
            try (FileRanges refused = transport.fileRanges("etcd/0", PATH)) {
                assertThatThrownBy(() -> read(refused, 0, RANGE)).isInstanceOf(IOException.class)
                        .hasMessageContaining("sudo: a password is required");
            }
        }
    }

    @Test
    void aRangeClosedHalfReadOrPastItsDeadlineEndsItsSessionAndTheNextRangeStartsANewOne() throws Exception {
        // Ranges larger than a pipe: the unit is still sending one (no end said yet) while it crawls through.
        int big = 512 * 1024;
        byte[] large = new byte[3 * big];
        new Random(7).nextBytes(large);
        String path = "/home/ubuntu/ranges/large.tar.gz";
        Files.write(sim.unit("etcd/0").hostPath(path), large);
        Path spool = spool("abandoned");
        try (JujuCliTransport transport = transport(spool);
             FileRanges ranges = transport.fileRanges("etcd/0", path)) {
            sim.slowOutput(20_000);
            long before = sessionsStarted();
            InputStream half = ranges.open(0, big, deadline());
            assertThat(half.read(new byte[100])).isPositive();
            half.close();
            assertThatThrownBy(() -> half.read()).isInstanceOf(IOException.class);

            InputStream late = ranges.open(big, big, Deadline.after(Duration.ofSeconds(1)));
            assertThatThrownBy(late::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("before the deadline");
            late.close();
            sim.clearFaults();

            assertThat(read(ranges, 2 * big, big)).isEqualTo(Arrays.copyOfRange(large, 2 * big, 3 * big));
            assertThat(sessionsStarted() - before).as("one session per failed range, and a new one").isEqualTo(3);
        }
        assertThat(entries(spool)).isEmpty();
    }

    @Test
    void closingTheRangesFailsARangeBeingReadAndRefusesNewOnes() throws Exception {
        try (JujuCliTransport transport = transport(spool("closed"))) {
            FileRanges ranges = transport.fileRanges("etcd/0", PATH);
            sim.slowOutput(2000);
            InputStream reading = ranges.open(0, RANGE, deadline());
            assertThat(reading.read()).isNotNegative();

            ranges.close();

            assertThatThrownBy(reading::readAllBytes).isInstanceOf(IOException.class);
            reading.close();
            assertThatThrownBy(() -> ranges.open(RANGE, RANGE, deadline())).isInstanceOf(TransportException.class)
                    .hasMessageContaining("closed");
        }
    }

    /**
     * A download that ended closes its sessions between ranges: their scripts end at the end of their input, and
     * {@code juju ssh} with them (exit 0), not killed.
     */
    @Test
    void sessionsClosedBetweenRangesEndByTheEndOfTheirInput() throws Exception {
        Path dir = Files.createDirectories(work.resolve("input-ends"));
        Path exits = dir.resolve("exits");
        Path juju = wrapper(dir, "\"$real\" \"$@\"; rc=$?; echo \"$rc\" >> " + Shell.quoteAlways(exits.toString())
                + "; exit \"$rc\"");
        try (JujuCliTransport transport = transport(spool("input-ends"), juju)) {
            try (FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
                assertThat(read(ranges, 0, RANGE)).isEqualTo(slice(0, RANGE));
                assertThat(read(ranges, RANGE, RANGE)).isEqualTo(slice(RANGE, RANGE));
            }
            // The transport stays open: it would kill what still runs when closed.
            awaitTrue(() -> Files.exists(exits) && !Files.readString(exits).isEmpty(), Duration.ofSeconds(30));
            assertThat(Files.readAllLines(exits)).as("one session, which ended by itself").containsExactly("0");
        }
    }

    /**
     * A session that retired (four ranges' worth) but does not end when its input does (here a child of its
     * {@code juju} holds the script's input open) is killed a few seconds later, with what it started, though the
     * transport and the ranges stay open: a long-lived transport does not keep it, nor its spool file's space.
     */
    @Test
    void aRetiredSessionThatDoesNotEndByItselfIsKilled() throws Exception {
        Path dir = Files.createDirectories(work.resolve("held-input"));
        Path pids = dir.resolve("pids");
        Path juju = wrapper(dir, "echo $$ >> " + Shell.quoteAlways(pids.toString())
                + "; exec \"$real\" \"$@\" < <(cat; exec sleep 600)");
        try (JujuCliTransport transport = transport(spool("held-input"), juju);
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            for (long offset = 0; offset < 4L * RANGE; offset += RANGE) {
                assertThat(read(ranges, offset, RANGE)).isEqualTo(slice(offset, RANGE));
            }
            long pid = Long.parseLong(Files.readAllLines(pids).get(0).strip());
            ProcessHandle session = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("ended at once"));
            List<ProcessHandle> started = session.descendants().toList();
            assertThat(started).as("the child that holds the input").isNotEmpty();
            Thread.sleep(1000);
            assertThat(session.isAlive()).as("given a few seconds to end by itself").isTrue();

            awaitTrue(() -> !session.isAlive() && started.stream().noneMatch(ProcessHandle::isAlive),
                    Duration.ofSeconds(30));
        }
    }

    /**
     * A {@code juju ssh} that ends by its input but leaves a child behind, holding its stdout (the session's spool
     * file) and not stderr, does not keep it: the child is killed a few seconds later with the rest of the session.
     */
    @Test
    void aChildLeftBehindBySessionThatEndedIsKilled() throws Exception {
        Path dir = Files.createDirectories(work.resolve("left-behind"));
        Path pids = dir.resolve("pids");
        Path juju = wrapper(dir, "\"$real\" \"$@\"; rc=$?; sleep 600 2>/dev/null & echo $! >> "
                + Shell.quoteAlways(pids.toString()) + "; exit \"$rc\"");
        try (JujuCliTransport transport = transport(spool("left-behind"), juju)) {
            try (FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
                assertThat(read(ranges, 0, RANGE)).isEqualTo(slice(0, RANGE));
            }
            awaitTrue(() -> Files.exists(pids) && !Files.readString(pids).isEmpty(), Duration.ofSeconds(30));
            ProcessHandle child = ProcessHandle.of(Long.parseLong(Files.readAllLines(pids).get(0).strip()))
                    .orElseThrow(() -> new AssertionError("no child left behind"));

            awaitTrue(() -> !child.isAlive(), Duration.ofSeconds(30));
        }
    }

    /**
     * The script says where a range ends on stderr, which can come long before the range's last bytes on stdout: a
     * session that retired on its last range's end is not killed while those bytes still come, however long after
     * the few seconds a session is given to end.
     */
    @Test
    void aRetiredSessionsLastRangeArrivesWhateverTimeItsBytesTakeAfterItsEnd() throws Exception {
        Path dir = Files.createDirectories(work.resolve("slow-tail"));
        // stdout through a relay that holds what comes after the first three ranges for 6 s (stderr goes straight).
        String relay = "perl -e '$| = 1; my $n = 0; my $held = 0; while (my $got = sysread(STDIN, my $b, 65536)) {"
                + " if (!$held && $n + $got > " + 3 * RANGE + ") { sleep 6; $held = 1 }"
                + " syswrite(STDOUT, $b); $n += $got }'";
        Path juju = wrapper(dir, "\"$real\" \"$@\" | " + relay);
        try (JujuCliTransport transport = transport(spool("slow-tail"), juju);
             FileRanges ranges = transport.fileRanges("etcd/0", PATH)) {
            long before = sessionsStarted();
            for (long offset = 0; offset < 4L * RANGE; offset += RANGE) {
                assertThat(read(ranges, offset, RANGE)).as("bytes from %d", offset).isEqualTo(slice(offset, RANGE));
            }
            assertThat(sessionsStarted() - before).as("one session read the four").isEqualTo(1);
        }
    }

    /**
     * A {@code juju} that runs the simulator's for every call; for {@code juju ssh}, {@code sshBody} instead (bash,
     * the simulator's executable in {@code $real}).
     */
    private static Path wrapper(Path dir, String sshBody) throws IOException {
        Path juju = dir.resolve("juju");
        Files.writeString(juju, "#!/bin/bash\nreal=" + Shell.quoteAlways(sim.jujuExecutable().toString()) + "\n"
                + "if [ \"$1\" = ssh ]; then " + sshBody + "; fi\nexec \"$real\" \"$@\"\n");
        assertThat(juju.toFile().setExecutable(true)).isTrue();
        return juju;
    }

    private static JujuCliTransport transport(Path spool, Path executable) {
        return JujuCliTransport.builder().executable(executable).model("k8s")
                .fileTransfer(FileTransfer.SSH_CAT).parallelReads(4, RANGE).spoolDirectory(spool)
                .environment(FakeOpenSsh.environment(work.resolve("openssh"), FakeOpenSsh.OPENSSH_9)).build();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(Condition condition, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as("still not so after %s", within).isLessThan(end);
            Thread.sleep(50);
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
