package io.github.etcdbackup.store;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The drill and the at-rest checks on a snapshot of a real etcd 3.4 holding Kubernetes-like keys. */
@Timeout(120)
class RestoreDrillTest {
    private static final int KEYS = 300;

    @TempDir
    Path work;
    @TempDir
    Path storeDir;
    private Process etcd;
    private String clientUrl;

    @BeforeEach
    void startEtcd() throws Exception {
        int client = freePort();
        int peer = freePort();
        clientUrl = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        etcd = new ProcessBuilder("etcd", "--name", "source", "--data-dir", work.resolve("data").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "source=" + peerUrl)
                .redirectErrorStream(true).redirectOutput(work.resolve("etcd.log").toFile()).start();
        awaitHealthy();
        for (int i = 0; i < KEYS; i++) {
            put("/registry/pods/default/pod-" + i, "{\"kind\":\"Pod\",\"n\":" + i + "}");
        }
    }

    @AfterEach
    void stopEtcd() throws InterruptedException {
        etcd.destroyForcibly();
        assertThat(etcd.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Sends one request to etcd's HTTP gateway; returns status and body. */
    private String[] http(String path, String body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(clientUrl + path).toURL().openConnection();
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(5000);
        if (body != null) {
            connection.setDoOutput(true);
            connection.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        String text = new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        connection.disconnect();
        return new String[] {Integer.toString(status), text};
    }

    private void awaitHealthy() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            try {
                if (http("/health", null)[1].contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // etcd is still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("etcd did not start: " + Files.readString(work.resolve("etcd.log")));
    }

    private void put(String key, String value) throws IOException {
        String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
        assertThat(http("/v3/kv/put", body)[0]).isEqualTo("200");
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private LocalSnapshot downloadRealSnapshot() throws Exception {
        Path db = work.resolve("snapshot.db");
        TestArchives.run(List.of("etcdctl", "--endpoints", clientUrl, "snapshot", "save", db.toString()));
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(Files.readAllBytes(db), work));
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            return client.backup("etcd/0", storeDir);
        }
    }

    @Test
    void aRealSnapshotVerifiesAtRestAndRestoresWithEveryKey() throws Exception {
        LocalSnapshot local = downloadRealSnapshot();
        LocalSnapshotStore store = SnapshotStore.open(storeDir);

        assertThat(store.verify(local).problems()).isEmpty();
        DrillReport report = store.drill(local, DrillOptions.defaults().requirePrefixes("/registry/", "/registry/pods/"));

        assertThat(report.problems()).isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.keyCount()).isEqualTo(KEYS);
        assertThat(report.prefixCounts()).containsEntry("/registry/", (long) KEYS)
                .containsEntry("/registry/pods/", (long) KEYS);
        assertThat(ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("--name drill"))).isEmpty();
    }

    @Test
    void anEncryptedSnapshotDrillsWithItsIdentityAndVerifiesWithoutWritingPlaintext() throws Exception {
        Path db = work.resolve("snapshot.db");
        TestArchives.run(List.of("etcdctl", "--endpoints", clientUrl, "snapshot", "save", db.toString()));
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(Files.readAllBytes(db), work));
        Path key = AgeKeys.keygen(work, "key.txt");
        LocalSnapshot local;
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            local = client.backup(SnapshotRequest.builder().unit("etcd/0").encryptTo(AgeKeys.recipientOf(key))
                    .build(), storeDir);
        }
        LocalSnapshotStore store = SnapshotStore.open(storeDir);
        AgeIdentities identities = AgeIdentities.fromFile(key);

        assertThat(store.verify(local, identities).depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
        DrillReport report = store.drill(local, DrillOptions.defaults().withIdentities(identities)
                .requirePrefixes("/registry/pods/"));
        assertThat(report.problems()).isEmpty();
        assertThat(report.keyCount()).isEqualTo(KEYS);
        try (var files = Files.list(storeDir)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .allMatch(n -> n.contains(".tar.gz.age") || n.startsWith(".etcd-backup"));
        }
    }

    @Test
    void aMissingPrefixFailsTheDrillAndSaysWhich() throws Exception {
        LocalSnapshot local = downloadRealSnapshot();
        DrillReport report = SnapshotStore.open(storeDir).drill(local,
                DrillOptions.defaults().requirePrefixes("/calico/"));
        assertThat(report.passed()).isFalse();
        assertThat(report.problems()).containsExactly("no key under /calico/");
        assertThat(report.prefixCounts()).containsEntry("/calico/", 0L);
    }

    @Test
    void aDrillThatCannotRunOrRunsOutOfTimeSaysSoAndNotThatTheArchiveIsBad() throws Exception {
        LocalSnapshot local = downloadRealSnapshot();
        LocalSnapshotStore store = SnapshotStore.open(storeDir);

        DrillReport noEtcd = store.drill(local, new DrillOptions("/nonexistent/etcd", "/nonexistent/etcdctl",
                List.of(), Duration.ofMinutes(1)));
        assertThat(noEtcd.passed()).isFalse();
        assertThat(noEtcd.failure()).isEqualTo(DrillReport.Failure.LOCAL);

        DrillReport tooShort = store.drill(local, new DrillOptions("etcd", "etcdctl", List.of(),
                Duration.ofMillis(1)));
        assertThat(tooShort.failure()).isEqualTo(DrillReport.Failure.TIMEOUT);

        assertThat(store.drill(local).failure()).isEqualTo(DrillReport.Failure.NONE);
    }

    @Test
    void aV2ArchiveIsNotDrilledAndSaysWhy() throws Exception {
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v2Archive(TestArchives.bboltLikeDb(10_000, 3), work));
        LocalSnapshot v2;
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            v2 = client.backup(SnapshotRequest.builder().unit("etcd/0").keysVersion(KeysVersion.V2).build(),
                    storeDir);
        }
        DrillReport report = SnapshotStore.open(storeDir).drill(v2);
        assertThat(report.failure()).isEqualTo(DrillReport.Failure.UNSUPPORTED);
        assertThat(report.problems()).singleElement().asString().contains("v3 archives");
    }

    @Test
    void anArchiveGzipCannotDecodeFailsTheDrillAsTheArchivesFaultNotAsALocalOne() throws Exception {
        LocalSnapshot local = downloadRealSnapshot();
        byte[] bytes = Files.readAllBytes(local.file());
        assertThat(bytes[3]).as("gzip flags: the deflate data starts at byte 10").isZero();
        bytes[10] = 0x07;   // last block, block type 3: reserved, never valid
        Files.write(local.file(), bytes);

        DrillReport report = SnapshotStore.open(storeDir).drill(local);

        assertThat(report.passed()).isFalse();
        assertThat(report.failure()).isEqualTo(DrillReport.Failure.ARCHIVE);
        assertThat(report.problems()).anyMatch(p -> p.startsWith("not a readable gzip tar archive: "));
    }

    @Test
    void aCorruptDbFailsTheDrillWithoutThrowing() throws Exception {
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(64 * 1024, 7), work));
        LocalSnapshot local;
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            local = client.backup("etcd/0", storeDir);
        }
        DrillReport report = SnapshotStore.open(storeDir).drill(local);
        assertThat(report.passed()).isFalse();
        assertThat(report.keyCount()).isEqualTo(-1);
        assertThat(report.problems()).singleElement().asString().contains("failed");
        assertThat(report.failure()).isEqualTo(DrillReport.Failure.ARCHIVE);
    }
}
