package io.github.etcdbackup;

import io.github.etcdbackup.internal.ArchiveInspector;
import io.github.etcdbackup.internal.FileLocks;
import io.github.etcdbackup.internal.RestoreDrill;
import io.github.etcdbackup.internal.RetentionPlanner;
import io.github.etcdbackup.internal.Sha256;
import io.github.etcdbackup.internal.SnapshotManifest;
import io.github.etcdbackup.internal.StoreLock;
import io.github.etcdbackup.internal.VerifiedDownload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A directory of verified snapshot archives, as {@link EtcdBackupClient#download(Snapshot, Path)} writes them: each
 * archive beside its {@code .sha256} ({@code sha256sum -c} format) and its {@code .manifest} (what the unit
 * reported). Lists them, checks them at rest, prunes them by a {@link RetentionPolicy}, and proves they restore.
 *
 * <p>Safe to use from several threads and processes at once: changes take the directory's lock file.
 */
public final class SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
    private static final String ARCHIVE_SUFFIX = ".tar.gz";

    private final Path directory;

    private SnapshotStore(Path directory) {
        this.directory = directory;
    }

    /** Opens (and creates if needed) a store. */
    public static SnapshotStore open(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Creating directory", e);
        }
        return new SnapshotStore(dir);
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
    }

    /** {@code SnapshotStore[<directory>]}. */
    @Override
    public String toString() {
        return "SnapshotStore[" + directory + "]";
    }

    /**
     * Every archive that has a valid manifest, oldest first (by the time it was taken). Archives without a manifest
     * and broken manifests are left out here and reported by {@link #verifyAll()}.
     */
    public List<LocalSnapshot> list() {
        List<LocalSnapshot> snapshots = new ArrayList<>();
        for (Path archive : archives()) {
            try {
                SnapshotManifest.read(archive).ifPresent(read -> snapshots.add(read.snapshot()));
            } catch (IllegalArgumentException broken) {
                LOG.debug("Skipping {}: {}", archive, broken.getMessage());
            }
        }
        snapshots.sort(RetentionPlanner.OLDEST_FIRST);
        return List.copyOf(snapshots);
    }

    /** The model named in a snapshot's manifest, empty when none was known at download time. */
    public String modelOf(LocalSnapshot snapshot) {
        return SnapshotManifest.read(snapshot.file()).map(SnapshotManifest.Read::model).orElse("");
    }

    /**
     * Checks one archive at rest: SHA-256 against the manifest and the {@code .sha256} file, length, a readable
     * gzip tar with the members its keys version needs, and a {@code db} that starts like a bbolt file. Every
     * problem is reported, not only the first.
     */
    public StoreCheck verify(LocalSnapshot snapshot) {
        Path archive = snapshot.file();
        List<String> problems = new ArrayList<>();
        if (!Files.isRegularFile(archive)) {
            problems.add("archive missing");
            return new StoreCheck(archive, Optional.of(snapshot), problems);
        }
        try {
            long size = Files.size(archive);
            if (size != snapshot.sizeBytes()) {
                problems.add("size is " + size + " bytes, the manifest says " + snapshot.sizeBytes());
            }
        } catch (IOException e) {
            problems.add("cannot read its size: " + e.getMessage());
        }
        String actual = Sha256.ofFile(archive);
        if (!actual.equals(snapshot.sha256())) {
            problems.add("SHA-256 is " + actual + ", the manifest says " + snapshot.sha256());
        }
        problems.addAll(checksumFileProblems(archive, actual));
        problems.addAll(ArchiveInspector.problems(archive, snapshot.source().keysVersion()));
        return new StoreCheck(archive, Optional.of(snapshot), problems);
    }

    private static List<String> checksumFileProblems(Path archive, String actual) {
        Path file = archive.resolveSibling(archive.getFileName() + VerifiedDownload.SHA256_SUFFIX);
        if (!Files.exists(file)) {
            return List.of(file.getFileName() + " missing");
        }
        try {
            String expected = actual + "  " + archive.getFileName();
            String content = Files.readString(file, StandardCharsets.UTF_8).strip();
            return content.equals(expected) ? List.of()
                    : List.of(file.getFileName() + " does not match the archive (holds '" + content + "')");
        } catch (IOException e) {
            return List.of(file.getFileName() + " unreadable: " + e.getMessage());
        }
    }

    /**
     * Checks every file of the store: each archive (as {@link #verify(LocalSnapshot)}), archives without a manifest,
     * manifests without an archive, broken manifests, and unfinished downloads ({@code .part} files no download is
     * writing).
     */
    public List<StoreCheck> verifyAll() {
        List<StoreCheck> checks = new ArrayList<>();
        for (Path archive : archives()) {
            try {
                Optional<SnapshotManifest.Read> read = SnapshotManifest.read(archive);
                checks.add(read.isPresent() ? verify(read.get().snapshot())
                        : new StoreCheck(archive, Optional.empty(), List.of("no manifest: not written by a download,"
                        + " or its download was cut before the manifest; check it by hand with sha256sum -c")));
            } catch (IllegalArgumentException broken) {
                checks.add(new StoreCheck(archive, Optional.empty(), List.of(broken.getMessage())));
            }
        }
        for (Path file : files(SnapshotManifest.SUFFIX)) {
            Path archive = file.resolveSibling(stripSuffix(file, SnapshotManifest.SUFFIX));
            if (!Files.exists(archive)) {
                checks.add(new StoreCheck(archive, Optional.empty(), List.of("manifest without its archive")));
            }
        }
        for (Path part : files(VerifiedDownload.PART_SUFFIX)) {
            unfinishedDownload(part).ifPresent(checks::add);
        }
        return List.copyOf(checks);
    }

    /** What {@link #prune(RetentionPolicy)} would keep and delete; changes nothing. */
    public PrunePlan planPrune(RetentionPolicy policy) {
        List<LocalSnapshot> all = list();
        LocalSnapshot newestVerified = newestVerified(all);
        Set<LocalSnapshot> keep = RetentionPlanner.keep(all, policy, newestVerified);
        List<LocalSnapshot> kept = all.stream().filter(keep::contains).toList();
        List<LocalSnapshot> deleted = all.stream().filter(s -> !keep.contains(s)).toList();
        return new PrunePlan(kept, deleted, false);
    }

    /**
     * Deletes what the policy does not keep: archive, {@code .sha256} and manifest together (manifest first, so a
     * crash leaves at worst a file {@link #verifyAll()} reports, never a listed snapshot without its archive). The
     * newest snapshot that verifies is never deleted.
     */
    public PrunePlan prune(RetentionPolicy policy) {
        try (StoreLock ignored = StoreLock.acquire(directory)) {
            PrunePlan plan = planPrune(policy);
            for (LocalSnapshot snapshot : plan.delete()) {
                delete(snapshot.file());
            }
            return new PrunePlan(plan.keep(), plan.delete(), true);
        }
    }

    /** Restores the archive into a throwaway local etcd and counts its keys; see {@link DrillOptions}. */
    public DrillReport drill(LocalSnapshot snapshot, DrillOptions options) {
        return new RestoreDrill(options).run(snapshot);
    }

    /** {@link #drill(LocalSnapshot, DrillOptions)} with {@link DrillOptions#defaults()}. */
    public DrillReport drill(LocalSnapshot snapshot) {
        return drill(snapshot, DrillOptions.defaults());
    }

    private LocalSnapshot newestVerified(List<LocalSnapshot> oldestFirst) {
        for (int i = oldestFirst.size() - 1; i >= 0; i--) {
            if (verify(oldestFirst.get(i)).ok()) {
                return oldestFirst.get(i);
            }
        }
        return null;
    }

    private static void delete(Path archive) {
        Path[] files = {SnapshotManifest.pathOf(archive), archive,
                archive.resolveSibling(archive.getFileName() + VerifiedDownload.SHA256_SUFFIX)};
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new LocalStorageException(file, "Deleting", e);
            }
        }
        LOG.info("Pruned {}", archive);
    }

    private List<Path> archives() {
        return files(ARCHIVE_SUFFIX);
    }

    private List<Path> files(String suffix) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new LocalStorageException(directory, "Listing", e);
        }
    }

    private static String stripSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - suffix.length());
    }

    /**
     * A {@code .part} that no download is writing, with how long ago it was last written: a download that was cut
     * and may be resumed, or one whose process died, which only holds disk space. Whether a download holds it is
     * asked through {@link FileLocks}, never by opening it again here (closing a second channel would drop the lock
     * of a download running in this JVM).
     */
    private static Optional<StoreCheck> unfinishedDownload(Path part) {
        try {
            if (FileLocks.isLocked(part)) {
                return Optional.empty();
            }
            FileTime written = Files.getLastModifiedTime(part, LinkOption.NOFOLLOW_LINKS);
            Duration age = Duration.between(written.toInstant(), Instant.now());
            String ago = String.format("%dh%02dm", age.toHours(), age.toMinutesPart());
            return Optional.of(new StoreCheck(part, Optional.empty(), List.of("unfinished download, last written "
                    + ago + " ago (" + written.toInstant().truncatedTo(ChronoUnit.SECONDS) + "), " + Files.size(part)
                    + " bytes: download the same snapshot again to resume it, or delete it")));
        } catch (EtcdBackupException e) {
            return Optional.of(new StoreCheck(part, Optional.empty(), List.of(e.getMessage())));
        } catch (IOException e) {
            return Optional.of(new StoreCheck(part, Optional.empty(), List.of("unreadable: " + e)));
        }
    }
}
