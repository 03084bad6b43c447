package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.ObjectStoreException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.PublicApiCheck;
import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The S3 store against a real S3 server (S3Proxy) on loopback, with a proxy in between that misbehaves. */
@Timeout(120)
class S3SnapshotStoreTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final int MIB = 1024 * 1024;
    @TempDir
    static Path serverDir;
    private static S3Server server;
    @TempDir
    Path staging;
    @TempDir
    Path work;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void newBucket() {
        bucket = "store-" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
    }

    /** A backup of {@code dbBytes} random bytes (incompressible: the archive is about as large) in staging. */
    private LocalSnapshot staged(int dbBytes) throws Exception {
        FakeTransport transport = new FakeTransport();
        transport.archiveContent(TestArchives.v3Archive(TestArchives.bboltLikeDb(dbBytes, dbBytes), work));
        try (EtcdBackupClient client = EtcdBackupClient.create(transport)) {
            return client.backup("etcd/0", staging);
        }
    }

    @Test
    void aLargeArchiveGoesUpInPartsAndArrivesByteIdentical() throws Exception {
        LocalSnapshot local = staged(13 * MIB);
        try (S3SnapshotStore store = server.store(bucket).build()) {
            StoredSnapshot stored = SnapshotStore.open(staging).copyTo(store, local);

            assertThat(local.sizeBytes()).isGreaterThan(10 * MIB);
            assertThat(Files.mismatch(server.file(bucket, local.name()), local.file())).isEqualTo(-1L);
            assertThat(store.verify(stored).problems()).isEmpty();
            assertThat(server.files(bucket)).containsExactlyInAnyOrder(local.name(), local.name() + ".sha256",
                    local.name() + ".manifest");
            assertThat(Files.readString(server.file(bucket, local.name() + ".sha256")))
                    .isEqualTo(Files.readString(local.file().resolveSibling(local.name() + ".sha256")));
        }
    }

    @Test
    void bytesThatDoNotMatchAreNeverVisibleUnderTheKeyWhateverTheirSize() throws Exception {
        for (int size : new int[] {64 * 1024, 13 * MIB}) {
            LocalSnapshot local = staged(size);
            byte[] bytes = Files.readAllBytes(local.file());
            bytes[bytes.length - 100] ^= 0x01;   // in the last part: everything before it was already uploaded
            Files.write(local.file(), bytes);
            try (S3SnapshotStore store = server.store(bucket).build()) {
                assertThatThrownBy(() -> SnapshotStore.open(staging).copyTo(store, local))
                        .isInstanceOfSatisfying(ChecksumMismatchException.class, e -> {
                            assertThat(e.location()).isEqualTo("s3://" + bucket + "/" + local.name());
                            assertThat(e.expected()).isEqualTo(local.sha256());
                        });
                assertThat(store.list()).isEmpty();
                assertThat(store.verifyAll()).isEmpty();
                assertThat(server.files(bucket)).as("no object, no part left for " + size + " bytes").isEmpty();
            }
            Files.delete(local.file());
        }
    }

    @Test
    void anotherArchiveUnderTheKeyIsNeverOverwritten() throws Exception {
        LocalSnapshot local = staged(64 * 1024);
        Path planted = server.file(bucket, local.name());
        Files.write(planted, new byte[] {1, 2, 3});
        try (S3SnapshotStore store = server.store(bucket).build()) {
            assertThatThrownBy(() -> SnapshotStore.open(staging).copyTo(store, local))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                        assertThat(e.reason()).isEqualTo(ObjectStoreException.Reason.CONFLICT);
                        assertThat(e.bucket()).isEqualTo(bucket);
                        assertThat(e.key()).isEqualTo(local.name());
                    });
        }
        assertThat(Files.readAllBytes(planted)).containsExactly(1, 2, 3);
    }

    @Test
    void wrongCredentialsAndAMissingBucketAreTypedErrorsNamingTheBucket() {
        try (S3SnapshotStore wrong = S3SnapshotStore.builder().endpoint(server.endpoint()).bucket(bucket)
                .credentials(S3Server.ACCESS_KEY, "a-wrong-secret").build()) {
            assertThatThrownBy(wrong::list).isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(ObjectStoreException.Reason.ACCESS_DENIED);
                assertThat(e.bucket()).isEqualTo(bucket);
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.getMessage()).doesNotContain("a-wrong-secret");
            });
        }
        try (S3SnapshotStore missing = server.store("no-such-bucket").build()) {
            assertThatThrownBy(missing::list).isInstanceOfSatisfying(ObjectStoreException.class, e -> {
                assertThat(e.reason()).isEqualTo(ObjectStoreException.Reason.NO_SUCH_BUCKET);
                assertThat(e.getMessage()).contains("s3://no-such-bucket/").contains("Create the bucket");
            });
        }
    }

    @Test
    void aServerThatIsNotThereIsAConnectionErrorWithinTheDeadline() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (S3SnapshotStore store = S3SnapshotStore.builder().endpoint(URI.create("http://127.0.0.1:" + closedPort))
                .bucket(bucket).credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)
                .timeout(Duration.ofSeconds(20)).build()) {
            assertThatThrownBy(store::list).isInstanceOfSatisfying(ObjectStoreException.class,
                    e -> assertThat(e.reason()).isEqualTo(ObjectStoreException.Reason.CONNECTION));
        }
    }

    @Test
    void slowDownAnswersAreRetriedWithBackoff() throws Exception {
        LocalSnapshot local = staged(13 * MIB);
        try (FaultProxy proxy = FaultProxy.start(server.endpoint());
             S3SnapshotStore store = S3SnapshotStore.builder().endpoint(proxy.endpoint()).bucket(bucket)
                     .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(5 * MIB).build()) {
            proxy.slowDown(3);
            StoredSnapshot stored = SnapshotStore.open(staging).copyTo(store, local);

            assertThat(proxy.slowDownsServed()).isEqualTo(3);
            assertThat(store.verify(stored).ok()).isTrue();
        }
    }

    @Test
    void aConnectionCutInThePartsIsRetriedAndTheArchiveStillVerifies() throws Exception {
        LocalSnapshot local = staged(13 * MIB);
        try (FaultProxy proxy = FaultProxy.start(server.endpoint());
             S3SnapshotStore store = S3SnapshotStore.builder().endpoint(proxy.endpoint()).bucket(bucket)
                     .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(5 * MIB).build()) {
            proxy.cutAfter(7L * MIB);   // inside the second part
            StoredSnapshot stored = SnapshotStore.open(staging).copyTo(store, local);

            assertThat(proxy.cuts()).isEqualTo(1);
            assertThat(store.verify(stored).problems()).isEmpty();
            assertThat(Files.mismatch(server.file(bucket, local.name()), local.file())).isEqualTo(-1L);
        }
    }

    @Test
    void aStalledServerEndsInATimeoutAndTheUploadIsAborted() throws Exception {
        LocalSnapshot local = staged(13 * MIB);
        try (FaultProxy proxy = FaultProxy.start(server.endpoint());
             S3SnapshotStore store = S3SnapshotStore.builder().endpoint(proxy.endpoint()).bucket(bucket)
                     .credentials(S3Server.ACCESS_KEY, S3Server.SECRET_KEY).partSize(5 * MIB)
                     .timeout(Duration.ofSeconds(4)).build()) {
            proxy.stallAfter(7L * MIB);
            Thread releaser = new Thread(() -> {
                try {
                    Thread.sleep(6000);   // after the deadline: the abort then gets through
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                proxy.release();
            });
            releaser.start();
            assertThatThrownBy(() -> SnapshotStore.open(staging).copyTo(store, local))
                    .isInstanceOf(OperationTimeoutException.class);
            releaser.join();
            // The part the proxy held back reached the server with the abort; S3Proxy's file backend may keep such
            // a late part on disk, but no object exists: nothing under the key, nothing listed.
            assertThat(store.list()).isEmpty();
            assertThat(server.keys(bucket)).doesNotContain(local.name());
            assertThat(Files.exists(server.file(bucket, local.name()))).isFalse();
        }
    }

    @Test
    void hostileNamesAreRefusedAndNoSecretIsPrinted() {
        assertThatThrownBy(() -> S3SnapshotStore.builder().prefix("etcd/../other"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> S3SnapshotStore.builder().prefix("/abs")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> S3SnapshotStore.builder().bucket("a/b")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> S3SnapshotStore.builder().endpoint(URI.create("http://key:s3cr3t@host:9000")))
                .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> S3SnapshotStore.builder().partSize(MIB)).isInstanceOf(InvalidInputException.class);
        try (S3SnapshotStore store = server.store(bucket).prefix("etcd/prod/").build()) {
            assertThat(store).hasToString("S3SnapshotStore[s3://" + bucket + "/etcd/prod/]");
            assertThat(store.toString()).doesNotContain(S3Server.SECRET_KEY);
        }
    }

    @Test
    void partsInFlightFitInAQuarterOfTheHeap() {
        assertThat(S3SnapshotStore.Builder.defaultParallelParts(8 * MIB, 64L * MIB)).isEqualTo(1);
        assertThat(S3SnapshotStore.Builder.defaultParallelParts(8 * MIB, 100L * MIB)).isEqualTo(2);
        assertThat(S3SnapshotStore.Builder.defaultParallelParts(8 * MIB, 6L * 1024 * MIB)).isEqualTo(3);
        assertThat(S3SnapshotStore.Builder.defaultParallelParts(512 * MIB, 1024L * MIB)).isEqualTo(1);
        assertThatThrownBy(() -> S3SnapshotStore.builder().parallelParts(0))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void noAwsTypeInThePublicApi() {
        assertThat(PublicApiCheck.violations(S3SnapshotStore.class)).isEmpty();
    }

    @Test
    void aCopyFromOneBucketToAnotherIsVerifiedOnArrival() throws Exception {
        LocalSnapshot local = staged(64 * 1024);
        String other = "other-" + BUCKETS.incrementAndGet();
        server.createBucket(other);
        try (S3SnapshotStore first = server.store(bucket).build();
             S3SnapshotStore second = server.store(other).prefix("dr").build()) {
            StoredSnapshot there = SnapshotStore.open(staging).copyTo(first, local);
            StoredSnapshot copy = first.copyTo(second, there);

            assertThat(copy.location()).isEqualTo("s3://" + other + "/dr/" + local.name());
            assertThat(second.verify(copy).ok()).isTrue();
            assertThat(second.modelOf(copy)).isEqualTo(first.modelOf(there));
            LocalSnapshotStore back = SnapshotStore.create(work.resolve("back"));
            assertThat(Files.mismatch(second.copyTo(back, copy).file(), local.file())).isEqualTo(-1L);
        }
    }

    @Test
    void keysThisStoreNeverWritesAreNotItsEntriesAndAGoneArchiveFailsItsDrill() throws Exception {
        LocalSnapshot local = staged(64 * 1024);
        try (S3SnapshotStore store = server.store(bucket).build()) {
            StoredSnapshot stored = SnapshotStore.open(staging).copyTo(store, local);
            Path planted = server.file(bucket, "not written here.tar.gz");
            Files.write(planted, new byte[] {1});
            Files.copy(server.file(bucket, local.name() + ".manifest"),
                    server.file(bucket, "not written here.tar.gz.manifest"));

            assertThat(store.list()).extracting(StoredSnapshot::location).containsExactly(stored.location());
            assertThat(store.verifyAll()).extracting(c -> c.location()).containsExactly(stored.location());
            store.prune(io.github.etcdbackup.store.RetentionPolicy.builder().keepLast(1).build());
            assertThat(planted).exists();

            io.github.etcdbackup.store.DrillReport late = store.drill(stored,
                    io.github.etcdbackup.store.DrillOptions.defaults().withTimeout(Duration.ofMillis(1)));
            assertThat(late.failure()).as("the drill's deadline covers the fetch")
                    .isEqualTo(io.github.etcdbackup.store.DrillReport.Failure.TIMEOUT);

            Files.delete(server.file(bucket, local.name()));
            io.github.etcdbackup.store.DrillReport drill = store.drill(stored);
            assertThat(drill.failure()).isEqualTo(io.github.etcdbackup.store.DrillReport.Failure.ARCHIVE);
            assertThat(drill.problems()).singleElement().asString().contains("s3://" + bucket + "/" + local.name());
        }
    }
}
