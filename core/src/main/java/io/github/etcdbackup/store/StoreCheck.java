package io.github.etcdbackup.store;

import io.github.etcdbackup.LocalSnapshot;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link SnapshotStore#verify(LocalSnapshot)} found for one file of a store.
 *
 * @param file     the archive (or the stray file) checked
 * @param snapshot the snapshot its manifest describes, when there is a readable manifest
 * @param problems every problem found, in the order checked; empty when the archive is sound
 */
public record StoreCheck(Path file, Optional<LocalSnapshot> snapshot, List<String> problems) {
    /** Validates and copies every field. */
    public StoreCheck {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(snapshot, "snapshot");
        problems = List.copyOf(problems);
    }

    /** True when no problem was found. */
    public boolean ok() {
        return problems.isEmpty();
    }
}
