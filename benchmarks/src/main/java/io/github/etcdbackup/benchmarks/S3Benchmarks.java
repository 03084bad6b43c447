package io.github.etcdbackup.benchmarks;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.s3.S3Server;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import io.github.etcdbackup.testkit.LocalSshd;
import io.github.etcdbackup.transport.ssh.SshTransport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 8 (issue 19), against S3Proxy on loopback (filesystem backend): the upload of a verified archive into a
 * bucket by the S3 store against {@code curl --aws-sigv4 -T} of the same file to the same server; the backup from a
 * unit straight into the bucket against the same backup onto local disk (both over SSH from the testkit's sshd); and
 * the unit-to-bucket backup in a child JVM with {@code -Xmx64m}.
 */
final class S3Benchmarks {
    private static final String BUCKET = "bench";
    private final Benchmarks bench;
    private final Report report;

    S3Benchmarks(Benchmarks bench) {
        this.bench = bench;
        this.report = bench.report();
    }

    void run() throws Exception {
        Path dir = bench.dir().resolve("s3");
        Files.createDirectories(dir);
        try (S3Server server = S3Server.start(Files.createDirectories(dir.resolve("server")));
             LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            server.createBucket(BUCKET);
            upload(server, sshd, dir);
            unitToBucket(server, sshd, dir);
            memory(server, sshd, dir);
        }
    }

    private SshTransport transport(LocalSshd sshd) {
        return Benchmarks.sshTransport(sshd).unitAddress("etcd/0", sshd.host()).build();
    }

    private S3SnapshotStore store(S3Server server, String prefix) {
        return S3SnapshotStore.builder().endpoint(server.endpoint()).bucket(BUCKET).prefix(prefix)
                .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).build();
    }

    /** The same store with parts of {@code mib} MiB instead of the default 8. */
    private S3SnapshotStore store(S3Server server, String prefix, int mib) {
        return S3SnapshotStore.builder().endpoint(server.endpoint()).bucket(BUCKET).prefix(prefix)
                .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(mib * 1024 * 1024).build();
    }

    private Snapshot snapshot() {
        return Snapshot.of("etcd/0", bench.archive().toString(), bench.sha256());
    }

    private void upload(S3Server server, LocalSshd sshd, Path dir) throws Exception {
        report.section("8. upload of a verified archive into the bucket vs curl --aws-sigv4 -T (" + Benchmarks.MIB
                + " MiB, S3Proxy on loopback)");
        Path local = dir.resolve("local");
        LocalSnapshot verified;
        try (EtcdBackupClient client = EtcdBackupClient.create(transport(sshd))) {
            verified = client.download(snapshot(), Benchmarks.fresh(local));   // off the clock: the archive to send
        }
        LocalSnapshotStore localStore = SnapshotStore.open(local);
        for (int round = 1; round <= Benchmarks.ROUNDS; round++) {
            report.info("round " + round + " of " + Benchmarks.ROUNDS);
            String prefix = "upload-" + round;
            String curlKey = "curl-" + round + "/" + verified.name();
            report.time("s3-store", () -> {
                try (S3SnapshotStore store = store(server, prefix)) {
                    localStore.copyTo(store, verified);
                }
            });
            Benchmarks.verifyFile(server.file(BUCKET, prefix + "/" + verified.name()), bench.sha256());
            report.time("s3-store-32", () -> {
                try (S3SnapshotStore store = store(server, prefix + "-32", 32)) {
                    localStore.copyTo(store, verified);
                }
            });
            Benchmarks.verifyFile(server.file(BUCKET, prefix + "-32/" + verified.name()), bench.sha256());
            Benchmarks.delete(server.file(BUCKET, prefix + "-32/" + verified.name()));
            report.time("curl", () -> Benchmarks.run(List.of("curl", "-sS", "--fail", "--aws-sigv4",
                    "aws:amz:us-east-1:s3", "--user", S3Server.ACCESS_KEY + ":" + S3Server.SECRET_KEY,
                    // curl 7.88 does not send the header SigV4 needs for S3; unsigned, as the SDK sends over https.
                    "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                    "-T", verified.file().toString(),
                    server.endpoint() + "/" + BUCKET + "/" + curlKey), null));
            Benchmarks.verifyFile(server.file(BUCKET, curlKey), bench.sha256());
            Benchmarks.delete(server.file(BUCKET, prefix + "/" + verified.name()));
            Benchmarks.delete(server.file(BUCKET, curlKey));
        }
        report.section("8. upload figures");
        report.rate("curl --aws-sigv4 -T (one PUT, unverified)", "curl", bench.bytes(), "curl");
        double ratio = report.rate("s3-store copyTo (multipart, verified before complete; vs curl)", "s3-store",
                bench.bytes(), "curl");
        report.rate("s3-store copyTo, partSize 32 MiB (vs curl)", "s3-store-32", bench.bytes(), "curl");
        report.goal("8a", "S3 upload of a verified archive vs curl --aws-sigv4 -T, same server", ratio, 0.9,
                "S3Proxy's file backend writes a multipart upload twice (the parts, then the object they make)");
    }

    private void unitToBucket(S3Server server, LocalSshd sshd, Path dir) throws Exception {
        report.section("8. backup from the unit straight into the bucket vs onto local disk (" + Benchmarks.MIB
                + " MiB, SSH and S3Proxy on loopback)");
        Path disk = dir.resolve("disk");
        for (int round = 1; round <= Benchmarks.ROUNDS; round++) {
            report.info("round " + round + " of " + Benchmarks.ROUNDS);
            String prefix = "unit-" + round;
            Benchmarks.fresh(disk);
            StoredSnapshot[] onDisk = new StoredSnapshot[1];
            report.time("unit-to-disk", () -> {
                try (EtcdBackupClient client = EtcdBackupClient.create(transport(sshd))) {
                    onDisk[0] = client.download(snapshot(), disk);
                }
            });
            Benchmarks.verify((LocalSnapshot) onDisk[0], bench.sha256());
            report.time("unit-to-bucket", () -> {
                try (EtcdBackupClient client = EtcdBackupClient.create(transport(sshd));
                     S3SnapshotStore store = store(server, prefix)) {
                    client.download(snapshot(), store);
                }
            });
            Path object = server.file(BUCKET, prefix + "/" + snapshot().localName(""));
            Benchmarks.verifyFile(object, bench.sha256());
            Benchmarks.delete(object);
        }
        Benchmarks.fresh(disk);
        report.section("8. unit-to-bucket figures");
        report.rate("unit-to-disk (verified download over SSH)", "unit-to-disk", bench.bytes(), "unit-to-disk");
        double ratio = report.rate("unit-to-bucket (no local disk; vs unit-to-disk)", "unit-to-bucket",
                bench.bytes(), "unit-to-disk");
        // The goal is a time bound: unit-to-bucket within 1.3 x of unit-to-disk, that is a speed ratio >= 1 / 1.3.
        report.goal("8b", "unit-to-bucket backup vs unit-to-disk, same run (time within 1.3 x)", ratio, 1 / 1.3,
                "S3Proxy's file backend writes a multipart upload twice");
    }

    private void memory(S3Server server, LocalSshd sshd, Path dir) throws Exception {
        report.section("8. memory: the unit-to-bucket backup in a child JVM with -Xmx64m");
        Map<String, Long> run = SshBenchmarks.child(report, sshd, bench.archive(), bench.sha256(),
                dir.resolve("child"), 64, List.of(MemoryChild.S3 + server.endpoint() + "," + BUCKET + ","
                        + S3Server.ACCESS_KEY + "," + S3Server.SECRET_KEY));
        double mib = 1024 * 1024;
        boolean ok = run.getOrDefault("ok", 0L) == 1;
        report.line("memory.unit-to-bucket.live-heap (max after a full GC)",
                run.getOrDefault("maxLiveAfterFullGcBytes", -1L) / mib, "MiB", Double.NaN, ok ? "succeeded"
                        : "FAILED, see the child's output above");
        report.line("memory.unit-to-bucket.peak-heap", run.getOrDefault("peakHeapBytes", -1L) / mib, "MiB",
                Double.NaN, "VmHWM " + Report.num(run.getOrDefault("vmHwmKiB", -1L) / 1024.0) + " MiB");
        report.goalBoolean("8c", Benchmarks.MIB + " MiB unit-to-bucket backup at -Xmx64m", ok,
                "memory bounded by a few 8 MiB parts (one in flight at this heap)");
    }
}
