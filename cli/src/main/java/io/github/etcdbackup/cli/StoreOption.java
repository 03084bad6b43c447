package io.github.etcdbackup.cli;

import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** The snapshot store a command works on, and an archive in it. */
final class StoreOption {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "backups",
            description = "The backup directory (snapshot store); default: ${DEFAULT-VALUE}.")
    Path dir;

    /** The existing store. */
    LocalSnapshotStore open() {
        return SnapshotStore.open(dir);
    }

    /** The archive named {@code name} (a file name in the store), or the newest when {@code name} is null. */
    LocalSnapshot archive(String name) {
        List<LocalSnapshot> snapshots = open().list();
        if (snapshots.isEmpty()) {
            throw new InvalidInputException("backup directory", dir.toString(), "holds no verified backup");
        }
        if (name == null) {
            return snapshots.get(snapshots.size() - 1);
        }
        return snapshots.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidInputException("archive", name, "not in " + dir + " (see the list "
                        + "command)"));
    }
}
