package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.UnitCopy;

import io.github.etcdbackup.SnapshotRequest;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads on one {@link EtcdBackupClient} over one {@link SshTransport} (one SSH connection per unit, shared)
 * against the 3 real etcd units of a {@link Testbed}: each thread downloads its own archives (own bytes, own SHA-256;
 * in parallel ranges, several channels per download) from its unit and asks for health once, and the first three also
 * take a real snapshot of their unit. Each must get its own file, byte for byte. Part way, one seeded cut drops every
 * connection under the running calls: each broken call must end in a {@link TransportException}, leave no final file,
 * and succeed (resuming) when called again. Afterwards no channel is open, nothing runs on the units, and no thread
 * outlives {@code close()}.
 */
@Timeout(300)
class SshConcurrencyChecks {
    static final int THREADS = Integer.getInteger("reliability.sshThreads", 12);
    static final int ROUNDS = 3;
    private static final int UNITS = 3;
    private static final int ATTEMPTS = 5;
    private static final long RANGE_BYTES = 256 * 1024;

    @TempDir
    Path work;

    /** One thread's archive of one round, on its unit, and the directory it downloads into. */
    private record Archive(String unit, Snapshot snapshot, byte[] bytes, Path dir) {
        Path target() {
            return dir.resolve(snapshot.localName(""));
        }
    }

    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger brokenCalls = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();

    @Test
    void threadsSharingOneClientAndOneTransportGetTheirOwnFilesAndLeaveNothingOpen() throws Exception {
        SplittableRandom random = ReliabilitySeeds.random("ssh-concurrency");
        Set<String> threadBaseline = SshLeaks.libraryThreads();
        long start = System.nanoTime();
        try (Testbed testbed = Testbed.start(work.resolve("testbed"), UNITS)) {
            Archive[][] archives = archives(testbed, random);
            // Below what thread 0 alone still reads after arming it, so the cut surely happens mid-way.
            long cutAfter = random.nextLong(archives[0][1].bytes().length + archives[0][2].bytes().length);
            // Every download in ranges (the archives carry no size, so all are read in 256 KiB ranges): 12 threads'
            // ranges compete for the units' sessions with each other and with the health and snapshot calls.
            SshTransport transport = testbed.viaProxy().parallelReads(4, RANGE_BYTES).parallelReadsFrom(Duration.ZERO)
                    .build();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch go = new CountDownLatch(1);
            try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                    .timeout(Duration.ofMinutes(1)).build()) {
                List<Future<?>> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    threads.add(pool.submit(() -> {
                        go.await();
                        work(client, testbed, thread, archives[thread], cutAfter);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> thread : threads) {
                    thread.get(240, TimeUnit.SECONDS);
                }
                if (testbed.proxy.cutsDone() == 1) {
                    SshReliabilityLedger.FAULTS_INJECTED.incrementAndGet();
                } else {
                    problems.add("the cut after " + cutAfter + " bytes happened " + testbed.proxy.cutsDone()
                            + " times");
                }
                int channels = SshLeaks.openChannels(transport);
                if (channels > 0) {
                    problems.add(channels + " sshj channels still open after every call ended");
                }
                List<String> unitDirs = testbed.cluster.units().stream().map(u -> u.snapshotDir().toString()).toList();
                List<String> running = SshLeaks.processesNaming(unitDirs);
                if (!running.isEmpty()) {
                    problems.add("still running on the units: " + running);
                }
            } finally {
                pool.shutdownNow();
            }
            problems.addAll(SshLeaks.threadsBeyond(threadBaseline));
            // Once more, after everything ended: every final file is its own thread's archive.
            for (Archive[] ofThread : archives) {
                for (Archive archive : ofThread) {
                    if (!Files.exists(archive.target())) {
                        problems.add(archive.target() + " is missing");
                    } else if (!Arrays.equals(Files.readAllBytes(archive.target()), archive.bytes())) {
                        SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
                        problems.add(archive.target() + " differs from its archive");
                    }
                }
            }
        }
        System.out.printf("ssh-concurrency: threads=%d rounds=%d units=%d calls=%d broken by the cut=%d, %d ms%n",
                THREADS, ROUNDS, UNITS, calls.get(), brokenCalls.get(), (System.nanoTime() - start) / 1_000_000);
        assertThat(brokenCalls.get()).as("calls broken by the cut").isPositive();
        assertThat(problems).as("seed " + ReliabilitySeeds.BASE).isEmpty();
    }

    /** Distinct seeded archives, thread t's on unit t % 3, written where the unit's layout keeps snapshots. */
    private Archive[][] archives(Testbed testbed, SplittableRandom random) throws IOException {
        Archive[][] archives = new Archive[THREADS][ROUNDS];
        Set<String> shas = new HashSet<>();
        for (int t = 0; t < THREADS; t++) {
            EtcdUnit unit = testbed.cluster.unit(t % UNITS);
            for (int round = 0; round < ROUNDS; round++) {
                byte[] bytes = new byte[65_536 + random.nextInt(1 << 20)];
                random.nextBytes(bytes);
                Path source = unit.snapshotDir().resolve("etcd-snapshot-thread-" + t + "-round-" + round + ".tar.gz");
                Files.createDirectories(source.getParent());
                Files.write(source, bytes);
                String sha = SshCutChecks.sha256(bytes);
                shas.add(sha);
                archives[t][round] = new Archive(unit.name(), Snapshot.of(unit.name(), source.toString(), sha), bytes,
                        work.resolve("thread-" + t + "-round-" + round));
            }
        }
        assertThat(shas).hasSize(THREADS * ROUNDS);
        return archives;
    }

    /** One thread: its downloads, one health call, a real backup of its unit for the first three. */
    private void work(EtcdBackupClient client, Testbed testbed, int thread, Archive[] mine, long cutAfter) {
        for (int round = 0; round < ROUNDS; round++) {
            if (thread == 0 && round == 1) {
                testbed.proxy.cutAfter(cutAfter);
            }
            Archive archive = mine[round];
            String what = "thread " + thread + " round " + round + " download of " + archive.snapshot().remotePath();
            LocalSnapshot local = call(what, () -> client.download(archive.snapshot(), archive.dir()), archive);
            if (local != null) {
                if (!local.source().unit().equals(archive.unit()) || !local.sha256().equals(archive.snapshot().sha256())
                        || !local.file().equals(archive.target())) {
                    problems.add(what + " got " + local);
                }
                checkBytes(what, local.file(), archive.bytes());
            }
            String unit = archive.unit();
            if (round == thread % ROUNDS) {
                // One health call per thread (etcdctl is the slow part), spread over the rounds.
                HealthReport health = call("thread " + thread + " health of " + unit, () -> client.health(unit),
                        null);
                if (health != null && health.members().size() != UNITS) {
                    problems.add("thread " + thread + ": health of " + unit + " lists " + health.members());
                }
            }
            if (round == 0 && thread < UNITS) {
                backup(client, testbed.cluster.unit(unit), thread);
            }
        }
    }

    /** A real snapshot on the unit, downloaded: it must come from that unit, with that unit's bytes. */
    private void backup(EtcdBackupClient client, EtcdUnit unit, int thread) {
        Path dir = work.resolve("thread-" + thread + "-backup");
        String what = "thread " + thread + " backup of " + unit.name();
        // The unit keeps its copy, to compare the download with.
        LocalSnapshot local = call(what, () -> client.backup(SnapshotRequest.builder().unit(unit.name())
                .unitCopy(UnitCopy.KEEP).build(), dir), null);
        if (local == null) {
            return;
        }
        Path remote = Path.of(local.source().remotePath());
        if (!local.source().unit().equals(unit.name()) || !remote.startsWith(unit.snapshotDir())) {
            problems.add(what + " got " + local.source());
            return;
        }
        try {
            checkBytes(what, local.file(), Files.readAllBytes(remote));
        } catch (IOException e) {
            problems.add(what + ": " + e);
        }
    }

    /**
     * Runs one call, again after each {@link TransportException} (the cut); any other failure is a problem. After a
     * broken download, nothing may be under the final name.
     */
    private <T> T call(String what, Supplier<T> body, Archive download) {
        boolean broken = false;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            calls.incrementAndGet();
            try {
                T result = body.get();
                if (broken) {
                    SshReliabilityLedger.RECOVERIES.incrementAndGet();
                }
                return result;
            } catch (TransportException e) {
                SshReliabilityLedger.TYPED_ERRORS.incrementAndGet();
                brokenCalls.incrementAndGet();
                broken = true;
                if (download != null && Files.exists(download.target())) {
                    SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
                    problems.add(what + ": a final file exists after " + e);
                }
            } catch (EtcdBackupException e) {
                SshReliabilityLedger.TYPED_ERRORS.incrementAndGet();
                problems.add(what + ": unexpected " + SshCutChecks.trace(e));
                return null;
            } catch (RuntimeException | Error e) {
                SshReliabilityLedger.UNTYPED_ERRORS.incrementAndGet();
                problems.add(what + ": untyped " + SshCutChecks.trace(e));
                return null;
            }
        }
        problems.add(what + ": still failing after " + ATTEMPTS + " attempts");
        return null;
    }

    private void checkBytes(String what, Path file, byte[] expected) {
        try {
            if (!Arrays.equals(Files.readAllBytes(file), expected)) {
                SshReliabilityLedger.CORRUPT_FINAL_FILES.incrementAndGet();
                problems.add(what + ": " + file + " differs from the unit's archive (mixed up?)");
            }
        } catch (IOException e) {
            problems.add(what + ": " + e);
        }
    }
}
