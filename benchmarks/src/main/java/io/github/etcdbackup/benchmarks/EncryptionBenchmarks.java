package io.github.etcdbackup.benchmarks;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.UnitCopy;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.testkit.LocalSshd;
import io.github.etcdbackup.transport.ssh.SshTransport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark 7 (issue 20): the verified download over SSH encrypted to age as it streams against the same download
 * in clear, in the same run; the library's encryption of the archive file against {@code age -r} of the same file;
 * and the encrypted download in a child JVM with {@code -Xmx64m}.
 */
final class EncryptionBenchmarks {
    private final Benchmarks bench;
    private final Report report;

    EncryptionBenchmarks(Benchmarks bench) {
        this.bench = bench;
        this.report = bench.report();
    }

    void run() throws Exception {
        Path dir = bench.dir().resolve("age");
        Path key = dir.resolve("key.txt");
        Files.createDirectories(dir);
        Benchmarks.run(List.of("age-keygen", "-o", key.toString()), null);
        AgeRecipient recipient = AgeRecipient.of(Benchmarks.output("age-keygen", "-y", key.toString()).strip());
        try (LocalSshd sshd = LocalSshd.start(dir.resolve("sshd"))) {
            download(sshd, dir, recipient, key);
            fileEncryption(dir, recipient);
            memory(sshd, dir, recipient);
        }
    }

    private SshTransport transport(LocalSshd sshd) {
        return Benchmarks.sshTransport(sshd).unitAddress("etcd/0", sshd.host()).build();
    }

    private void download(LocalSshd sshd, Path dir, AgeRecipient recipient, Path key) throws Exception {
        report.section("7. encrypted verified download vs the plain one, over SSH (" + Benchmarks.MIB
                + " MiB, loopback)");
        long bytes = bench.bytes();
        String sha256 = bench.sha256();
        Snapshot snapshot = Snapshot.of("etcd/0", bench.archive().toString(), sha256);
        Path out = dir.resolve("out");
        for (int round = 1; round <= Benchmarks.ROUNDS; round++) {
            report.info("round " + round + " of " + Benchmarks.ROUNDS);
            LocalSnapshot[] plain = new LocalSnapshot[1];
            Benchmarks.fresh(out);
            report.time("plain", () -> {
                try (EtcdBackupClient client = EtcdBackupClient.create(transport(sshd))) {
                    plain[0] = client.download(snapshot, out);
                }
            });
            Benchmarks.verify(plain[0], sha256);
            Benchmarks.fresh(out);
            LocalSnapshot[] encrypted = new LocalSnapshot[1];
            report.time("encrypted", () -> {
                try (EtcdBackupClient client = EtcdBackupClient.create(transport(sshd))) {
                    encrypted[0] = client.download(snapshot, out, UnitCopy.KEEP, List.of(recipient));
                }
            });
            String plaintext = encrypted[0].encryption().map(EncryptedArchive::plaintextSha256).orElse("");
            if (!plaintext.equals(sha256)) {
                throw new Benchmarks.VerificationFailed("the encrypted download recorded plaintext " + plaintext);
            }
            if (round == 1) {
                // Off the clock, once: age itself opens what was written, to the same bytes.
                Path sum = dir.resolve("age-d.sum");
                Benchmarks.run(List.of("sh", "-c", "age -d -i \"$0\" \"$1\" | sha256sum", key.toString(),
                        encrypted[0].file().toString()), sum);
                if (!Files.readString(sum).startsWith(sha256)) {
                    throw new Benchmarks.VerificationFailed("age -d of the encrypted download differs");
                }
            }
        }
        Benchmarks.fresh(out);
        report.section("7. figures");
        report.rate("ssh.download.verified.plain", "plain", bytes, "plain");
        double ratio = report.rate("ssh.download.verified.encrypted (vs plain, same run)", "encrypted", bytes,
                "plain");
        report.goal("7", "encrypted verified download over SSH (age, X25519, in the stream) vs the plain one", ratio,
                0.9, String.format(Locale.ROOT, "the JDK's ChaCha20-Poly1305 on %s; see the file encryption lines",
                        System.getProperty("java.vm.version")));
    }

    private void fileEncryption(Path dir, AgeRecipient recipient) throws Exception {
        report.section("7. the archive file encrypted by the library vs age -r (" + Benchmarks.MIB + " MiB)");
        Path out = dir.resolve("files");
        for (int round = 1; round <= Benchmarks.ROUNDS; round++) {
            Benchmarks.fresh(out);
            report.time("lib-encrypt", () -> Age.encryptFile(bench.archive(), out.resolve("lib.age"),
                    List.of(recipient)));
            report.time("age-r", () -> Benchmarks.run(List.of("age", "-r", recipient.publicKey(), "-o",
                    out.resolve("age.age").toString(), bench.archive().toString()), null));
        }
        Benchmarks.fresh(out);
        report.rate("age.encrypt.age-r (Go)", "age-r", bench.bytes(), "age-r");
        report.rate("age.encrypt.library (vs age -r)", "lib-encrypt", bench.bytes(), "age-r");
    }

    private void memory(LocalSshd sshd, Path dir, AgeRecipient recipient) throws Exception {
        report.section("7. memory: the encrypted download in a child JVM with -Xmx64m");
        Map<String, Long> run = SshBenchmarks.child(report, sshd, bench.archive(), bench.sha256(),
                dir.resolve("child"), 64, List.of(recipient.publicKey()));
        double mib = 1024 * 1024;
        boolean ok = run.getOrDefault("ok", 0L) == 1;
        report.line("memory.encrypted.live-heap (max after a full GC)",
                run.getOrDefault("maxLiveAfterFullGcBytes", -1L) / mib, "MiB", Double.NaN, ok ? "succeeded"
                        : "FAILED, see the child's output above");
        report.line("memory.encrypted.peak-heap", run.getOrDefault("peakHeapBytes", -1L) / mib, "MiB", Double.NaN,
                "VmHWM " + Report.num(run.getOrDefault("vmHwmKiB", -1L) / 1024.0) + " MiB");
    }
}
