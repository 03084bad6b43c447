package io.github.etcdbackup.store.s3;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.encryption.EncryptedArchive;
import io.github.etcdbackup.internal.download.EncryptingInputStream;
import io.github.etcdbackup.internal.download.UnitArchiveStream;
import io.github.etcdbackup.spi.ArchiveSource;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.LocalStorageException;
import io.github.etcdbackup.exception.ObjectStoreException;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.archive.ArchiveInspector;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.download.SnapshotManifest;
import io.github.etcdbackup.internal.download.VerifiedDownload;
import io.github.etcdbackup.internal.files.CountingInputStream;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.internal.store.RetentionPlanner;
import io.github.etcdbackup.store.DrillOptions;
import io.github.etcdbackup.store.DrillReport;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.PrunePlan;
import io.github.etcdbackup.store.RetentionPolicy;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.store.StoreCheck;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.store.s3.internal.Bucket;
import io.github.etcdbackup.store.s3.internal.Deadline;
import io.github.etcdbackup.store.s3.internal.S3Clients;
import io.github.etcdbackup.store.s3.internal.UploadMarker;
import io.github.etcdbackup.store.s3.internal.VerifiedUpload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A {@link SnapshotStore} in a bucket of an S3-compatible object store (AWS S3, Ceph RGW, MinIO): each archive is
 * the object {@code <prefix><archive>}, beside {@code <prefix><archive>.sha256} and {@code <prefix><archive>.manifest},
 * the same three files a {@link LocalSnapshotStore} keeps.
 *
 * <p>Nothing unverified is ever visible under an archive's key: an archive is streamed up in parts, hashed as it
 * goes, and the multipart upload is completed (S3's atomic rename) only when its SHA-256 and length match; otherwise
 * it is aborted. The manifest is written last, so a listed snapshot always has its archive.
 *
 * <p>Several writers may share a bucket and prefix: archive names are unique per snapshot (model, unit, time and
 * hash), an archive already there is verified and kept, never overwritten, and prune only deletes what it verified
 * in the same call, so two prunes delete nothing more than one. Every operation has a deadline
 * ({@link Builder#timeout(Duration)}); within it the SDK retries 5xx answers, throttling and cut connections with
 * backoff. Close the store to release its connections.
 */
public final class S3SnapshotStore implements SnapshotStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(S3SnapshotStore.class);
    private static final String ARCHIVE_SUFFIX = ".tar.gz";
    private static final String ENCRYPTED_SUFFIX = ARCHIVE_SUFFIX + Age.SUFFIX;
    private static final String SHA256_SUFFIX = VerifiedDownload.SHA256_SUFFIX;
    private static final String MANIFEST_SUFFIX = SnapshotManifest.SUFFIX;
    /** A name this store writes: an archive, its {@code .sha256}, manifest or upload marker. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]*");

    private final S3Clients.Client client;
    private final Bucket bucket;
    private final String prefix;
    private final Duration timeout;
    private final int partSize;
    private final int parallelParts;

    private S3SnapshotStore(Builder builder) {
        this.client = S3Clients.create(builder.endpoint, builder.region, builder.pathStyle, builder.accessKeyId,
                builder.secretAccessKey);
        this.bucket = new Bucket(client.s3(), builder.bucket);
        this.prefix = builder.prefix;
        this.timeout = builder.timeout;
        this.partSize = builder.partSize;
        this.parallelParts = builder.parallelParts != 0 ? builder.parallelParts
                : Builder.defaultParallelParts(builder.partSize, Runtime.getRuntime().maxMemory());
    }

    /** A builder; {@link Builder#bucket(String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code s3://bucket/prefix}. */
    @Override
    public String location() {
        return "s3://" + bucket.name() + "/" + prefix;
    }

    /** {@code S3SnapshotStore[s3://bucket/prefix]}; never a credential. */
    @Override
    public String toString() {
        return "S3SnapshotStore[" + location() + "]";
    }

    /** Releases the store's connections. */
    @Override
    public void close() {
        client.close();
    }

    // ---------------------------------------------------------------------------------------------- listing

    /** An archive of the store with the snapshot its manifest describes, or why there is none. */
    private record Entry(String key, Optional<S3Snapshot> snapshot, String problem) {
    }

    @Override
    public List<S3Snapshot> list() {
        List<S3Snapshot> snapshots = new ArrayList<>();
        for (Entry entry : entries(deadline("Listing"), keys(deadline("Listing")))) {
            entry.snapshot().ifPresentOrElse(snapshots::add,
                    () -> LOG.warn("Not listing {}: {}", bucket.location(entry.key()), entry.problem()));
        }
        snapshots.sort(RetentionPlanner.OLDEST_FIRST);
        return List.copyOf(snapshots);
    }

    /**
     * The keys of this store: under its prefix, each a plain name (what this store writes). A server or a hand that
     * put other keys there (outside the prefix, or with a name no archive has) does not make them entries of this
     * store: nothing here lists, verifies or deletes them.
     */
    private Set<String> keys(Deadline deadline) {
        Set<String> keys = new HashSet<>();
        for (String key : bucket.list(prefix, deadline)) {
            String name = key.startsWith(prefix) ? key.substring(prefix.length()) : "";
            if (PLAIN_NAME.matcher(name).matches()) {
                keys.add(key);
            } else {
                LOG.warn("Ignoring {}: not a name this store writes", bucket.location(key));
            }
        }
        return keys;
    }

    private List<Entry> entries(Deadline deadline, Set<String> keys) {
        List<Entry> entries = new ArrayList<>();
        for (String key : keys.stream().filter(S3SnapshotStore::isArchive).sorted().toList()) {
            if (!keys.contains(key + MANIFEST_SUFFIX)) {
                entries.add(new Entry(key, Optional.empty(), "no manifest: not written by this library, or its "
                        + "copy was interrupted before the manifest"));
                continue;
            }
            try {
                entries.add(new Entry(key, Optional.of(read(key, deadline).snapshot()), ""));
            } catch (IllegalArgumentException broken) {
                entries.add(new Entry(key, Optional.empty(), broken.getMessage()));
            } catch (ObjectStoreException unreadable) {
                // One manifest the server will not give (another key's policy, another KMS key) concerns its
                // archive only; a server that refuses everything fails the listing itself.
                entries.add(new Entry(key, Optional.empty(), "manifest unreadable: " + unreadable.getMessage()));
            }
        }
        return entries;
    }

    private static boolean isArchive(String key) {
        return key.endsWith(ARCHIVE_SUFFIX) || key.endsWith(ENCRYPTED_SUFFIX);
    }

    /** A manifest read from the bucket, with the snapshot it describes. */
    private record Read(S3Snapshot snapshot, String model) {
    }

    /**
     * Reads and parses the manifest of {@code key}.
     *
     * @throws IllegalArgumentException if it is missing, too large or invalid
     */
    private Read read(String key, Deadline deadline) {
        String manifest = key + MANIFEST_SUFFIX;
        byte[] bytes = bucket.readSmall(manifest, SnapshotManifest.MAX_BYTES, deadline)
                .orElseThrow(() -> new IllegalArgumentException("manifest " + bucket.location(manifest)
                        + " is missing"));
        SnapshotManifest.Contents c = SnapshotManifest.parse(bytes, bucket.location(manifest));
        try {
            return new Read(new S3Snapshot(bucket.name(), key, c.sha256(), c.sizeBytes(), c.source(),
                    c.encryption()), c.model());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid manifest " + bucket.location(manifest) + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String modelOf(StoredSnapshot snapshot) {
        S3Snapshot own = own(snapshot);
        try {
            return read(own.key(), deadline("Reading the manifest of")).model();
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** A snapshot of this store: this bucket, under this prefix. */
    private S3Snapshot own(StoredSnapshot snapshot) {
        if (snapshot instanceof S3Snapshot s3 && s3.bucket().equals(bucket.name())
                && s3.key().equals(prefix + s3.name())) {
            return s3;
        }
        throw new InvalidInputException("snapshot", snapshot.location(), "is not in this store (" + location()
                + "); copy it here with copyTo first");
    }

    // ---------------------------------------------------------------------------------------------- checks

    @Override
    public StoreCheck verify(StoredSnapshot snapshot) {
        return verify(own(snapshot), Optional.empty(), deadline("Verifying"));
    }

    @Override
    public StoreCheck verify(StoredSnapshot snapshot, AgeIdentities identities) {
        return verify(own(snapshot), Optional.of(identities), deadline("Verifying"));
    }

    private StoreCheck verify(S3Snapshot snapshot, Optional<AgeIdentities> identities, Deadline deadline) {
        ArchiveCheck archive = checkArchive(snapshot, identities, deadline);
        List<String> problems = new ArrayList<>(archive.problems());
        archive.sha256().ifPresent(actual -> problems.addAll(checksumObjectProblems(snapshot, actual, deadline)));
        return new StoreCheck(snapshot.location(), snapshot, problems, archive.depth());
    }

    /** What was found about the archive itself, its {@code .sha256} aside. */
    private record ArchiveCheck(List<String> problems, Optional<String> sha256, StoreCheck.Depth depth) {
    }

    /**
     * Reads the whole object once: its length and SHA-256 against the manifest, and its contents (decrypted as
     * they are read when identities are given; only the ciphertext's hash without them). A missing object is a
     * problem of the archive; a server or network failure throws, as it says nothing about the archive.
     */
    private ArchiveCheck checkArchive(S3Snapshot snapshot, Optional<AgeIdentities> identities, Deadline deadline) {
        if (snapshot.encrypted() && identities.isPresent()) {
            EncryptedArchiveReader.requireIdentities(snapshot, identities, "give");
        }
        List<String> problems = new ArrayList<>();
        MessageDigest digest = Sha256.newDigest();
        StoreCheck.Depth depth;
        long length;
        try (InputStream object = bucket.open(snapshot.key(), deadline)) {
            CountingInputStream in = new CountingInputStream(new DigestInputStream(object, digest));
            if (!snapshot.encrypted()) {
                problems.addAll(ArchiveInspector.problems(in, snapshot.source().keysVersion()));
                depth = StoreCheck.Depth.CONTENTS;
            } else if (identities.isPresent()) {
                EncryptedArchiveReader.Result read = EncryptedArchiveReader.read(snapshot, in, identities.get());
                read.problems().stream().filter(p -> !p.startsWith("ciphertext SHA-256")).forEach(problems::add);
                depth = read.failure().isPresent() ? StoreCheck.Depth.CIPHERTEXT_ONLY : StoreCheck.Depth.CONTENTS;
            } else {
                depth = StoreCheck.Depth.CIPHERTEXT_ONLY;
            }
            in.transferTo(OutputStream.nullOutputStream());
            length = in.count();
        } catch (ObjectStoreException e) {
            if (e.reason() == ObjectStoreException.Reason.NO_SUCH_KEY) {
                return new ArchiveCheck(List.of("archive missing"), Optional.empty(), StoreCheck.Depth.NONE);
            }
            throw e;
        } catch (IOException e) {
            throw bucket.readFailure(snapshot.key(), deadline, e);
        }
        String actual = Sha256.hex(digest);
        List<String> found = new ArrayList<>();
        if (length != snapshot.sizeBytes()) {
            found.add("size is " + length + " bytes, the manifest says " + snapshot.sizeBytes());
        }
        if (!actual.equals(snapshot.sha256())) {
            found.add((snapshot.encrypted() ? "ciphertext " : "") + "SHA-256 is " + actual + ", the manifest says "
                    + snapshot.sha256());
        }
        found.addAll(problems);
        return new ArchiveCheck(found, Optional.of(actual), depth);
    }

    private List<String> checksumObjectProblems(S3Snapshot snapshot, String actual, Deadline deadline) {
        String key = snapshot.key() + SHA256_SUFFIX;
        Optional<byte[]> content = bucket.readSmall(key, 1024, deadline);
        if (content.isEmpty()) {
            return List.of(snapshot.name() + SHA256_SUFFIX + " missing");
        }
        String expected = actual + "  " + snapshot.name();
        String there = new String(content.get(), StandardCharsets.UTF_8).strip();
        return there.equals(expected) ? List.of()
                : List.of(snapshot.name() + SHA256_SUFFIX + " does not match the archive (holds '" + there + "')");
    }

    @Override
    public List<StoreCheck> verifyAll() {
        return verifyAll(Optional.empty());
    }

    @Override
    public List<StoreCheck> verifyAll(AgeIdentities identities) {
        return verifyAll(Optional.of(identities));
    }

    /**
     * Every archive, archives without a manifest, manifests without an archive, broken manifests, and multipart
     * uploads left unfinished past their deadline (their {@code .upload} marker says until when they could run; a
     * live one of another writer is left out).
     */
    private List<StoreCheck> verifyAll(Optional<AgeIdentities> identities) {
        Deadline listing = deadline("Listing");
        Set<String> keys = keys(listing);
        List<StoreCheck> checks = new ArrayList<>();
        for (Entry entry : entries(listing, keys)) {
            checks.add(entry.snapshot().map(s -> verifyForAll(s, identities))
                    .orElseGet(() -> new StoreCheck(bucket.location(entry.key()), Optional.empty(),
                            List.of(entry.problem()), StoreCheck.Depth.NONE)));
        }
        keys.stream().filter(k -> k.endsWith(MANIFEST_SUFFIX)).sorted().forEach(manifest -> {
            String archive = manifest.substring(0, manifest.length() - MANIFEST_SUFFIX.length());
            if (!keys.contains(archive)) {
                checks.add(new StoreCheck(bucket.location(archive), Optional.empty(),
                        List.of("manifest without its archive"), StoreCheck.Depth.NONE));
            }
        });
        for (String marker : keys.stream().filter(k -> k.endsWith(UploadMarker.SUFFIX)).sorted().toList()) {
            String archive = marker.substring(0, marker.length() - UploadMarker.SUFFIX.length());
            UploadMarker.read(bucket, archive, deadline("Reading"))
                    .filter(UploadMarker.Contents::dead)
                    .ifPresent(m -> checks.add(new StoreCheck(bucket.location(archive), Optional.empty(), List.of(
                            "unfinished upload " + m.uploadId() + ", interrupted (it could run until "
                                    + m.liveUntil() + "): nothing is visible under the key, but its parts take "
                                    + "space; storing the same snapshot again resumes it, or abort it and delete "
                                    + marker), StoreCheck.Depth.NONE)));
        }
        return List.copyOf(checks);
    }

    private StoreCheck verifyForAll(S3Snapshot snapshot, Optional<AgeIdentities> identities) {
        try {
            return verify(snapshot, identities, deadline("Verifying"));
        } catch (DecryptionException e) {
            StoreCheck ciphertext = verify(snapshot, Optional.empty(), deadline("Verifying"));
            List<String> problems = new ArrayList<>(ciphertext.problems());
            problems.add(e.getMessage());
            return new StoreCheck(snapshot.location(), snapshot, problems, ciphertext.depth());
        }
    }

    // ---------------------------------------------------------------------------------------------- prune

    @Override
    public PrunePlan planPrune(RetentionPolicy policy) {
        // As in a directory: an encrypted archive counts as verified when its ciphertext matches the manifest.
        RetentionPlanner.Decision<S3Snapshot, StoreCheck> decision = RetentionPlanner.decide(list(),
                new RetentionPlanner.Counts(policy.keepLast(), policy.keepDaily(), policy.keepWeekly(),
                        policy.keepMonthly()), s -> {
                    ArchiveCheck archive = checkArchive(s, Optional.empty(), deadline("Verifying"));
                    return new StoreCheck(s.location(), s, archive.problems(), archive.depth());
                }, StoreCheck::ok);
        return new PrunePlan(decision.keep(), decision.delete(), decision.unverified(), false);
    }

    /**
     * {@inheritDoc} Object stores have no lock: two prunes at once each delete only what they verified and the
     * policy drops, and deleting an object already gone is not an error, so together they delete what one would.
     */
    @Override
    public PrunePlan prune(RetentionPolicy policy) {
        PrunePlan plan = planPrune(policy);
        for (StoreCheck check : plan.unverified()) {
            LOG.warn("Not pruning {}, which does not verify: {}", check.location(), check.problems());
        }
        for (StoredSnapshot snapshot : plan.delete()) {
            String key = ((S3Snapshot) snapshot).key();
            Deadline deadline = deadline("Pruning");
            for (String k : List.of(key + MANIFEST_SUFFIX, key, key + SHA256_SUFFIX)) {
                bucket.delete(k, deadline);
            }
            LOG.info("Pruned {}", snapshot.location());
        }
        return new PrunePlan(plan.keep(), plan.delete(), plan.unverified(), true);
    }

    // ---------------------------------------------------------------------------------------------- copies

    /** {@inheritDoc} The object is streamed from the bucket into {@code target}, which verifies it on arrival. */
    @Override
    public StoredSnapshot copyTo(SnapshotStore target, StoredSnapshot snapshot) {
        return SnapshotStore.super.copyTo(target, own(snapshot));
    }

    @Override
    public InputStream openArchive(StoredSnapshot snapshot) {
        return bucket.open(own(snapshot).key(), deadline("Reading"));
    }

    /**
     * {@inheritDoc} The archive is streamed up in parts of {@link Builder#partSize(int)} bytes, hashed as it goes,
     * and the upload is completed only when it matches; then its {@code .sha256} and, last, its manifest are
     * written. An archive already under the key is read back and kept when it has the same bytes.
     *
     * @throws ObjectStoreException ({@code CONFLICT}) if another archive, with other bytes, has the key
     */
    @Override
    public S3Snapshot receive(StoredSnapshot snapshot, String model, InputStream archive) {
        String name = InputValidation.fileName(snapshot.name());
        String key = prefix + name;
        S3Snapshot copy = new S3Snapshot(bucket.name(), key, snapshot.sha256(), snapshot.sizeBytes(),
                snapshot.source(), snapshot.encryption());
        Deadline deadline = deadline("Copying " + snapshot.location() + " into");
        if (bucket.size(key, deadline).isPresent()) {
            if (!sameBytes(key, copy.sha256(), copy.sizeBytes(), deadline)) {
                throw new ObjectStoreException(bucket.name(), key, "Copying " + snapshot.location() + " into",
                        ObjectStoreException.Reason.CONFLICT, 0, "", "another archive is there, with bytes other "
                        + "than this one's", null);
            }
            writeSidecars(copy, model, deadline);
            return copy;
        }
        try {
            VerifiedUpload upload = new VerifiedUpload(bucket, key, partSize, parallelParts, deadline);
            upload.upload(archive, upload.expecting(snapshot.sha256()), Map.of("sha256", snapshot.sha256()));
        } catch (IOException e) {
            throw sourceFailure(snapshot, e);
        }
        writeSidecars(copy, model, deadline);
        LOG.info("Saved {} ({} bytes, SHA-256 {})", copy.location(), copy.sizeBytes(), copy.sha256());
        return copy;
    }

    /**
     * {@inheritDoc} The archive streams from the unit into a multipart upload, hashed on the way (and encrypted: then
     * the plaintext is hashed and the ciphertext uploaded); the last part goes up, and the upload is completed, only
     * once the stream has ended and its SHA-256 equals the unit's. Memory stays at a few parts; no local disk is used.
     *
     * @throws ObjectStoreException ({@code CONFLICT}) if another archive, with other bytes, has the key, or an
     *                              encrypted one (which cannot be checked against the unit without its identity)
     */
    @Override
    public S3Snapshot receive(Snapshot snapshot, String model, ArchiveSource source, List<AgeRecipient> encryptTo,
                              io.github.etcdbackup.spi.Deadline unitDeadline) {
        String name = InputValidation.fileName(snapshot.localName(model) + (encryptTo.isEmpty() ? "" : Age.SUFFIX));
        String key = prefix + name;
        String operation = "upload " + snapshot.unit() + ":" + snapshot.remotePath() + " to " + bucket.location(key);
        Deadline deadline = Deadline.after(operation, unitDeadline.remaining());
        Optional<Long> there = bucket.size(key, deadline);
        if (there.isPresent()) {
            return alreadyThere(snapshot, model, key, there.get(), !encryptTo.isEmpty(), deadline);
        }
        MessageDigest plaintext = Sha256.newDigest();
        VerifiedUpload upload = new VerifiedUpload(bucket, key, partSize, parallelParts, deadline);
        VerifiedUpload.Result result;
        long plaintextBytes;
        UnitArchiveStream unit = UnitArchiveStream.open(source, "unit", operation, unitDeadline,
                VerifiedDownload.sizeLimit(snapshot));
        try {
            InputStream hashed = new DigestInputStream(unit, plaintext);
            InputStream bytes = encryptTo.isEmpty() ? hashed : new EncryptingInputStream(hashed, encryptTo);
            VerifiedUpload.Check check = encryptTo.isEmpty() ? upload.expecting(snapshot.sha256())
                    : (ciphertextSha256, length) -> {
                        String actual = Sha256.hex(plaintext);
                        if (!actual.equals(snapshot.sha256())) {
                            throw new ChecksumMismatchException(snapshot.sha256(), actual, bucket.location(key));
                        }
                    };
            // Encrypted on the way, the bytes differ at every run: an interrupted upload has no part to reuse.
            result = upload.upload(bytes, check, Map.of("sha256", snapshot.sha256()), encryptTo.isEmpty());
            plaintextBytes = unit.total();
        } catch (IOException e) {
            // The unit's reads throw typed errors themselves; this is the encryption of what they brought.
            throw new TransportException("unit", operation + ": encrypting the stream failed: " + e.getMessage(), e);
        } finally {
            closeQuietly(unit, operation);
        }
        S3Snapshot stored = new S3Snapshot(bucket.name(), key, result.sha256(), result.length(), snapshot,
                encryptTo.isEmpty() ? Optional.empty()
                        : Optional.of(new EncryptedArchive(encryptTo, snapshot.sha256(), plaintextBytes)));
        writeSidecars(stored, model, deadline);
        return stored;
    }

    /** Closes the unit's stream; once the upload is complete and verified, a failure to close changes nothing. */
    private static void closeQuietly(UnitArchiveStream unit, String operation) {
        try {
            unit.close();
        } catch (IOException e) {
            LOG.debug("Closing the stream of {} failed: {}", operation, e.getMessage());
        }
    }

    /** An archive already has the key: kept when it is this snapshot's (a backup run again), else a conflict. */
    private S3Snapshot alreadyThere(Snapshot snapshot, String model, String key, long size, boolean encrypted,
                                    Deadline deadline) {
        if (!encrypted && sameBytes(key, snapshot.sha256(), size, deadline)) {
            S3Snapshot candidate = new S3Snapshot(bucket.name(), key, snapshot.sha256(), size, snapshot,
                    Optional.empty());
            writeSidecars(candidate, model, deadline);
            return candidate;
        }
        throw new ObjectStoreException(bucket.name(), key, "Uploading " + snapshot.unit() + ":"
                + snapshot.remotePath() + " to", ObjectStoreException.Reason.CONFLICT, 0, "", encrypted
                ? "an encrypted archive is already there; without its identity it cannot be checked against the unit"
                : "another archive is there, with bytes other than the unit's", null);
    }

    /** Whether the object under {@code key} is exactly these bytes: read whole and hashed. */
    private boolean sameBytes(String key, String sha256, long length, Deadline deadline) {
        MessageDigest digest = Sha256.newDigest();
        try (CountingInputStream in = new CountingInputStream(new DigestInputStream(bucket.open(key, deadline),
                digest))) {
            in.transferTo(OutputStream.nullOutputStream());
            return in.count() == length && Sha256.hex(digest).equals(sha256);
        } catch (IOException e) {
            throw bucket.readFailure(key, deadline, e);
        }
    }

    private void writeSidecars(S3Snapshot copy, String model, Deadline deadline) {
        bucket.put(copy.key() + SHA256_SUFFIX, (copy.sha256() + "  " + copy.name() + "\n")
                .getBytes(StandardCharsets.UTF_8), Map.of(), deadline);
        // Last: a listed snapshot always has its archive and its checksum.
        bucket.put(copy.key() + MANIFEST_SUFFIX, SnapshotManifest.text(copy, model)
                .getBytes(StandardCharsets.UTF_8), Map.of(), deadline);
    }

    /**
     * Reading the other store's bytes failed with an {@code IOException}: a file's (a bucket's stream throws its own
     * typed errors, never one of these).
     */
    private static EtcdBackupException sourceFailure(StoredSnapshot source, IOException e) {
        if (source instanceof LocalSnapshot local) {
            return new LocalStorageException(local.file(), "Reading", e);
        }
        return new TransportException("copy", "Reading " + source.location() + " failed: " + e.getMessage(), e);
    }

    // ---------------------------------------------------------------------------------------------- drill

    /**
     * {@inheritDoc} The archive is fetched, verified on arrival, into a fresh owner-only temporary directory, drilled
     * there and deleted, all within the drill's {@link DrillOptions#timeout()}. An archive whose bytes do not match
     * its manifest, or that is gone, fails the drill as {@link DrillReport.Failure#ARCHIVE}; a fetch that runs out of
     * time as {@code TIMEOUT}, one the server refuses as {@code LOCAL} (the drill could not run; nothing is said of
     * the archive).
     */
    @Override
    public DrillReport drill(StoredSnapshot snapshot, DrillOptions options) {
        S3Snapshot own = own(snapshot);
        long start = System.nanoTime();
        Path work;
        try {
            work = Files.createTempDirectory("etcd-backup-s3-drill-");
        } catch (IOException e) {
            throw new LocalStorageException(Path.of(System.getProperty("java.io.tmpdir")), "Creating a directory in",
                    e);
        }
        try {
            if (own.source().keysVersion() != KeysVersion.V3) {
                // Checked before anything is fetched: the drill restores v3 archives only.
                return SnapshotStore.open(work).drill(new LocalSnapshot(work.resolve(own.name()), own.sha256(),
                        own.sizeBytes(), own.source(), own.encryption()), options)
                        .withSnapshot(own, Duration.ofNanos(System.nanoTime() - start));
            }
            LocalSnapshotStore local = SnapshotStore.open(work);
            LocalSnapshot fetched;
            // The drill's own deadline covers the fetch too, as it covers reading a directory's archive.
            Deadline fetch = Deadline.after("Fetching " + own.location() + " for a drill", options.timeout());
            try (InputStream in = bucket.open(own.key(), fetch)) {
                fetched = local.receive(own, modelOf(own), in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);   // closing a stream that was read to its end
            } catch (ChecksumMismatchException e) {
                return failed(own, start, e, DrillReport.Failure.ARCHIVE);
            } catch (ObjectStoreException e) {
                return failed(own, start, e, e.reason() == ObjectStoreException.Reason.NO_SUCH_KEY
                        ? DrillReport.Failure.ARCHIVE : DrillReport.Failure.LOCAL);
            } catch (OperationTimeoutException e) {
                return failed(own, start, e, DrillReport.Failure.TIMEOUT);
            } catch (OperationInterruptedException e) {
                return failed(own, start, e, DrillReport.Failure.INTERRUPTED);
            }
            Duration left = options.timeout().minusNanos(System.nanoTime() - start);
            if (left.isNegative() || left.isZero()) {
                return failed(own, start, fetch.expired(null), DrillReport.Failure.TIMEOUT);
            }
            return local.drill(fetched, options.withTimeout(left)).withSnapshot(own, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            deleteTree(work);
        }
    }

    /** A drill that did not get to restore: why, as the directory store's drill reports it. */
    private static DrillReport failed(S3Snapshot snapshot, long start, EtcdBackupException e,
                                      DrillReport.Failure failure) {
        return new DrillReport(snapshot, -1, Map.of(), List.of(e.getMessage()),
                Duration.ofNanos(System.nanoTime() - start), failure);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete the drill's temporary directory {}: {}", dir, e.getMessage());
        }
    }

    private Deadline deadline(String operation) {
        return Deadline.after(operation + " " + location(), timeout);
    }

    /**
     * Configures an {@link S3SnapshotStore}. Without {@link #credentials(String, String)}, the AWS SDK's default
     * chain finds them (environment, {@code ~/.aws}, instance or pod roles).
     */
    public static final class Builder {
        private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,254}");
        private static final Pattern PREFIX_SEGMENT = Pattern.compile("[A-Za-z0-9_+=@,-][A-Za-z0-9._+=@,-]*");
        private static final int MIN_PART = 5 * 1024 * 1024;
        private static final int MAX_PART = 512 * 1024 * 1024;

        private URI endpoint;
        private String region = "us-east-1";
        private String bucket;
        private String prefix = "";
        private String accessKeyId;
        private String secretAccessKey;
        private Boolean pathStyle;
        private Duration timeout = Duration.ofHours(1);
        private int partSize = 8 * 1024 * 1024;
        private int parallelParts;

        private Builder() {
        }

        /**
         * The server, for anything but AWS S3 itself ({@code https://rgw.example.com}, {@code http://127.0.0.1:9000});
         * implies path-style addressing unless {@link #pathStyle(boolean)} says otherwise.
         */
        public Builder endpoint(URI endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
                throw new InvalidInputException("endpoint", endpoint.toString(), "expected an http or https URL");
            }
            if (endpoint.getUserInfo() != null) {
                throw new InvalidInputException("endpoint", endpoint.getScheme() + "://...@" + endpoint.getHost(),
                        "credentials do not belong in the URL; use credentials(accessKeyId, secretAccessKey)");
            }
            this.endpoint = endpoint;
            return this;
        }

        /** The region ({@code us-east-1} by default; most S3-compatible servers accept any). */
        public Builder region(String region) {
            if (region == null || !region.matches("[a-z0-9-]{1,64}")) {
                throw new InvalidInputException("region", region, "expected a region name such as eu-west-1");
            }
            this.region = region;
            return this;
        }

        /** The bucket, which must exist. */
        public Builder bucket(String bucket) {
            if (bucket == null || !BUCKET.matcher(bucket).matches()) {
                throw new InvalidInputException("bucket", bucket, "expected a bucket name: letters, digits, '.', "
                        + "'_' and '-', 2 to 255 of them");
            }
            this.bucket = bucket;
            return this;
        }

        /**
         * The "directory" in the bucket, such as {@code etcd/prod-cluster}: keys are {@code <prefix>/<archive>}.
         * Segments of letters, digits and {@code . _ + = @ , -}; no empty, {@code .} or {@code ..} segment.
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            if (!trimmed.isEmpty()) {
                for (String segment : trimmed.split("/", -1)) {
                    if (!PREFIX_SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
                        throw new InvalidInputException("prefix", prefix, "expected segments of letters, digits "
                                + "and . _ + = @ , - separated by '/', none empty, '.' or '..'");
                    }
                }
            }
            this.prefix = trimmed.isEmpty() ? "" : trimmed + "/";
            return this;
        }

        /** Static credentials; never printed. Without them, the SDK's default chain is asked. */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            if (accessKeyId == null || accessKeyId.isBlank() || secretAccessKey == null || secretAccessKey.isBlank()) {
                throw new InvalidInputException("credentials", null, "both an access key id and a secret are needed");
            }
            this.accessKeyId = accessKeyId;
            this.secretAccessKey = secretAccessKey;
            return this;
        }

        /** Path-style ({@code host/bucket/key}) rather than virtual-host addressing; on by default with an endpoint. */
        public Builder pathStyle(boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        /**
         * The deadline of each store operation (a listing, the verification of one archive, one copy), retries
         * included; one hour by default.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = InputValidation.positive("timeout", timeout);
            return this;
        }

        /**
         * Bytes per uploaded part, 8 MiB by default, from S3's minimum of 5 MiB to 512 MiB. An upload holds one
         * more part in memory than {@link #parallelParts(int)}; S3 allows 10,000 parts, so 8 MiB parts carry
         * archives up to 78 GiB.
         */
        public Builder partSize(int partSize) {
            if (partSize < MIN_PART || partSize > MAX_PART) {
                throw new InvalidInputException("partSize", Integer.toString(partSize), "expected 5 MiB to 512 MiB");
            }
            this.partSize = partSize;
            return this;
        }

        /**
         * How many parts go up at once while the next is read (1 to 16). By default 3, fewer when their buffers
         * (one more than the parts in flight) would take more than a quarter of the heap: at {@code -Xmx64m} one.
         */
        public Builder parallelParts(int parallelParts) {
            if (parallelParts < 1 || parallelParts > 16) {
                throw new InvalidInputException("parallelParts", Integer.toString(parallelParts), "expected 1 to 16");
            }
            this.parallelParts = parallelParts;
            return this;
        }

        /** Parts in flight when none were asked for: 3, as long as their buffers fit in a quarter of the heap. */
        static int defaultParallelParts(int partSize, long maxHeap) {
            long buffers = maxHeap / 4 / partSize;
            return (int) Math.max(1, Math.min(3, buffers - 1));
        }

        /** The store. Nothing is sent to the server yet. */
        public S3SnapshotStore build() {
            if (bucket == null) {
                throw new InvalidInputException("bucket", null, "a bucket is required");
            }
            if (pathStyle == null) {
                pathStyle = endpoint != null;
            }
            return new S3SnapshotStore(this);
        }
    }
}
