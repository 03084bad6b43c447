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
 * @param depth    how far the archive could be checked
 */
public record StoreCheck(Path file, Optional<LocalSnapshot> snapshot, List<String> problems, Depth depth) {
    /** How far an archive was checked. */
    public enum Depth {
        /** The archive itself: its length, SHA-256 and tar contents (for an encrypted one, after decrypting it). */
        CONTENTS,
        /**
         * An encrypted archive checked without an identity: only the ciphertext's length and SHA-256 against its
         * manifest, which shows it is the file written after its plaintext was verified, not that it decrypts.
         */
        CIPHERTEXT_ONLY,
        /** Nothing could be checked: no manifest, a stray or unfinished file. */
        NONE
    }

    /** Validates and copies every field. */
    public StoreCheck {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(snapshot, "snapshot");
        problems = List.copyOf(problems);
        Objects.requireNonNull(depth, "depth");
    }

    /** True when no problem was found. */
    public boolean ok() {
        return problems.isEmpty();
    }
}
