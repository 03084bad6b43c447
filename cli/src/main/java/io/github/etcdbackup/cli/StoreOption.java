package io.github.etcdbackup.cli;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.s3.S3SnapshotStore;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The snapshot store a command works on (the directory, or a bucket), and an archive in it. */
final class StoreOption {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "backups",
            description = "The backup directory (snapshot store); default: ${DEFAULT-VALUE}. With --s3-bucket, "
                    + "where restore puts the archive it brings back.")
    Path dir;

    @Mixin
    S3Option s3;

    /** Runs {@code body} on the store (the bucket with {@code --s3-bucket}, else the directory), closed after. */
    <T> T with(Function<SnapshotStore, T> body) {
        Optional<S3SnapshotStore> bucket = s3.open();
        if (bucket.isEmpty()) {
            return body.apply(SnapshotStore.open(dir));
        }
        try (S3SnapshotStore store = bucket.get()) {
            return body.apply(store);
        }
    }

    /** The archive named {@code name} in {@code store}, or the newest when {@code name} is null. */
    static StoredSnapshot archive(SnapshotStore store, String name) {
        List<? extends StoredSnapshot> snapshots = store.list();
        if (snapshots.isEmpty()) {
            throw new InvalidInputException("snapshot store", store.location(), "holds no verified backup");
        }
        if (name == null) {
            return snapshots.get(snapshots.size() - 1);
        }
        return snapshots.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException("archive", name, "not in " + store.location()
                        + " (see the list command)"));
    }

    /**
     * The archive as a local file, for a restore: from the directory, or brought back from the bucket into the
     * directory first, verified on arrival.
     */
    LocalSnapshot localArchive(String name) {
        return with(store -> {
            StoredSnapshot snapshot = archive(store, name);
            if (snapshot instanceof LocalSnapshot local) {
                return local;
            }
            LocalSnapshotStore local = SnapshotStore.create(dir);
            return store.copyTo(local, snapshot);
        });
    }
}
