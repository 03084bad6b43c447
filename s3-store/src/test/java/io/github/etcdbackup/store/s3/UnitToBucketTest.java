package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.testing.AgeKeys;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.testing.FakeTransport;
import io.github.etcdbackup.testing.TestArchives;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code client.backup(unit, s3Store)}: the archive streams from the unit into the bucket with no local disk, and
 * nothing that does not match the unit's SHA-256 is ever visible under its key, whatever breaks on the way.
 */
@Timeout(120)
class UnitToBucketTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final int MIB = 1024 * 1024;
    @TempDir
    static Path serverDir;
    private static S3Server server;
    @TempDir
    Path work;
    private String bucket;
    private FakeTransport transport;
    private byte[] archive;
    private EtcdBackupClient client;
    private S3SnapshotStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(serverDir);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        bucket = "unit-" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
        transport = new FakeTransport();
        archive = TestArchives.v3Archive(TestArchives.bboltLikeDb(13 * MIB, 7), work);
        transport.archiveContent(archive);
        client = EtcdBackupClient.builder().transport(transport).timeout(Duration.ofSeconds(30)).build();
        store = server.store(bucket).prefix("prod").build();
    }

    @AfterEach
    void tearDown() {
        store.close();
        client.close();
    }

    @Test
    void rangesThatWouldWaitOnLocalDiskAreNotUsedOnTheWayToTheBucket() throws Exception {
        // A transport whose ranges wait in a spool file (as both of ours do) would put the archive on local disk.
        transport.parallelReads(new ParallelReads(4, MIB, true));
        StoredSnapshot stored = client.backup("etcd/0", store);

        assertThat(transport.rangesOpened()).isZero();
        assertThat(Files.readAllBytes(server.file(bucket, ((S3Snapshot) stored).key()))).isEqualTo(archive);
    }

    @Test
    void aBackupGoesStraightFromTheUnitIntoTheBucketVerified() throws Exception {
        StoredSnapshot stored = client.backup("etcd/0", store);

        assertThat(stored.location()).startsWith("s3://" + bucket + "/prod/k8s_etcd-0_etcd-snapshot-");
        assertThat(stored.sha256()).isEqualTo(stored.source().sha256());
        assertThat(stored.sizeBytes()).isEqualTo(archive.length);
        assertThat(Files.readAllBytes(server.file(bucket, ((S3Snapshot) stored).key()))).isEqualTo(archive);
        assertThat(store.list()).singleElement().satisfies(s -> assertThat(s.location()).isEqualTo(stored.location()));
        assertThat(store.modelOf(stored)).isEqualTo("k8s");
        assertThat(store.verify(stored).problems()).isEmpty();
    }

    @Test
    void anEncryptedBackupHoldsOnlyCiphertextThatAgeItselfDecrypts() throws Exception {
        Path key = AgeKeys.keygen(work, "key.txt");
        StoredSnapshot stored = client.backup(SnapshotRequest.builder().unit("etcd/0")
                .encryptTo(AgeKeys.recipientOf(key)).build(), store);

        assertThat(stored.name()).endsWith(".tar.gz.age");
        assertThat(stored.encryption()).hasValueSatisfying(e -> {
            assertThat(e.plaintextSha256()).isEqualTo(stored.source().sha256());
            assertThat(e.plaintextSizeBytes()).isEqualTo(archive.length);
        });
        Path object = server.file(bucket, ((S3Snapshot) stored).key());
        Path decrypted = work.resolve("decrypted.tar.gz");
        AgeKeys.runToFile(List.of("age", "-d", "-i", key.toString(), object.toString()), decrypted);
        assertThat(Files.readAllBytes(decrypted)).isEqualTo(archive);
        assertThat(store.verify(stored).depth()).isEqualTo(StoreCheck.Depth.CIPHERTEXT_ONLY);
        StoreCheck opened = store.verify(stored, AgeIdentities.fromFile(key));
        assertThat(opened.problems()).isEmpty();
        assertThat(opened.depth()).isEqualTo(StoreCheck.Depth.CONTENTS);
    }

    @Test
    void aStreamCutAfterSomePartsLeavesNothingUnderTheKey() throws Exception {
        transport.cutNextStreamAfter(11L * MIB);   // two parts already uploaded

        assertThatThrownBy(() -> client.backup("etcd/0", store)).isInstanceOf(TransportException.class);
        assertThat(store.list()).isEmpty();
        assertThat(server.files(bucket)).isEmpty();
    }

    @Test
    void aChangedByteInTheStreamLeavesNothingUnderTheKey() throws Exception {
        transport.flipByteInNextStreamAt(archive.length - 10);

        assertThatThrownBy(() -> client.backup("etcd/0", store)).isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("s3://" + bucket + "/prod/");
        assertThat(store.list()).isEmpty();
        assertThat(server.files(bucket)).isEmpty();
    }

    @Test
    void aStalledUnitEndsAtTheDeadlineAndLeavesNothingUnderTheKey() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        transport.hangNextStream(never);

        assertThatThrownBy(() -> client.backup(SnapshotRequest.builder().unit("etcd/0")
                .timeout(Duration.ofSeconds(3)).build(), store)).isInstanceOf(OperationTimeoutException.class);
        never.countDown();
        assertThat(store.list()).isEmpty();
        assertThat(server.files(bucket)).isEmpty();
    }

    @Test
    void anInterruptedBackupStillAbortsItsUploadAndKeepsTheInterrupt() throws Exception {
        Snapshot snapshot = Snapshot.of("etcd/0", "/home/ubuntu/etcd-snapshots/etcd-snapshot-2026-12-06-02.00.00.tar.gz",
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive)));
        InputStream interrupting = new FilterInputStream(new ByteArrayInputStream(archive)) {
            private long read;

            @Override
            public int read(byte[] buffer, int off, int len) throws IOException {
                int n = super.read(buffer, off, len);
                read += Math.max(0, n);
                if (read > 11L * MIB) {
                    Thread.currentThread().interrupt();   // as Ctrl-C or a cancelled task would, two parts in
                }
                return n;
            }
        };
        try {
            assertThatThrownBy(() -> store.receive(snapshot, "k8s", (offset, d) -> interrupting, List.of(),
                    Deadline.after(Duration.ofSeconds(30)))).isInstanceOf(OperationInterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
        assertThat(store.list()).isEmpty();
        assertThat(server.files(bucket)).as("parts and marker gone").isEmpty();
    }
}
