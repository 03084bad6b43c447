package io.github.etcdbackup.transport.jujucli.reliability;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.testing.Fixtures;
import io.github.etcdbackup.testkit.ReliabilitySeeds;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads on one {@link EtcdBackupClient} over one {@link JujuCliTransport}: a fake juju answers each unit with
 * its own snapshot (own path, own SHA-256, own archive bytes). Every thread must get its own unit's snapshot, a final
 * file identical to that unit's archive, and nothing may leak. A quarter of the units drop their SSH stream once at a
 * seeded offset: the thread gets a typed error and the next download resumes the kept partial file.
 */
@Timeout(120)
class ConcurrencyChecks {
    static final int THREADS = 16;
    static final int ROUNDS = 3;

    @TempDir
    Path dir;

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String snapshotOutput(String template, int unit, String sha) {
        return template.replace("etcd/0", "etcd/" + unit).replace("unit-etcd-0", "unit-etcd-" + unit)
                .replace("etcd-snapshot-2024-05-21-14.02.11.tar.gz", "etcd-snapshot-unit-" + unit + ".tar.gz")
                .replace("75dd6a52e54ba10642ca9fd1375acbcfb3cd84da0f179df32be9e4a2285046d3", sha);
    }

    @Test
    void sixteenThreadsShareOneClientAndTransportWithoutMixingResults() throws Exception {
        Set<String> libraryThreads = Leaks.libraryThreads();
        ScriptedJuju juju = new ScriptedJuju(dir.resolve("juju"));
        String template = Fixtures.text("3.x-run-snapshot-v3.yaml");
        assertThat(template).contains("etcd/0", "75dd6a52e54ba10642ca9fd1375acbcfb3cd84da0f179df32be9e4a2285046d3");
        SplittableRandom random = ReliabilitySeeds.random("concurrency");
        byte[][] archives = new byte[THREADS][];
        String[] shas = new String[THREADS];
        for (int unit = 0; unit < THREADS; unit++) {
            archives[unit] = new byte[100_000 + random.nextInt(400_000)];
            random.nextBytes(archives[unit]);
            shas[unit] = sha256(archives[unit]);
            juju.file("etcd/" + unit, archives[unit])
                    .answer("run", "etcd/" + unit, snapshotOutput(template, unit, shas[unit]));
        }
        juju.answer("run", Fixtures.text("3.x-run-health.yaml"));

        JujuCliTransport transport = juju.transport();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMinutes(1)).build()) {
            for (int unit = 0; unit < THREADS; unit++) {
                int u = unit;
                long cut = unit % 4 == 3 ? 1 + random.nextInt(archives[unit].length - 1) : -1;
                results.add(pool.submit(() -> {
                    start.await();
                    return work(client, juju, transport.modelName().orElse(""), u, archives[u], shas[u], cut);
                }));
            }
            start.countDown();
            List<String> problems = new ArrayList<>();
            for (Future<List<String>> result : results) {
                problems.addAll(result.get(90, TimeUnit.SECONDS));
            }
            assertThat(problems).isEmpty();
        } finally {
            pool.shutdownNow();
        }
        assertThat(Leaks.check(juju, libraryThreads)).isEmpty();
        assertThat(Leaks.liveChildren()).isZero();
        // Every final file in every directory is its unit's archive, byte for byte.
        for (int unit = 0; unit < THREADS; unit++) {
            for (int round = 0; round < ROUNDS; round++) {
                Snapshot snapshot = Snapshot.of("etcd/" + unit, "/home/ubuntu/etcd-snapshots/etcd-snapshot-unit-" + unit
                        + ".tar.gz", shas[unit]);
                Path final1 = dir.resolve("u" + unit + "-r" + round)
                        .resolve(snapshot.localName(transport.modelName().orElse("")));
                if (!Arrays.equals(Files.readAllBytes(final1), archives[unit])) {
                    Ledger.CORRUPT_FINAL_FILES.incrementAndGet();
                }
            }
        }
        assertThat(Ledger.CORRUPT_FINAL_FILES.get()).isZero();
    }

    /** One thread: ROUNDS backups of its own unit and a health call; a cut stream is retried once. */
    private static List<String> work(EtcdBackupClient client, ScriptedJuju juju, String model, int unit,
                                     byte[] archive, String sha, long cut) throws IOException {
        List<String> problems = new ArrayList<>();
        String name = "etcd/" + unit;
        for (int round = 0; round < ROUNDS; round++) {
            Path into = Files.createDirectories(juju.executable().getParent().getParent()
                    .resolve("u" + unit + "-r" + round));
            LocalSnapshot local;
            if (round == 0 && cut > 0) {
                juju.cutOnce(name, cut);
                Ledger.FAULTS_INJECTED.incrementAndGet();
                Snapshot snapshot = client.snapshot(name);
                try {
                    client.download(snapshot, into);
                    problems.add(name + ": a stream cut at " + cut + " did not fail");
                    continue;
                } catch (TransportException expected) {
                    Ledger.TYPED_ERRORS.incrementAndGet();
                }
                try (Stream<Path> files = Files.list(into)) {
                    // Nothing under the final name after a cut: only the partial file to resume.
                    String finalName = snapshot.localName(model);
                    if (files.anyMatch(f -> f.getFileName().toString().equals(finalName))) {
                        Ledger.CORRUPT_FINAL_FILES.incrementAndGet();
                        problems.add(name + ": a final file exists after a cut");
                    }
                }
                local = client.download(snapshot, into);
                Ledger.RECOVERIES.incrementAndGet();
            } else {
                local = client.backup(name, into);
            }
            if (!local.source().unit().equals(name) || !local.sha256().equals(sha)
                    || !local.source().archiveName().equals("etcd-snapshot-unit-" + unit + ".tar.gz")) {
                problems.add(name + " got " + local.source().unit() + " / " + local.sha256());
            }
            if (!Arrays.equals(readAll(local.file()), archive)) {
                Ledger.CORRUPT_FINAL_FILES.incrementAndGet();
                problems.add(name + ": final file differs from the unit's archive");
            }
        }
        // Health goes to the leader: the fake answers each concrete unit's run with its snapshot.
        HealthReport health = client.health("etcd/leader");
        if (health.members().isEmpty()) {
            problems.add(name + ": empty health report");
        }
        return problems;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
