package io.github.etcdbackup.client;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.encryption.Age;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.encryption.AgeRecipient;
import io.github.etcdbackup.ProgressListener;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.UnitCopy;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.ChecksumMismatchException;
import io.github.etcdbackup.exception.FileConflictException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.exception.RestoreRefusedException;
import io.github.etcdbackup.exception.UnsupportedByTransportException;
import io.github.etcdbackup.health.HealthReport;
import io.github.etcdbackup.restore.JujuRestoreOptions;
import io.github.etcdbackup.restore.RestoreOptions;
import io.github.etcdbackup.restore.RestorePath;
import io.github.etcdbackup.restore.RestorePlan;
import io.github.etcdbackup.restore.RestoreReport;
import io.github.etcdbackup.restore.RestoreStep;
import io.github.etcdbackup.restore.SshRestoreOptions;
import io.github.etcdbackup.status.ModelStatus;

import io.github.etcdbackup.internal.restore.HostRestorePlanner;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.restore.RestoreExecutor;
import io.github.etcdbackup.internal.restore.RestoreJournal;
import io.github.etcdbackup.internal.restore.RestorePlanner;
import io.github.etcdbackup.internal.download.TargetDirectory;
import io.github.etcdbackup.internal.download.ArchiveReads;
import io.github.etcdbackup.internal.download.VerifiedDownload;
import io.github.etcdbackup.store.LocalSnapshotStore;
import io.github.etcdbackup.store.SnapshotStore;
import io.github.etcdbackup.StoredSnapshot;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.HealthOutput;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.spi.ModelOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Backs up etcd units and checks their health through one {@link EtcdTransport}.
 *
 * <pre>{@code
 * try (EtcdBackupClient client = EtcdBackupClient.builder()
 *         .transport(JujuCliTransport.create())
 *         .build()) {
 *     LocalSnapshot backup = client.backup("etcd/0", Path.of("backups"));
 * }
 * }</pre>
 *
 * <p>Thread-safe: one client may serve many threads. Every operation ends by a deadline: the client's
 * {@link Builder#timeout(Duration) timeout} (default {@value #DEFAULT_TIMEOUT_MINUTES} minutes) or the request's own.
 * The client owns its transport: {@link #close()} closes it.
 */
public final class EtcdBackupClient implements AutoCloseable {
    /** The default per-operation deadline, in minutes. */
    public static final long DEFAULT_TIMEOUT_MINUTES = 15;

    private static final Logger LOG = LoggerFactory.getLogger(EtcdBackupClient.class);
    private static final String TRANSPORTS = "etcd-backup-juju-cli-transport"
            + " (io.github.etcdbackup.transport.jujucli.JujuCliTransport.create() or .builder())"
            + " or etcd-backup-ssh-transport (io.github.etcdbackup.transport.ssh.SshTransport.builder())";

    private final EtcdTransport transport;
    private final Duration timeout;
    private final ProgressListener listener;
    private final VerifiedDownload downloader;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EtcdBackupClient(Builder builder) {
        this.transport = builder.transport;
        this.timeout = builder.timeout;
        this.listener = builder.listener;
        this.downloader = new VerifiedDownload(transport.name());
    }

    /** A new builder; {@link Builder#transport(EtcdTransport)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** A client with default settings over {@code transport}. */
    public static EtcdBackupClient create(EtcdTransport transport) {
        return builder().transport(transport).build();
    }

    /** The per-operation deadline used when a request does not carry its own. */
    public Duration timeout() {
        return timeout;
    }

    /** The transport's name, e.g. {@code juju-cli}. */
    public String transportName() {
        return transport.name();
    }

    /** Snapshots the v3 key space of {@code unit} into the charm's default target directory. */
    public Snapshot snapshot(String unit) {
        return snapshot(SnapshotRequest.builder().unit(unit).build());
    }

    /**
     * Takes a snapshot on a unit.
     *
     * @throws ActionFailedException     if the unit reported a failure
     * @throws OperationTimeoutException if it did not finish in time
     */
    public Snapshot snapshot(SnapshotRequest request) {
        Objects.requireNonNull(request, "request");
        Deadline deadline = Deadline.after(request.timeout().orElse(timeout));
        return run("snapshot " + request.unit(), op -> takeSnapshot(request, deadline));
    }

    private Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        Instant start = Instant.now();
        long startNanos = System.nanoTime();
        Snapshot reported = transport.takeSnapshot(request, deadline);
        return reported.withTiming(start, Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /**
     * Streams a snapshot archive into {@code dir} under {@link Snapshot#localName(String)}, hashing as it goes, and
     * names it only once its SHA-256 matches. A {@code .part} file left by an interrupted download of the same
     * snapshot is resumed. A stream that runs well past the size the unit reported is stopped
     * ({@link io.github.etcdbackup.exception.TransportException}, nothing kept).
     *
     * @throws ChecksumMismatchException if the bytes do not match the unit's SHA-256 (nothing is kept)
     * @throws FileConflictException     if {@code dir} already holds another file of that name, or a symbolic link
     *                                   or another non-regular file where the archive or its {@code .part} goes
     */
    public LocalSnapshot download(Snapshot snapshot, Path dir) {
        return download(snapshot, dir, UnitCopy.KEEP);
    }

    /**
     * {@link #download(Snapshot, Path)}, then, with {@link UnitCopy#REMOVE}, removes the archive from the unit once
     * the local file is verified and synced: exactly the path the snapshot reported, only when it is named like the
     * charm's archives and is a regular file. A removal that fails is logged and reported as a
     * {@link BackupEvent.UnitArchiveKept} event; the download still succeeds.
     */
    public LocalSnapshot download(Snapshot snapshot, Path dir, UnitCopy unitCopy) {
        return download(snapshot, dir, unitCopy, List.of());
    }

    /**
     * {@link #download(Snapshot, Path, UnitCopy)}, encrypting the archive to {@code encryptTo} as it streams (when
     * not empty): only ciphertext reaches {@code dir}, as {@code <archive>.age}, and the unit's SHA-256 is checked
     * over the plaintext on the way. An encrypted download is not resumed: a cut one leaves no {@code .part}.
     */
    public LocalSnapshot download(Snapshot snapshot, Path dir, UnitCopy unitCopy, List<AgeRecipient> encryptTo) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(unitCopy, "unitCopy");
        List<AgeRecipient> recipients = List.copyOf(encryptTo);
        Deadline deadline = Deadline.after(timeout);
        return run("download " + snapshot.archiveName(), op -> {
            LocalSnapshot local = fetch(op, snapshot, dir, deadline, VerifiedDownload.PartOnFailure.KEEP_FOR_RESUME,
                    recipients);
            if (unitCopy == UnitCopy.REMOVE) {
                removeUnitCopy(op, snapshot, Optional.empty(), deadline);
            }
            return local;
        });
    }

    /**
     * Stores the archive of {@code snapshot} in {@code store}, verified against the unit's SHA-256: for a directory
     * store exactly {@link #download(Snapshot, Path)}; for another (a bucket), streamed from the unit straight into
     * it, as {@link #backup(SnapshotRequest, SnapshotStore)} does after its snapshot.
     */
    public StoredSnapshot download(Snapshot snapshot, SnapshotStore store) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(store, "store");
        if (store instanceof LocalSnapshotStore local) {
            return download(snapshot, local.directory());
        }
        Deadline deadline = Deadline.after(timeout);
        return run("download " + snapshot.archiveName(), op -> upload(op, snapshot, store, deadline, List.of()));
    }

    /**
     * Removes the unit's copy of a verified download; never fails the operation. With {@code directory}, the archive
     * must lie directly in it (the backup's own target); the transport still refuses links and other files.
     */
    private void removeUnitCopy(String operation, Snapshot snapshot, Optional<String> directory, Deadline deadline) {
        String unit = snapshot.unit();
        String path = snapshot.remotePath();
        try {
            String parent = UnitArchives.checkArchivePath(path);
            if (directory.isPresent() && !directory.get().equals(parent)) {
                throw new InvalidInputException("archive path on the unit", path, "expected it directly in the "
                        + "snapshot's target directory " + directory.get() + ", where the charm writes it");
            }
            boolean removed = step(operation, "remove the unit's copy",
                    () -> transport.removeArchive(unit, path, Optional.of(snapshot.sha256()), deadline));
            if (removed) {
                LOG.info("Removed {}:{} after its download was verified", unit, path);
                emit(new BackupEvent.UnitArchiveRemoved(operation, unit, path, Instant.now()));
            } else {
                LOG.warn("{}:{} was already gone when the backup went to remove it", unit, path);
            }
        } catch (EtcdBackupException e) {
            LOG.warn("Could not remove {}:{} from the unit; the backup itself is complete: {}", unit, path,
                    e.getMessage());
            emit(new BackupEvent.UnitArchiveKept(operation, unit, path, e, Instant.now()));
        }
    }

    /** The charm's archives left on {@code unit} in its default snapshot directory, oldest first. */
    public List<UnitArchive> listUnitArchives(String unit) {
        return listUnitArchives(unit, SnapshotRequest.DEFAULT_TARGET);
    }

    /**
     * The charm's archives ({@code etcd-snapshot-*.tar.gz}, regular files) directly in {@code directory} on
     * {@code unit}, oldest first; empty when the directory does not exist.
     *
     * @throws TransportException if the directory is reached through a symbolic link (it is never followed)
     */
    public List<UnitArchive> listUnitArchives(String unit, String directory) {
        InputValidation.unit(unit);
        InputValidation.remotePath(directory);
        Deadline deadline = Deadline.after(timeout);
        return run("list archives on " + unit, op -> transport.listArchives(unit, directory, deadline));
    }

    /**
     * Removes all but the newest {@code keepLast} of the charm's archives in its default snapshot directory on
     * {@code unit}, left by earlier runs, by the action run by hand, or by backups that kept them.
     *
     * @return the archives removed
     */
    public List<UnitArchive> pruneUnitArchives(String unit, int keepLast) {
        return pruneUnitArchives(unit, SnapshotRequest.DEFAULT_TARGET, keepLast);
    }

    /**
     * {@link #pruneUnitArchives(String, int)} in another directory on the unit.
     *
     * @throws InvalidInputException if {@code keepLast} is negative
     */
    public List<UnitArchive> pruneUnitArchives(String unit, String directory, int keepLast) {
        InputValidation.unit(unit);
        InputValidation.remotePath(directory);
        if (keepLast < 0) {
            throw new InvalidInputException("keepLast", String.valueOf(keepLast), "expected 0 or more");
        }
        Deadline deadline = Deadline.after(timeout);
        return run("prune archives on " + unit, op -> {
            List<UnitArchive> archives = transport.listArchives(unit, directory, deadline);
            List<UnitArchive> removed = new ArrayList<>();
            for (UnitArchive archive : archives.subList(0, Math.max(0, archives.size() - keepLast))) {
                UnitArchives.checkArchivePath(archive.path());
                if (transport.removeArchive(unit, archive.path(), Optional.empty(), deadline)) {
                    removed.add(archive);
                    emit(new BackupEvent.UnitArchiveRemoved(op, unit, archive.path(), Instant.now()));
                }
            }
            LOG.info("Pruned {} of {} archives on {}:{}, kept the newest {}", removed.size(), archives.size(), unit,
                    directory, keepLast);
            return List.copyOf(removed);
        });
    }

    private LocalSnapshot fetch(String operation, Snapshot snapshot, Path dir, Deadline deadline,
                                VerifiedDownload.PartOnFailure onFailure, List<AgeRecipient> encryptTo) {
        String model = transport.modelName().orElse("");
        Path file = dir.resolve(snapshot.localName(model) + (encryptTo.isEmpty() ? "" : Age.SUFFIX));
        OptionalLong estimate = snapshot.approximateSizeBytes() > 0
                ? OptionalLong.of(snapshot.approximateSizeBytes()) : OptionalLong.empty();
        long start = System.nanoTime();
        LocalSnapshot local = downloader.run(snapshot, dir, model,
                ArchiveReads.of(transport, snapshot, encryptTo.isEmpty())::open, deadline,
                bytes -> emit(new BackupEvent.BytesTransferred(operation, file, bytes, estimate, Instant.now())),
                onFailure, encryptTo);
        // The one INFO line of a finished backup or download: what an operator greps for the next morning.
        LOG.info("Saved {} from {}:{}: {} bytes, SHA-256 {}{}, in {} ms", local.file(), snapshot.unit(),
                snapshot.remotePath(), local.sizeBytes(), local.sha256(), local.encrypted() ? " (age-encrypted)" : "",
                (System.nanoTime() - start) / 1_000_000);
        emit(new BackupEvent.ArchiveSaved(operation, snapshot.unit(), local.location(), local.sizeBytes(),
                local.sha256(), local.encrypted(), Instant.now()));
        return local;
    }

    /**
     * Snapshots the unit's v3 key space and downloads the verified archive into {@code dir}; see
     * {@link #backup(SnapshotRequest, Path)}.
     */
    public LocalSnapshot backup(String unit, Path dir) {
        return backup(SnapshotRequest.builder().unit(unit).build(), dir);
    }

    /**
     * Takes the snapshot {@code request} asks for (e.g. the v2 key space, or another target directory) and downloads
     * the verified archive into {@code dir}. The deadline (the request's, else the client's) covers both steps. A
     * download that fails leaves no {@code .part}: the snapshot it belonged to is never asked for again (the next
     * backup takes a new one), so it could not be resumed.
     */
    public LocalSnapshot backup(SnapshotRequest request, Path dir) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(dir, "dir");
        Deadline deadline = Deadline.after(request.timeout().orElse(timeout));
        return run("backup " + request.unit(), op -> {
            // Before the unit is asked: a directory that cannot take the archive fails now, not after a snapshot.
            TargetDirectory.prepare(dir);
            Snapshot snapshot = step(op, "snapshot", () -> takeSnapshot(request, deadline));
            LocalSnapshot local = step(op, "download",
                    () -> fetch(op, snapshot, dir, deadline, VerifiedDownload.PartOnFailure.DELETE,
                            request.encryptTo()));
            if (request.unitCopy() == UnitCopy.REMOVE) {
                // A request with the default target lets the transport pick its unit layout's snapshot directory.
                Optional<String> directory = request.target().equals(SnapshotRequest.DEFAULT_TARGET)
                        ? Optional.empty() : Optional.of(request.target());
                removeUnitCopy(op, snapshot, directory, deadline);
            }
            return local;
        });
    }

    /**
     * Snapshots the unit's v3 key space and stores the verified archive in {@code store}; see
     * {@link #backup(SnapshotRequest, SnapshotStore)}.
     */
    public StoredSnapshot backup(String unit, SnapshotStore store) {
        return backup(SnapshotRequest.builder().unit(unit).build(), store);
    }

    /**
     * Takes the snapshot {@code request} asks for and stores the archive in {@code store}, verified: for a directory
     * store, exactly {@link #backup(SnapshotRequest, Path)}; for another store (a bucket), the archive streams from
     * the unit straight into it, hashed (and encrypted, with {@link SnapshotRequest.Builder#encryptTo}) on the way,
     * with no local disk, and is named there only once its SHA-256 equals the unit's. The deadline covers both
     * steps; a failed transfer leaves nothing under the archive's name.
     */
    public StoredSnapshot backup(SnapshotRequest request, SnapshotStore store) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(store, "store");
        if (store instanceof LocalSnapshotStore local) {
            return backup(request, local.directory());
        }
        Deadline deadline = Deadline.after(request.timeout().orElse(timeout));
        return run("backup " + request.unit(), op -> {
            Snapshot snapshot = step(op, "snapshot", () -> takeSnapshot(request, deadline));
            StoredSnapshot stored = step(op, "upload", () -> upload(op, snapshot, store, deadline,
                    request.encryptTo()));
            if (request.unitCopy() == UnitCopy.REMOVE) {
                Optional<String> directory = request.target().equals(SnapshotRequest.DEFAULT_TARGET)
                        ? Optional.empty() : Optional.of(request.target());
                removeUnitCopy(op, snapshot, directory, deadline);
            }
            return stored;
        });
    }

    private StoredSnapshot upload(String operation, Snapshot snapshot, SnapshotStore store, Deadline deadline,
                                  List<AgeRecipient> encryptTo) {
        long start = System.nanoTime();
        StoredSnapshot stored = store.receive(snapshot, transport.modelName().orElse(""),
                ArchiveReads.of(transport, snapshot, encryptTo.isEmpty() && store instanceof LocalSnapshotStore),
                encryptTo, deadline);
        LOG.info("Saved {} from {}:{}: {} bytes, SHA-256 {}{}, in {} ms", stored.location(), snapshot.unit(),
                snapshot.remotePath(), stored.sizeBytes(), stored.sha256(), stored.encrypted() ? " (age-encrypted)"
                        : "", (System.nanoTime() - start) / 1_000_000);
        emit(new BackupEvent.ArchiveSaved(operation, snapshot.unit(), stored.location(), stored.sizeBytes(),
                stored.sha256(), stored.encrypted(), Instant.now()));
        return stored;
    }

    /**
     * Runs etcdctl's health check on a unit and judges every member line. The report names the unit that answered:
     * asked {@code etcd/leader}, it says which unit leads.
     */
    public HealthReport health(String unit) {
        return health(List.of(unit)).get(0);
    }

    /**
     * {@link #health(String)} on several units, in one call where the transport can (one {@code juju run} whose
     * tasks are split per unit), in the order given.
     */
    public List<HealthReport> health(List<String> units) {
        List<String> asked = List.copyOf(units);
        asked.forEach(InputValidation::unitOrLeader);
        if (asked.isEmpty()) {
            throw new InvalidInputException("units", "", "at least one unit is required");
        }
        Deadline deadline = Deadline.after(timeout);
        return run("health " + String.join(", ", asked), op -> {
            List<HealthOutput> answers = transport.healthOutputs(asked, deadline);
            if (answers.size() != asked.size()) {
                throw new OutputParseException("asked " + asked.size() + " units for their health, the transport "
                        + "answered for " + answers.size(), String.valueOf(answers), null);
            }
            return answers.stream().map(a -> HealthReport.parse(a.unit(), a.output())).toList();
        });
    }

    /**
     * The model's status.
     *
     * @throws UnsupportedByTransportException if the transport does not talk to Juju (the SSH transport)
     */
    public ModelStatus status() {
        ModelOperations model = modelOperations("status");
        Deadline deadline = Deadline.after(timeout);
        return run("status", op -> model.status(deadline));
    }

    /**
     * Plans a restore of {@code snapshot}: reads what it needs, checks every precondition, and returns the steps with
     * their exact commands. Changes nothing; print {@link RestorePlan#describe()} to see them. The options' type
     * picks the path:
     * <ul>
     *   <li>{@link JujuRestoreOptions} ({@code RestoreOptions.juju()}): into a new application through the Juju
     *       controller, needs a transport with a model (the juju-cli transport);</li>
     *   <li>{@link SshRestoreOptions} ({@code RestoreOptions.ssh()}): on the hosts, for when the controller is down:
     *       the data of the {@link SshRestoreOptions#members() members} is replaced in place from a v3 archive, one
     *       member first, each old {@code member} directory moved aside, with a new cluster token; needs a transport
     *       that reaches the hosts (the SSH transport).</li>
     * </ul>
     *
     * @throws RestoreRefusedException         if the restore is one the charm or the docs warn against
     * @throws UnsupportedByTransportException if the transport cannot run the options' path
     */
    public RestorePlan planRestore(LocalSnapshot snapshot, RestoreOptions options) {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(options, "options");
        Deadline deadline = Deadline.after(timeout);
        if (options instanceof SshRestoreOptions ssh) {
            HostOperations host = hostOperations("planRestore(SshRestoreOptions)");
            return run("plan restore over SSH", op -> new HostRestorePlanner(host).plan(snapshot, ssh, deadline));
        }
        JujuRestoreOptions juju = (JujuRestoreOptions) options;
        ModelOperations model = modelOperations("planRestore(JujuRestoreOptions)");
        return run("plan restore into " + juju.targetApplication(),
                op -> new RestorePlanner(model, timeout).plan(snapshot, juju, deadline));
    }

    /**
     * Runs a restore plan step by step, checking each step before the next. Does not throw when a step fails:
     * the report says which step failed and why, and {@link #resume(RestoreReport)} continues from it.
     */
    public RestoreReport restore(RestorePlan plan) {
        Objects.requireNonNull(plan, "plan");
        return execute(plan, 0, List.of(), Optional.empty());
    }

    /**
     * Runs a restore plan like {@link #restore(RestorePlan)} and writes it down in {@code journal} as it goes: the
     * plan, then every step as it starts and ends, each line on disk before the step goes on. If this process dies
     * (a crash, a reboot, a closed laptop), {@link #resume(Path)} in another process continues from the step that
     * did not finish. Use it for every restore that matters.
     *
     * @throws FileConflictException if {@code journal} exists (an earlier restore's journal: resume it, or move it
     *                               away to start again)
     */
    public RestoreReport restore(RestorePlan plan, Path journal) {
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(journal, "journal");
        // The model the restore runs in, by the name Juju gives it: a resume must reach the same one.
        Optional<String> model = plan.path() == RestorePath.JUJU
                ? Optional.of(modelOperations("restore").status(Deadline.after(timeout)).name()) : Optional.empty();
        try (RestoreJournal written = RestoreJournal.create(journal, plan, model)) {
            return execute(plan, 0, List.of(), Optional.of(written));
        }
    }

    /**
     * Continues a restore from the step that failed (or the first that did not run), in this process. It writes no
     * journal: to continue a restore started with {@link #restore(RestorePlan, Path)}, use {@link #resume(Path)},
     * so that the journal keeps up.
     */
    public RestoreReport resume(RestoreReport report) {
        Objects.requireNonNull(report, "report");
        return execute(report.plan(), report.resumeIndex(), report.outcomes(), Optional.empty());
    }

    /**
     * Continues the restore written down in {@code journal} by {@link #restore(RestorePlan, Path)}, in this process
     * or another, from the first step that did not end well; a step that started but never ended runs again (each
     * step first looks whether its effect is already there). The archive must still be where the journal says,
     * with the same SHA-256. A journal whose restore completed gives its report and runs nothing.
     *
     * @throws InvalidInputException  if the file is not a restore journal
     * @throws FileConflictException  if another process is running this restore, or the archive changed
     */
    public RestoreReport resume(Path journal) {
        Objects.requireNonNull(journal, "journal");
        // Locked before it is read: what it says cannot change under this process.
        try (RestoreJournal locked = RestoreJournal.open(journal)) {
            RestoreJournal.Recovered recovered = locked.recovered();
            requireSameModel(recovered);
            return execute(recovered.plan(), recovered.resumeIndex(), recovered.finished(), Optional.of(locked));
        }
    }

    /**
     * {@link #resume(Path)} of a restore of an encrypted archive, decrypting it with {@code identities} (needed when
     * they were not read from a file, whose path the journal keeps; the identities themselves are never written).
     */
    public RestoreReport resume(Path journal, AgeIdentities identities) {
        Objects.requireNonNull(journal, "journal");
        Objects.requireNonNull(identities, "identities");
        try (RestoreJournal locked = RestoreJournal.open(journal)) {
            RestoreJournal.Recovered recovered = locked.recovered();
            requireSameModel(recovered);
            return execute(recovered.plan().withIdentities(identities), recovered.resumeIndex(), recovered.finished(),
                    Optional.of(locked));
        }
    }

    /** A journaled restore continues in the model it began in, never in whichever one is current now. */
    private void requireSameModel(RestoreJournal.Recovered recovered) {
        if (recovered.model().isEmpty() || recovered.plan().path() != RestorePath.JUJU) {
            return;
        }
        String journaled = recovered.model().get();
        String now = modelOperations("resume").status(Deadline.after(timeout)).name();
        if (!now.equals(journaled)) {
            throw new RestoreRefusedException("the restore was journaled in model " + journaled + ", and this "
                    + "client's transport reaches model " + now, "resume through a transport on model " + journaled
                    + " (JujuCliTransport.builder().model(\"" + journaled + "\"), or --model " + journaled + ")");
        }
    }

    private RestoreReport execute(RestorePlan plan, int from, List<RestoreReport.StepOutcome> earlier,
                                  Optional<RestoreJournal> journal) {
        BiFunction<String, Deadline, HealthReport> health =
                (unit, deadline) -> HealthReport.parse(unit, transport.healthOutput(unit, deadline));
        RestoreExecutor executor = plan.path() == RestorePath.SSH
                ? new RestoreExecutor(hostOperations("restore over SSH"), health, timeout)
                : new RestoreExecutor(modelOperations("restore"), health, timeout);
        String operation = "restore into " + plan.targetApplication();
        long start = System.nanoTime();
        emit(new BackupEvent.Started(operation, Instant.now()));
        RestoreReport report = executor.run(plan, from, earlier, new RestoreExecutor.StepListener() {
            @Override
            public void started(int index, RestoreStep step) {
                journal.ifPresent(j -> j.started(index));
                emit(new BackupEvent.StepStarted(operation, step.title(), Instant.now()));
            }

            @Override
            public void ended(RestoreReport.StepOutcome outcome) {
                journal.ifPresent(j -> j.ended(outcome));
                if (outcome.error().isEmpty()) {
                    emit(new BackupEvent.StepCompleted(operation, outcome.step().title(), outcome.elapsed(),
                            Instant.now()));
                }
            }
        });
        if (report.completed()) {
            emit(new BackupEvent.Completed(operation, Duration.ofNanos(System.nanoTime() - start), Instant.now()));
        } else {
            report.failedStep().flatMap(RestoreReport.StepOutcome::error)
                    .ifPresent(e -> emit(new BackupEvent.Failed(operation, e,
                            Duration.ofNanos(System.nanoTime() - start), Instant.now())));
        }
        return report;
    }

    private ModelOperations modelOperations(String operation) {
        return transport.model().orElseThrow(() -> new UnsupportedByTransportException(operation,
                transport.name(), "etcd-backup-juju-cli-transport (JujuCliTransport.create())"));
    }

    private HostOperations hostOperations(String operation) {
        return transport.host().orElseThrow(() -> new UnsupportedByTransportException(operation,
                transport.name(), "etcd-backup-ssh-transport (SshTransport.builder())"));
    }

    /**
     * The transport and model this client works through and its deadline, e.g.
     * {@code EtcdBackupClient[transport=juju-cli, model=k8s, timeout=PT15M]}.
     */
    @Override
    public String toString() {
        return "EtcdBackupClient[transport=" + transport.name()
                + transport.modelName().map(m -> ", model=" + m).orElse("") + ", timeout=" + timeout + "]";
    }

    /** Closes the transport. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            transport.close();
        }
    }

    private <T> T run(String operation, Function<String, T> body) {
        if (closed.get()) {
            throw new IllegalStateException("This EtcdBackupClient is closed");
        }
        long start = System.nanoTime();
        emit(new BackupEvent.Started(operation, Instant.now()));
        try {
            T result = body.apply(operation);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            LOG.debug("{} completed in {} ms", operation, elapsed.toMillis());
            emit(new BackupEvent.Completed(operation, elapsed, Instant.now()));
            return result;
        } catch (RuntimeException e) {
            // One line per failure, with the library's message; the caller gets the exception itself.
            LOG.warn("{} failed: {}", operation, e.getMessage());
            emit(new BackupEvent.Failed(operation, e, Duration.ofNanos(System.nanoTime() - start), Instant.now()));
            throw e;
        }
    }

    private <T> T step(String operation, String step, Supplier<T> body) {
        long start = System.nanoTime();
        emit(new BackupEvent.StepStarted(operation, step, Instant.now()));
        T result = body.get();
        emit(new BackupEvent.StepCompleted(operation, step, Duration.ofNanos(System.nanoTime() - start),
                Instant.now()));
        return result;
    }

    private void emit(BackupEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            LOG.warn("Progress listener threw on {}; ignored", event, e);
        }
    }

    /** Builder for {@link EtcdBackupClient}. */
    public static final class Builder {
        private EtcdTransport transport;
        private Duration timeout = Duration.ofMinutes(DEFAULT_TIMEOUT_MINUTES);
        private ProgressListener listener = ProgressListener.noop();

        private Builder() {
        }

        /** The transport to reach the units through (required). The client closes it. */
        public Builder transport(EtcdTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * The per-operation deadline; finite and positive. Default
         * {@value EtcdBackupClient#DEFAULT_TIMEOUT_MINUTES} minutes.
         */
        public Builder timeout(Duration timeout) {
            this.timeout = InputValidation.positive("timeout", Objects.requireNonNull(timeout, "timeout"));
            return this;
        }

        /** Receives progress events; default none. */
        public Builder listener(ProgressListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Builds the client.
         *
         * @throws IllegalStateException if no transport was given
         */
        public EtcdBackupClient build() {
            if (transport == null) {
                throw new IllegalStateException("No transport configured. Add one of " + TRANSPORTS
                        + " to your dependencies and pass it to EtcdBackupClient.builder().transport(...)");
            }
            return new EtcdBackupClient(this);
        }
    }
}
