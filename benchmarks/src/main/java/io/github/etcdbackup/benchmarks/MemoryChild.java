package io.github.etcdbackup.benchmarks;

import io.github.etcdbackup.UnitCopy;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.transport.ssh.SshTransport;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Benchmark 4, the child side: one verified download through the ssh transport in a JVM started with
 * {@code -Xmx64m}; prints {@code memory.KEY=VALUE} lines (peak heap, VmHWM, GC count, live heap, time) for the
 * parent.
 */
final class MemoryChild {
    static final String MODE = "memory-child";
    static final String PREFIX = "memory.";
    /** The extra argument that sends the download into a bucket: {@code s3=endpoint,bucket,access,secret}. */
    static final String S3 = "s3=";

    private MemoryChild() {
    }

    /**
     * Arguments: mode, port, user, private key, known_hosts, remote path, SHA-256, output directory, and optionally
     * an age recipient to encrypt the download to.
     */
    static void main(String[] args) throws InterruptedException {
        LiveHeapSampler sampler = LiveHeapSampler.start();
        long start = System.nanoTime();
        SshTransport transport = SshTransport.builder().unitAddress("etcd/0", "127.0.0.1")
                .port(Integer.parseInt(args[1])).user(args[2]).privateKey(Path.of(args[3]))
                .knownHosts(Path.of(args[4])).connectTimeout(Duration.ofSeconds(30)).build();
        // A bounded deadline: at -Xmx16m sshj's reader thread died of OutOfMemoryError and the read waited forever.
        try (EtcdBackupClient client = EtcdBackupClient.builder().transport(transport)
                .timeout(Duration.ofMinutes(3)).build()) {
            Snapshot snapshot = Snapshot.of("etcd/0", args[5], args[6]);
            if (args.length > 8 && args[8].startsWith(S3)) {
                String[] s3 = args[8].substring(S3.length()).split(",");
                try (S3SnapshotStore store = S3SnapshotStore.builder().endpoint(URI.create(s3[0])).bucket(s3[1])
                        .prefix("memory").credentials(s3[2], s3[3]).build()) {
                    if (!client.download(snapshot, store).sha256().equals(args[6])) {
                        throw new IllegalStateException("checksum differs");
                    }
                }
                report(start, sampler);
                return;
            }
            List<AgeRecipient> encryptTo = args.length > 8 ? List.of(AgeRecipient.of(args[8])) : List.of();
            var local = client.download(snapshot, Path.of(args[7]), UnitCopy.KEEP,
                    encryptTo);
            String plaintextSha256 = local.encryption().map(EncryptedArchive::plaintextSha256).orElse(local.sha256());
            if (!plaintextSha256.equals(args[6])) {
                throw new IllegalStateException("checksum differs: " + plaintextSha256);
            }
        }
        report(start, sampler);
    }

    private static void report(long start, LiveHeapSampler sampler) throws InterruptedException {
        long millis = (System.nanoTime() - start) / 1_000_000;
        long maxLive = sampler.stop();
        for (Map.Entry<String, Long> figure : Benchmarks.memoryFigures().entrySet()) {
            System.out.println(PREFIX + figure.getKey() + "=" + figure.getValue());
        }
        System.out.println(PREFIX + "millis=" + millis);
        System.out.println(PREFIX + "maxLiveAfterFullGcBytes=" + maxLive);
        System.out.println(PREFIX + "ok=1");
    }
}
