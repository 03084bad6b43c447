package io.github.etcdbackup.benchmarks;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.testkit.EtcdCluster;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.LocalSshd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Benchmark 5: {@code bench.clusters} independent etcd clusters, each behind its own sshd, each with its own
 * {@link EtcdBackupClient} over the ssh transport, all in this JVM. Backs them all up one at a time, then all at
 * once, and checks that every archive verifies (the client's check, then the file hashed again here).
 */
final class ScaleBenchmark {
    private final Benchmarks bench;
    private final Report report;

    ScaleBenchmark(Benchmarks bench) {
        this.bench = bench;
        this.report = bench.report();
    }

    private record Target(EtcdCluster cluster, LocalSshd sshd, EtcdBackupClient client) implements AutoCloseable {
        EtcdUnit unit() {
            return cluster.unit(0);
        }

        @Override
        public void close() {
            try {
                client.close();
            } finally {
                try {
                    sshd.close();
                } finally {
                    cluster.close();
                }
            }
        }
    }

    void run() throws Exception {
        int n = Benchmarks.CLUSTERS;
        report.section("5. scale: back up " + n + " clusters (one etcd unit and one sshd each) from one JVM");
        Path dir = bench.dir().resolve("scale");
        List<Target> targets = new ArrayList<>();
        try {
            long setup = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Path clusterDir = dir.resolve("cluster-" + i);
                EtcdCluster cluster = EtcdCluster.start(clusterDir, "etcd", 1);
                LocalSshd sshd;
                try {
                    sshd = LocalSshd.start(clusterDir.resolve("sshd"));
                } catch (RuntimeException e) {
                    cluster.close();
                    throw e;
                }
                EtcdUnit unit = cluster.unit(0);
                EtcdBackupClient client = EtcdBackupClient.create(Benchmarks.sshTransport(sshd)
                        .unitAddress(unit.name(), sshd.host()).unitLayout(Benchmarks.layoutOf(unit)).build());
                targets.add(new Target(cluster, sshd, client));
            }
            // Data written in parallel: etcd's fsyncs dominate, not the CPU.
            Benchmarks.parallel(targets.stream().<Callable<Void>>map(t -> () -> {
                Benchmarks.putRandomKeys(t.unit(), Benchmarks.KEYS, t.unit().clientUrl().hashCode());
                return null;
            }).toList());
            report.info(String.format(Locale.ROOT, "%d clusters started and filled with %d keys each in %.1f s", n,
                    Benchmarks.KEYS, (System.nanoTime() - setup) / 1e9));
            // Warm-up, untimed: opens each client's SSH connection (a long-running backup service keeps it open).
            backupAll(targets, dir.resolve("warm-up"), false);

            long totalSequential = 0;
            long totalConcurrent = 0;
            int verified = 0;
            for (int round = 1; round <= Benchmarks.ROUNDS; round++) {
                report.info("round " + round + " of " + Benchmarks.ROUNDS);
                String name = Integer.toString(round);
                long[] seq = new long[1];
                report.time("scale-sequential", () -> seq[0] = backupAll(targets, dir.resolve("seq-" + name),
                        false));
                long[] par = new long[1];
                report.time("scale-concurrent", () -> par[0] = backupAll(targets, dir.resolve("par-" + name),
                        true));
                totalSequential = seq[0];
                totalConcurrent = par[0];
                verified += 2 * n;
            }
            report.section("5. figures");
            report.line("scale.archive-bytes-per-round", totalConcurrent / 1e6, "MB", Double.NaN,
                    n + " archives, " + Report.num(totalConcurrent / 1e6 / n) + " MB each (sequential round: "
                            + Report.num(totalSequential / 1e6) + " MB)");
            report.rate("scale.one-at-a-time", "scale-sequential", totalSequential, "scale-sequential");
            double ratio = report.rate("scale.concurrent (vs one at a time)", "scale-concurrent", totalConcurrent,
                    "scale-sequential");
            report.line("scale.backups-per-second.concurrent", n / report.median("scale-concurrent"), "backups/s",
                    ratio, "one at a time: " + Report.num(n / report.median("scale-sequential")) + " backups/s");
            report.goalBoolean("5", n + " clusters backed up concurrently from one JVM, one client per target, every"
                    + " archive verifies", verified == 2 * n * Benchmarks.ROUNDS, String.format(Locale.ROOT,
                    "%d of %d archives verified; concurrent throughput %.2f x one at a time on %d cores", verified,
                    2 * n * Benchmarks.ROUNDS, ratio, Runtime.getRuntime().availableProcessors()));
        } finally {
            for (Target target : targets) {
                target.close();
            }
        }
    }

    /** One backup of every target into {@code out}; returns the bytes of all archives, each verified. */
    private static long backupAll(List<Target> targets, Path out, boolean concurrent) throws Exception {
        List<Callable<Long>> tasks = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target target = targets.get(i);
            Path into = out.resolve("cluster-" + i);
            tasks.add(() -> {
                LocalSnapshot local = target.client().backup(target.unit().name(), into);
                Benchmarks.verify(local, local.source().sha256());
                removeRemoteSnapshots(target.unit());
                return local.sizeBytes();
            });
        }
        long total = 0;
        if (concurrent) {
            for (long size : Benchmarks.parallel(tasks)) {
                total += size;
            }
        } else {
            for (Callable<Long> task : tasks) {
                total += task.call();
            }
        }
        Benchmarks.fresh(out);
        return total;
    }

    /** The unit keeps each archive; removing them keeps its disk small and its snapshot names free. */
    private static void removeRemoteSnapshots(EtcdUnit unit) throws Exception {
        Path snapshots = unit.root().resolve("home/ubuntu/etcd-snapshots");
        if (Files.isDirectory(snapshots)) {
            try (Stream<Path> walk = Files.walk(snapshots)) {
                walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(snapshots)).forEach(Benchmarks::delete);
            }
        }
    }
}
