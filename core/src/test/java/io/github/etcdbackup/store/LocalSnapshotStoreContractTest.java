package io.github.etcdbackup.store;

import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.testing.SnapshotStoreContract;

import java.nio.file.Files;
import java.nio.file.Path;

/** The store contract, on a directory. */
class LocalSnapshotStoreContractTest extends SnapshotStoreContract {
    private Path dir;

    @Override
    protected SnapshotStore newStore() throws Exception {
        dir = Files.createDirectory(work.resolve("store"));
        return SnapshotStore.open(dir);
    }

    @Override
    protected void flipAByte(StoredSnapshot snapshot) throws Exception {
        Path file = ((LocalSnapshot) snapshot).file();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(file, bytes);
    }

    @Override
    protected void deleteArchiveOnly(StoredSnapshot snapshot) throws Exception {
        Files.delete(((LocalSnapshot) snapshot).file());
    }

    @Override
    protected void putStrayArchive(String name, byte[] content) throws Exception {
        Files.write(dir.resolve(name), content);
    }
}
