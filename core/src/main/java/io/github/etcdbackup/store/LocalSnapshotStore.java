package io.github.etcdbackup.store;

import io.github.etcdbackup.spi.ArchiveSource;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;

import io.github.etcdbackup.internal.archive.ArchiveInspector;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.internal.files.FileLocks;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.internal.download.SnapshotManifest;
import io.github.etcdbackup.internal.download.VerifiedCopy;
import io.github.etcdbackup.internal.files.StoreLock;
import io.github.etcdbackup.internal.download.VerifiedDownload;
import io.github.etcdbackup.internal.store.RetentionPlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A {@link SnapshotStore} in a directory, as
 * {@link io.github.etcdbackup.client.EtcdBackupClient#download(io.github.etcdbackup.Snapshot, Path)} writes it: each
 * archive beside its {@code .sha256} ({@code sha256sum -c} format) and its {@code .manifest} (what the unit
 * reported). Encrypted archives are {@code <archive>.age} files, see
 * {@link io.github.etcdbackup.SnapshotRequest.Builder#encryptTo}.
 *
 * <p>Safe to use from several threads and processes at once: changes take the directory's lock file.
 */
public final class LocalSnapshotStore implements SnapshotStore {
    private static final Logger LOG = LoggerFactory.getLogger(LocalSnapshotStore.class);
    private static final String ARCHIVE_SUFFIX = ".tar.gz";
    private static final String ENCRYPTED_SUFFIX = ARCHIVE_SUFFIX + Age.SUFFIX;

    private final Path directory;

    private LocalSnapshotStore(Path directory) {
        this.directory = directory;
    }

    /**
     * Opens an existing store: a directory that backups were (or will be) written to.
     *
     * @throws LocalStorageException if {@code dir} does not exist or is not a directory: a misspelt path would
     *                               otherwise read as an empty store where everything "verifies";
     *                               {@link #create(Path)} makes a new one
     */
    public static LocalSnapshotStore open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new LocalStorageException(dir, "Opening the snapshot store", new NoSuchFileException(dir.toString(),
                    null, Files.exists(dir, LinkOption.NOFOLLOW_LINKS) ? "not a directory"
                    : "no such directory (a typo?); SnapshotStore.create(dir) makes a new store"));
        }
        return new LocalSnapshotStore(dir);
    }

    /** Opens the store in {@code dir}, creating the directory (and its parents) when it does not exist yet. */
    public static LocalSnapshotStore create(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Creating directory", e);
        }
        return open(dir);
    }

    /** The store's directory. */
    public Path directory() {
        return directory;
    }

    /** The directory, as given. */
    @Override
    public String location() {
        return directory.toString();
    }

    /** {@code LocalSnapshotStore[<directory>]}. */
    @Override
    public String toString() {
        return "LocalSnapshotStore[" + directory + "]";
    }

    /** {@inheritDoc} A broken manifest is one that is unreadable, not UTF-8 text, invalid, or not a file. */
    @Override
    public List<LocalSnapshot> list() {
        List<LocalSnapshot> snapshots = new ArrayList<>();
        for (Entry entry : entries()) {
            entry.snapshot().ifPresentOrElse(snapshots::add,
                    () -> LOG.warn("Not listing {}: {}", entry.archive(), entry.problem()));
        }
        snapshots.sort(RetentionPlanner.OLDEST_FIRST);
        return List.copyOf(snapshots);
    }

    /** An archive of the store with the snapshot its manifest describes, or why there is none. */
    private record Entry(Path archive, Optional<LocalSnapshot> snapshot, String problem) {
    }

    /** Every archive, by file name; a manifest that is missing, unreadable or invalid concerns its archive only. */
    private List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        for (Path archive : archives()) {
            try {
                entries.add(SnapshotManifest.read(archive)
                        .map(read -> new Entry(archive, Optional.of(read.snapshot()), ""))
                        .orElseGet(() -> new Entry(archive, Optional.empty(), "no manifest: not written by a download,"
                                + " or its download was cut before the manifest; check it by hand with sha256sum -c")));
            } catch (IllegalArgumentException | LocalStorageException broken) {
                entries.add(new Entry(archive, Optional.empty(), broken.getMessage()));
            }
        }
        return entries;
    }

    @Override
    public String modelOf(StoredSnapshot snapshot) {
        return SnapshotManifest.read(local(snapshot).file()).map(SnapshotManifest.Read::model).orElse("");
    }

    /** {@inheritDoc} Any {@link LocalSnapshot} can be checked this way, by the files beside it. */
    @Override
    public StoreCheck verify(StoredSnapshot snapshot) {
        return verify(local(snapshot), Optional.empty());
    }

    @Override
    public StoreCheck verify(StoredSnapshot snapshot, AgeIdentities identities) {
        return verify(local(snapshot), Optional.of(identities));
    }

    private StoreCheck verify(LocalSnapshot snapshot, Optional<AgeIdentities> identities) {
        ArchiveCheck archive = checkArchive(snapshot, identities);
        List<String> problems = new ArrayList<>(archive.problems());
        archive.sha256().ifPresent(actual -> problems.addAll(checksumFileProblems(snapshot.file(), actual)));
        return new StoreCheck(snapshot.location(), Optional.of(snapshot), problems, archive.depth());
    }

    /** A snapshot of a directory store; any other kind belongs to another store. */
    private static LocalSnapshot local(StoredSnapshot snapshot) {
        if (snapshot instanceof LocalSnapshot local) {
            return local;
        }
        throw new InvalidInputException("snapshot", snapshot.location(), "is not a snapshot of a directory store;"
                + " copy it into one with copyTo first");
    }

    /** A snapshot of this very directory. */
    private LocalSnapshot own(StoredSnapshot snapshot) {
        LocalSnapshot local = local(snapshot);
        if (!local.file().toAbsolutePath().getParent().equals(directory.toAbsolutePath())) {
            throw new InvalidInputException("snapshot", local.location(), "is not in this store (" + directory + ")");
        }
        return local;
    }

    /**
     * What was found about the archive itself, its {@code .sha256} file aside.
     *
     * @param problems every problem of the archive, empty when it verifies against its manifest
     * @param sha256   the archive's SHA-256 (of the file as stored), empty when it could not be read
     * @param depth    how far it was checked
     */
    private record ArchiveCheck(List<String> problems, Optional<String> sha256, StoreCheck.Depth depth) {
    }

    /**
     * Checks the archive against its manifest: length, SHA-256 and contents. This is what decides whether the
     * snapshot is sound; the {@code .sha256} file is a copy of the hash for {@code sha256sum -c}, and damage to it
     * is a problem of that copy, not of the archive.
     */
    private static ArchiveCheck checkArchive(LocalSnapshot snapshot, Optional<AgeIdentities> identities) {
        Path archive = snapshot.file();
        List<String> problems = new ArrayList<>();
        if (!Files.isRegularFile(archive)) {
            problems.add("archive missing");
            return new ArchiveCheck(problems, Optional.empty(), StoreCheck.Depth.NONE);
        }
        try {
            long size = Files.size(archive);
            if (size != snapshot.sizeBytes()) {
                problems.add("size is " + size + " bytes, the manifest says " + snapshot.sizeBytes());
            }
        } catch (IOException e) {
            problems.add("cannot read its size: " + e.getMessage());
        }
        if (snapshot.encrypted()) {
            return identities.map(ids -> checkEncrypted(snapshot, ids, problems))
                    .orElseGet(() -> checkCiphertext(snapshot, problems));
        }
        Optional<String> actual;
        try {
            actual = Optional.of(Sha256.ofFile(archive));
        } catch (LocalStorageException e) {
            problems.add("cannot read it: " + e.getCause().getMessage());
            return new ArchiveCheck(problems, Optional.empty(), StoreCheck.Depth.NONE);
        }
        if (!actual.get().equals(snapshot.sha256())) {
            problems.add("SHA-256 is " + actual.get() + ", the manifest says " + snapshot.sha256());
        }
        problems.addAll(ArchiveInspector.problems(archive, snapshot.source().keysVersion()));
        return new ArchiveCheck(problems, actual, StoreCheck.Depth.CONTENTS);
    }

    /** An encrypted archive without an identity: the ciphertext against the manifest, nothing more. */
    private static ArchiveCheck checkCiphertext(LocalSnapshot snapshot, List<String> problems) {
        try {
            String actual = Sha256.ofFile(snapshot.file());
            if (!actual.equals(snapshot.sha256())) {
                problems.add("ciphertext SHA-256 is " + actual + ", the manifest says " + snapshot.sha256());
            }
            return new ArchiveCheck(problems, Optional.of(actual), StoreCheck.Depth.CIPHERTEXT_ONLY);
        } catch (LocalStorageException e) {
            problems.add("cannot read it: " + e.getCause().getMessage());
            return new ArchiveCheck(problems, Optional.empty(), StoreCheck.Depth.NONE);
        }
    }

    /**
     * An encrypted archive with identities, in one pass: the file is hashed as read (ciphertext), decrypted, the
     * plaintext hashed and its tar read, nothing written. Damage shows as problems; identities that are not
     * among the manifest's recipients are the caller's mistake and throw.
     */
    private static ArchiveCheck checkEncrypted(LocalSnapshot snapshot, AgeIdentities identities,
                                               List<String> problems) {
        EncryptedArchiveReader.requireIdentities(snapshot, Optional.of(identities), "give");
        EncryptedArchiveReader.Result read;
        try (InputStream in = Files.newInputStream(snapshot.file())) {
            read = EncryptedArchiveReader.read(snapshot, in, identities);
        } catch (IOException e) {
            problems.add("cannot read it: " + e.getMessage());
            return new ArchiveCheck(problems, Optional.empty(), StoreCheck.Depth.NONE);
        }
        problems.addAll(read.problems());
        return new ArchiveCheck(problems, Optional.of(read.ciphertextSha256()), read.failure().isPresent()
                ? StoreCheck.Depth.CIPHERTEXT_ONLY : StoreCheck.Depth.CONTENTS);
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

    /** {@inheritDoc} Unfinished writes are {@code .part} files that no download or copy is writing. */
    @Override
    public List<StoreCheck> verifyAll() {
        return verifyAll(Optional.empty());
    }

    @Override
    public List<StoreCheck> verifyAll(AgeIdentities identities) {
        return verifyAll(Optional.of(identities));
    }

    private List<StoreCheck> verifyAll(Optional<AgeIdentities> identities) {
        List<StoreCheck> checks = new ArrayList<>();
        for (Entry entry : entries()) {
            checks.add(entry.snapshot().map(s -> verifyForAll(s, identities))
                    .orElseGet(() -> new StoreCheck(entry.archive().toString(), Optional.empty(),
                            List.of(entry.problem()),
                            StoreCheck.Depth.NONE)));
        }
        for (Path file : files(SnapshotManifest.SUFFIX)) {
            Path archive = file.resolveSibling(stripSuffix(file, SnapshotManifest.SUFFIX));
            if (!Files.isRegularFile(archive)) {
                checks.add(new StoreCheck(archive.toString(), Optional.empty(), List.of("manifest without its archive"),
                        StoreCheck.Depth.NONE));
            }
        }
        for (Path part : files(VerifiedDownload.PART_SUFFIX)) {
            unfinishedDownload(part).ifPresent(checks::add);
        }
        return List.copyOf(checks);
    }

    private StoreCheck verifyForAll(LocalSnapshot snapshot, Optional<AgeIdentities> identities) {
        try {
            return verify(snapshot, identities);
        } catch (DecryptionException e) {
            StoreCheck ciphertext = verify(snapshot, Optional.empty());
            List<String> problems = new ArrayList<>(ciphertext.problems());
            problems.add(e.getMessage());
            return new StoreCheck(snapshot.location(), Optional.of(snapshot), problems, ciphertext.depth());
        }
    }

    @Override
    public PrunePlan planPrune(RetentionPolicy policy) {
        // An encrypted archive counts as verified when its ciphertext matches the manifest: the bytes written after
        // the plaintext was checked against the unit's SHA-256. Pruning needs no identity.
        RetentionPlanner.Decision<LocalSnapshot, StoreCheck> decision = RetentionPlanner.decide(list(),
                counts(policy), s -> {
                    ArchiveCheck archive = checkArchive(s, Optional.empty());
                    return new StoreCheck(s.location(), s, archive.problems(), archive.depth());
                }, StoreCheck::ok);
        return new PrunePlan(decision.keep(), decision.delete(), decision.unverified(), false);
    }

    /** The policy's counts, for the planner shared by every store. */
    private static RetentionPlanner.Counts counts(RetentionPolicy policy) {
        return new RetentionPlanner.Counts(policy.keepLast(), policy.keepDaily(), policy.keepWeekly(),
                policy.keepMonthly());
    }

    /**
     * {@inheritDoc} A damaged {@code .sha256} file is not a verdict on its archive, and an archive whose manifest is
     * broken is not listed, so never deleted; {@link #verifyAll()} reports both.
     */
    @Override
    public PrunePlan prune(RetentionPolicy policy) {
        try (StoreLock ignored = StoreLock.acquire(directory)) {
            PrunePlan plan = planPrune(policy);
            for (StoreCheck check : plan.unverified()) {
                LOG.warn("Not pruning {}, which does not verify: {}", check.location(), check.problems());
            }
            for (StoredSnapshot snapshot : plan.delete()) {
                delete(((LocalSnapshot) snapshot).file());
            }
            return new PrunePlan(plan.keep(), plan.delete(), plan.unverified(), true);
        }
    }

    /** {@inheritDoc} Between two directory stores the file is copied as it is, without a stream in between. */
    @Override
    public StoredSnapshot copyTo(SnapshotStore target, StoredSnapshot snapshot) {
        LocalSnapshot local = own(snapshot);
        if (target instanceof LocalSnapshotStore directoryStore) {
            return VerifiedCopy.copy(local, modelOf(local), directoryStore.directory());
        }
        return SnapshotStore.super.copyTo(target, local);
    }

    /** {@inheritDoc} The file is opened without following a link planted under its name. */
    @Override
    public InputStream openArchive(StoredSnapshot snapshot) {
        LocalSnapshot local = own(snapshot);
        try {
            return Files.newInputStream(local.file(), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new LocalStorageException(local.file(), "Opening", e);
        }
    }

    @Override
    public LocalSnapshot receive(StoredSnapshot snapshot, String model, InputStream archive) {
        return VerifiedCopy.copy(snapshot, model, archive, directory);
    }

    /**
     * {@inheritDoc} As {@link io.github.etcdbackup.client.EtcdBackupClient#backup(io.github.etcdbackup.SnapshotRequest,
     * Path)} writes it: a locked owner-only {@code .part}, synced, linked under its name once verified, deleted when
     * not.
     */
    @Override
    public LocalSnapshot receive(Snapshot snapshot, String model, ArchiveSource source, List<AgeRecipient> encryptTo,
                                 Deadline deadline) {
        return new VerifiedDownload("unit").run(snapshot, directory, model, source::open, deadline, bytes -> { },
                VerifiedDownload.PartOnFailure.DELETE, encryptTo);
    }

    /** {@inheritDoc} The drill reads the archive where it is; nothing is fetched. */
    @Override
    public DrillReport drill(StoredSnapshot snapshot, DrillOptions options) {
        return new RestoreDrill(options).run(local(snapshot));
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
        List<Path> archives = new ArrayList<>(files(ARCHIVE_SUFFIX));
        archives.addAll(files(ENCRYPTED_SUFFIX));
        archives.sort(null);
        return archives;
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
            String what = part.getFileName().toString().endsWith(Age.SUFFIX + VerifiedDownload.PART_SUFFIX)
                    ? "an encrypted download cannot be resumed: delete it"
                    : "download the same snapshot again to resume it, or delete it";
            return Optional.of(new StoreCheck(part.toString(), Optional.empty(), List.of("unfinished download, last written "
                    + ago + " ago (" + written.toInstant().truncatedTo(ChronoUnit.SECONDS) + "), " + Files.size(part)
                    + " bytes: " + what), StoreCheck.Depth.NONE));
        } catch (EtcdBackupException e) {
            return Optional.of(new StoreCheck(part.toString(), Optional.empty(), List.of(e.getMessage()),
                    StoreCheck.Depth.NONE));
        } catch (IOException e) {
            return Optional.of(new StoreCheck(part.toString(), Optional.empty(), List.of("unreadable: " + e),
                    StoreCheck.Depth.NONE));
        }
    }
}
