package io.github.etcdbackup.store;

import io.github.etcdbackup.StoredSnapshot;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link SnapshotStore#verify(StoredSnapshot)} found for one entry of a store.
 *
 * @param location the archive (or the stray entry) checked: a file path, or {@code s3://bucket/key}
 * @param snapshot the snapshot its manifest describes, when there is a readable manifest
 * @param problems every problem found, in the order checked; empty when the archive is sound
 * @param depth    how far the archive could be checked
 */
public record StoreCheck(String location, Optional<StoredSnapshot> snapshot, List<String> problems, Depth depth) {
    /** How far an archive was checked. */
    public enum Depth {
        /** The archive itself: its length, SHA-256 and tar contents (for an encrypted one, after decrypting it). */
        CONTENTS,
        /**
         * An encrypted archive checked without an identity: only the ciphertext's length and SHA-256 against its
         * manifest, which shows it is the file written after its plaintext was verified, not that it decrypts.
         */
        CIPHERTEXT_ONLY,
        /** Nothing could be checked: no manifest, a stray or unfinished entry. */
        NONE
    }

    /** Validates and copies every field. */
    public StoreCheck {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(snapshot, "snapshot");
        problems = List.copyOf(problems);
        Objects.requireNonNull(depth, "depth");
    }

    /** A check of {@code snapshot}. */
    public StoreCheck(String location, StoredSnapshot snapshot, List<String> problems, Depth depth) {
        this(location, Optional.of(snapshot), problems, depth);
    }

    /** The last part of {@link #location()}: the entry's name in its store. */
    public String name() {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    /** True when no problem was found. */
    public boolean ok() {
        return problems.isEmpty();
    }
}
