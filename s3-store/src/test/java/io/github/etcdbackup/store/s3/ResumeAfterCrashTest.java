package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.store.s3.internal.UploadMarker;
import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process killed in the middle of an upload (a crash, a reboot) leaves parts on the server and its marker; the next
 * upload of the same snapshot, once the dead one's deadline has passed, continues from the parts already there, sends
 * only the rest, and still completes only on the unit's SHA-256.
 */
@Timeout(120)
class ResumeAfterCrashTest {
    private static final int MIB = 1024 * 1024;
    @TempDir
    Path serverDir;
    @TempDir
    Path work;

    @Test
    void theNextUploadOfTheSnapshotContinuesFromThePartsAKilledProcessLeft() throws Exception {
        byte[] archive = TestArchives.bboltLikeDb(18 * MIB, 3);
        Path file = Files.write(work.resolve("archive.tar.gz"), archive);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        String remotePath = "/home/ubuntu/etcd-snapshots/etcd-snapshot-2026-12-06-01.00.00.tar.gz";
        Snapshot snapshot = Snapshot.of("etcd/0", remotePath, sha256);
        try (S3Server server = S3Server.start(serverDir)) {
            server.createBucket("resume");
            Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), UploadUntilKilled.class.getName(),
                    server.endpoint().toString(), "resume", file.toString(), sha256, remotePath,
                    Long.toString(16L * MIB), "8")).redirectErrorStream(true)
                    .redirectOutput(work.resolve("child.log").toFile()).start();
            awaitParts(server, 3);
            child.destroyForcibly();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            String key = snapshot.localName("k8s");
            Properties marker = new Properties();
            marker.load(new java.io.StringReader(Files.readString(server.file("resume", key + ".upload"))));
            try (S3SnapshotStore store = server.store("resume").build()) {
                assertThat(store.list()).isEmpty();
                assertThat(Files.exists(server.file("resume", key))).isFalse();
                Instant liveUntil = Instant.parse(marker.getProperty("liveUntil"));
                // Until then the upload may still be running somewhere: it is neither reported nor touched.
                assertThat(store.verifyAll()).isEmpty();
                Instant dead = liveUntil.plus(UploadMarker.GRACE);
                Thread.sleep(Math.max(0, Duration.between(Instant.now(), dead).toMillis()) + 500);
                assertThat(store.verifyAll()).singleElement().satisfies(c ->
                        assertThat(c.problems()).singleElement().asString().startsWith("unfinished upload "
                                + marker.getProperty("uploadId")));
            }

            try (FaultProxy proxy = FaultProxy.start(server.endpoint());
                 S3SnapshotStore store = S3SnapshotStore.builder().endpoint(proxy.endpoint()).bucket("resume")
                         .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(5 * MIB).build()) {
                StoredSnapshot stored = store.receive(snapshot, "k8s", (offset, d) -> open(file), List.of(),
                        Deadline.after(Duration.ofSeconds(60)));

                assertThat(proxy.forwarded()).as("bytes sent again").isLessThan(archive.length - 14L * MIB);
                assertThat(Files.readAllBytes(server.file("resume", key))).isEqualTo(archive);
                assertThat(Files.exists(server.file("resume", key + ".upload"))).isFalse();
                assertThat(store.verifyAll()).singleElement().satisfies(c -> {
                    assertThat(c.location()).isEqualTo(stored.location());
                    assertThat(c.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
                });
            }
        }
    }

    private static InputStream open(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the server holds {@code count} parts of the upload (S3Proxy's file backend: one file each). */
    private static void awaitParts(S3Server server, int count) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            try (Stream<Path> files = Files.list(server.file("resume", ""))) {
                if (files.filter(p -> p.getFileName().toString().matches("\\.mpus-.*-[0-9]+")).count() >= count) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException notYet) {
                // the bucket's directory appears with the first part
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the child never uploaded " + count + " parts");
    }
}
