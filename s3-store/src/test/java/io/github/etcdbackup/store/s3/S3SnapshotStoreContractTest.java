package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.testing.SnapshotStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** The store contract, on a bucket of a real S3 server (S3Proxy) on loopback, under a prefix. */
class S3SnapshotStoreContractTest extends SnapshotStoreContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    @TempDir
    static Path serverDir;
    private static S3Server server;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Server.start(serverDir);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Override
    protected SnapshotStore newStore() {
        bucket = "contract-" + BUCKETS.incrementAndGet();
        server.createBucket(bucket);
        return server.store(bucket).prefix("etcd/prod").build();
    }

    @Override
    protected void close(SnapshotStore store) {
        ((S3SnapshotStore) store).close();
    }

    @Override
    protected void flipAByte(StoredSnapshot snapshot) throws Exception {
        Path file = server.file(bucket, ((S3Snapshot) snapshot).key());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
    }

    @Override
    protected void deleteArchiveOnly(StoredSnapshot snapshot) throws Exception {
        Files.delete(server.file(bucket, ((S3Snapshot) snapshot).key()));
    }

    @Override
    protected void putStrayArchive(String name, byte[] content) throws Exception {
        Path file = server.file(bucket, "etcd/prod/" + name);
        Files.createDirectories(file.getParent());
        Files.write(file, content);
    }
}
