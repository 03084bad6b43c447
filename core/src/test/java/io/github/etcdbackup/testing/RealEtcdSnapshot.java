package io.github.etcdbackup.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of a snapshot of a real etcd 3.4 holding Kubernetes-like keys: an etcd started in a temp dir on free
 * ports, filled with {@code etcdctl put}, saved with {@code etcdctl snapshot save}, stopped. Made once per JVM.
 */
public final class RealEtcdSnapshot {
    /** Keys under {@code /registry/pods/default/} in the snapshot. */
    public static final int KEYS = 50;
    private static byte[] db;

    private RealEtcdSnapshot() {
    }

    /** The snapshot's {@code db} file. */
    public static synchronized byte[] db() throws IOException, InterruptedException {
        if (db == null) {
            db = take();
        }
        return db.clone();
    }

    private static byte[] take() throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("real-etcd-");
        String clientUrl = "http://127.0.0.1:" + freePort();
        String peerUrl = "http://127.0.0.1:" + freePort();
        Process etcd = new ProcessBuilder("etcd", "--name", "source", "--data-dir", work.resolve("data").toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "source=" + peerUrl)
                .redirectErrorStream(true).redirectOutput(work.resolve("etcd.log").toFile()).start();
        try {
            awaitHealthy(clientUrl, work);
            for (int i = 0; i < KEYS; i++) {
                TestArchives.run(List.of("etcdctl", "--endpoints", clientUrl, "put",
                        "/registry/pods/default/pod-" + i, "{\"kind\":\"Pod\",\"n\":" + i + "}"));
            }
            Path saved = work.resolve("snapshot.db");
            TestArchives.run(List.of("etcdctl", "--endpoints", clientUrl, "snapshot", "save", saved.toString()));
            return Files.readAllBytes(saved);
        } finally {
            etcd.destroyForcibly();
            etcd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitHealthy(String clientUrl, Path work) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            try {
                TestArchives.run(List.of("etcdctl", "--endpoints", clientUrl, "endpoint", "health"));
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("etcd did not start: " + Files.readString(work.resolve("etcd.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
