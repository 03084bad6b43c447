package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.spool.SpoolFiles;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.FileRanges;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.spi.HealthOutput;
import io.github.etcdbackup.spi.ModelOperations;
import io.github.etcdbackup.transport.jujucli.internal.ActionRun;
import io.github.etcdbackup.transport.jujucli.internal.JujuCli;
import io.github.etcdbackup.transport.jujucli.internal.JujuModelOperations;
import io.github.etcdbackup.transport.jujucli.internal.ProcessRunner;
import io.github.etcdbackup.transport.jujucli.internal.RemoteFiles;
import io.github.etcdbackup.transport.jujucli.internal.Tasks;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Drives the etcd charm through the local {@code juju} CLI, Juju 2.9 ({@code run-action}) or 3.x ({@code run}),
 * detected once from {@code juju version}. Snapshots and health run the charm's {@code snapshot} and {@code health}
 * actions; files are streamed with {@code juju ssh --pty=false UNIT -- sudo cat PATH}, or with {@code juju scp} into a
 * named pipe when sudo is refused (see {@link FileTransfer}); {@link #model()} runs the restore procedure's model
 * commands.
 *
 * <pre>{@code
 * try (EtcdBackupClient client = EtcdBackupClient.create(JujuCliTransport.builder().model("k8s").build())) {
 *     LocalSnapshot local = client.backup("etcd/0", Path.of("backups"));
 * }
 * }</pre>
 *
 * <p>Every call has a finite deadline: Juju gets an explicit {@code --wait} a little shorter than the deadline, and
 * the library kills the process tree when the deadline passes or the calling thread is interrupted. Thread-safe.
 * Logger: {@code io.github.etcdbackup.transport.jujucli} (argv at DEBUG, with {@code key=value} values hidden).
 */
public final class JujuCliTransport implements EtcdTransport {
    /** Default deadline of the calls that take none: {@link #version()} and {@link #showAction(String)}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
    /** Time the process gets beyond Juju's own {@code --wait} in {@link #runAction}, to print its timeout. */
    private static final Duration PROCESS_GRACE = Duration.ofSeconds(30);
    /** How many ranges' worth a {@code juju ssh} range session reads before it makes way for a new one. */
    private static final int SESSION_RANGES = 4;

    private final JujuCli cli;
    private final RemoteFiles files;
    private final JujuModelOperations modelOperations;
    private final Duration timeout;
    private final Optional<String> model;
    private final FileTransfer fileTransfer;
    private final Optional<ParallelReads> parallelReads;

    private JujuCliTransport(Builder builder) {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.putAll(builder.environment);
        this.cli = new JujuCli(new ProcessRunner(builder.executable, environment), builder.model);
        this.files = new RemoteFiles(cli, builder.fileTransfer, builder.spoolDirectory);
        this.modelOperations = new JujuModelOperations(cli);
        this.timeout = builder.timeout;
        this.model = Optional.ofNullable(builder.model);
        this.fileTransfer = builder.fileTransfer;
        this.parallelReads = builder.parallelReads;
    }

    /** {@code juju} from {@code PATH}, its current model, the inherited environment. */
    public static JujuCliTransport create() {
        return builder().build();
    }

    /** A builder with the defaults of {@link #create()}. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return ProcessRunner.TRANSPORT;
    }

    /**
     * The local Juju client's version; runs {@code juju version} on first use only.
     *
     * @throws TransportException   if {@code juju} cannot be run
     * @throws OutputParseException if it did not print a version
     */
    public JujuVersion version() {
        open();
        return cli.version(Deadline.after(timeout));
    }

    /**
     * Runs any charm action (for the etcd charm also {@code defrag}, {@code compact}, {@code alarm-list},
     * {@code alarm-disarm}) on units and waits for it up to {@code wait}. A failed task is returned, not thrown.
     *
     * @param units  units such as {@code etcd/0} or {@code etcd/leader}
     * @param params the action's parameters, passed as {@code key=value} (nested keys with dots)
     * @param wait   Juju's {@code --wait}; the process itself is stopped a little later
     * @return one result per task, ordered by application then unit number
     * @throws InvalidInputException     for a bad unit, action or parameter (no process is started)
     * @throws OperationTimeoutException if Juju stopped waiting, with the task id when Juju named it
     * @throws ActionFailedException     if Juju 3 reported a crashed task without printing its result
     * @throws TransportException        if {@code juju} failed or says a unit does not exist
     * @throws OutputParseException      if the output is not Juju's action output
     */
    public List<ActionResult> runAction(List<String> units, String action, Map<String, String> params,
                                        Duration wait) {
        open();
        Objects.requireNonNull(units, "units");
        Objects.requireNonNull(params, "params");
        InputValidation.positive("wait", wait);
        Deadline deadline = Deadline.after(wait.plus(PROCESS_GRACE));
        return cli.runAction(List.copyOf(units), action, params, wait, deadline, action + " " + units).tasks();
    }

    /**
     * The current state of an action or task: {@code show-action-output} (2.9) or {@code show-task} (3.x).
     *
     * @throws TransportException if Juju does not know the id
     */
    public ActionResult showAction(String actionId) {
        open();
        return cli.showAction(actionId, Deadline.after(timeout));
    }

    /**
     * Runs the charm's {@code snapshot} action with {@code keys-version} and {@code target} always explicit.
     *
     * @throws ActionFailedException if the task did not complete with return code 0, whatever juju's exit code
     */
    @Override
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        open();
        Objects.requireNonNull(request, "request");
        String operation = "snapshot " + request.unit();
        Map<String, String> params = new LinkedHashMap<>();
        params.put("keys-version", request.keysVersion().parameter());
        params.put("target", request.target());
        ActionRun run = cli.runAction(List.of(request.unit()), "snapshot", params, JujuCli.waitWithin(deadline),
                deadline, operation);
        ActionResult task = Tasks.single(run, request.unit());
        Tasks.requireSucceeded(task, request.unit());
        String path = task.result("snapshot.path").orElseThrow(() ->
                new OutputParseException("the snapshot action completed without a snapshot.path result",
                        run.rawOutput(), null));
        String sha256 = task.result("snapshot.sha256").orElseThrow(() ->
                new OutputParseException("the snapshot action completed without a snapshot.sha256 result",
                        run.rawOutput(), null));
        try {
            Snapshot.Builder snapshot = Snapshot.builder()
                    .unit(task.unit().orElse(request.unit()))
                    .actionId(task.id().orElse(null))
                    .remotePath(path)
                    .sha256(sha256)
                    .keysVersion(request.keysVersion());
            task.result("snapshot.size").ifPresent(snapshot::sizeTextOrUnknown);
            task.result("snapshot.version").ifPresent(snapshot::versionTextOrUnknown);
            return snapshot.build();
        } catch (InvalidInputException e) {
            // Values from a remote output are validated like user input; a bad one means the output is wrong. Size
            // and versions are informational: unreadable, they are recorded as unknown instead.
            throw new OutputParseException("the snapshot action reported an unacceptable value: " + e.getMessage(),
                    run.rawOutput(), e);
        }
    }

    /**
     * Streams the file the way chosen with {@link Builder#fileTransfer(FileTransfer)}: by default
     * {@code juju ssh [-m MODEL] --pty=false UNIT -- sudo cat 'PATH'} (or {@code sudo tail -c +N 'PATH'} from an
     * offset), and {@code juju scp} into a named pipe when sudo is refused before the first byte. The path is
     * single-quoted because the remote side runs it through a shell.
     *
     * @throws TransportException if {@code juju scp} failed before it started writing ({@link FileTransfer#SCP}; with
     *                            {@link FileTransfer#AUTO} the fallback's failure comes from {@code read})
     */
    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        open();
        InputValidation.unitOrLeader(unit);
        InputValidation.remotePath(remotePath);
        if (offset < 0) {
            throw new InvalidInputException("offset", Long.toString(offset), "must be >= 0");
        }
        return files.open(unit, remotePath, offset, deadline);
    }

    /**
     * The ranged reads this transport was built with ({@link Builder#parallelReads(int, long)}); none by default.
     * With {@link FileTransfer#AUTO}, only for a unit where {@code sudo -n true} runs through {@code juju ssh}
     * (asked once per unit while it succeeds): elsewhere the download is one stream, which falls back to scp as
     * {@code AUTO} promises, where every range would have failed on sudo.
     */
    @Override
    public Optional<ParallelReads> parallelReads(String unit, Deadline deadline) {
        if (parallelReads.isEmpty() || fileTransfer != FileTransfer.AUTO) {
            return parallelReads;
        }
        open();
        InputValidation.unitOrLeader(unit);
        return files.sudoRuns(unit, deadline) ? parallelReads : Optional.empty();
    }

    /**
     * {@code juju ssh [-m MODEL] --pty=false UNIT -- sudo dd if='PATH' bs=1M iflag=skip_bytes,count_bytes skip=N
     * count=L status=none}: one {@code juju ssh} process, and so one OpenSSH connection, per range.
     *
     * @throws io.github.etcdbackup.exception.UnsupportedByTransportException if the transport was built without
     *                                                                        parallel reads
     */
    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        open();
        if (parallelReads.isEmpty()) {
            return EtcdTransport.super.openRange(unit, remotePath, offset, length, deadline);
        }
        InputValidation.unitOrLeader(unit);
        InputValidation.remotePath(remotePath);
        if (offset < 0 || length < 0) {
            throw new InvalidInputException(offset < 0 ? "offset" : "length", Long.toString(Math.min(offset, length)),
                    "must be >= 0");
        }
        return files.openRange(unit, remotePath, offset, length, deadline);
    }

    /**
     * With parallel reads, the ranges of one download are read by {@code juju ssh} sessions, about one per stream:
     * {@code juju ssh [-m MODEL] --pty=false UNIT -- sudo sh -c SCRIPT}, where the script reads the ranges asked on
     * its stdin one after the other (Juju passes its stdin to OpenSSH) and says on stderr where each ended. A range
     * then costs one round trip instead of a {@code juju ssh} (a process, a controller login, a new OpenSSH
     * connection). A session makes way for a new one once it has read four ranges' worth: its spool file is freed
     * only once it ended and its ranges were read, so this bounds what waits on disk. Without parallel reads,
     * the default (each range its own {@link #openRange}).
     */
    @Override
    public FileRanges fileRanges(String unit, String remotePath) {
        if (parallelReads.isEmpty()) {
            return EtcdTransport.super.fileRanges(unit, remotePath);
        }
        open();
        InputValidation.unitOrLeader(unit);
        InputValidation.remotePath(remotePath);
        return files.fileRanges(unit, remotePath, SESSION_RANGES * parallelReads.get().rangeBytes());
    }

    /**
     * Runs the charm's {@code health} action and returns etcdctl's text: the {@code output} result (charm since
     * 2021) or {@code result-map.message} (older charms).
     */
    @Override
    public String healthOutput(String unit, Deadline deadline) {
        return healthOutputs(List.of(unit), deadline).get(0).output();
    }

    /**
     * One {@code run UNIT... health} (3.x; on 2.9 {@code run-action} and one {@code show-action-output} per task),
     * its tasks split per unit and named by the unit that ran them.
     */
    @Override
    public List<HealthOutput> healthOutputs(List<String> units, Deadline deadline) {
        open();
        String operation = "health " + String.join(", ", units);
        ActionRun run = cli.runAction(units, JujuModelOperations.HEALTH, Map.of(), JujuCli.waitWithin(deadline),
                deadline, operation);
        List<HealthOutput> answers = new ArrayList<>();
        for (ActionResult task : Tasks.perUnit(run, units)) {
            String unit = task.unit().orElseThrow();
            Tasks.requireSucceeded(task, unit);
            answers.add(new HealthOutput(unit, task.result("output")
                    .or(() -> task.result("result-map.message"))
                    .orElseThrow(() -> new OutputParseException(
                            "the health action completed on " + unit + " without an 'output' or 'result-map.message'"
                                    + " result", run.rawOutput(), null))));
        }
        return List.copyOf(answers);
    }

    /** Runs the core's listing script as root with {@code juju ssh UNIT -- sudo bash -c}. */
    @Override
    public List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        open();
        InputValidation.unit(unit);
        return UnitArchives.parseList(unit, directory,
                modelOperations.runAsRoot(unit, UnitArchives.listScript(directory), deadline));
    }

    /** Runs the core's removal script as root with {@code juju ssh UNIT -- sudo bash -c}. */
    @Override
    public boolean removeArchive(String unit, String remotePath, Optional<String> sha256, Deadline deadline) {
        open();
        InputValidation.unit(unit);
        return UnitArchives.parseRemoved(unit, remotePath,
                modelOperations.runAsRoot(unit, UnitArchives.removeScript(remotePath, sha256), deadline));
    }

    /** Status, deploy, attach-resource, integrate, add-unit, remove-application, config and restore. */
    @Override
    public Optional<ModelOperations> model() {
        return Optional.of(modelOperations);
    }

    /** The model given to the builder; empty when the transport uses Juju's current model. */
    @Override
    public Optional<String> modelName() {
        return model;
    }

    /**
     * Kills every {@code juju} process still running (calls in flight end with {@link TransportException}, open
     * file streams with an {@code IOException}); later calls throw {@link TransportException}. Idempotent.
     */
    @Override
    public void close() {
        cli.runner().close();
    }

    /**
     * The executable, model and file transfer, e.g. {@code JujuCliTransport[juju=juju, model=k8s, fileTransfer=AUTO]}.
     * The builder's environment is left out: its values may hold credentials.
     */
    @Override
    public String toString() {
        return "JujuCliTransport[juju=" + cli.runner().executable() + ", model=" + model.orElse("(current)")
                + ", fileTransfer=" + fileTransfer + "]";
    }

    private void open() {
        cli.runner().requireOpen();
    }

    /** Builder for {@link JujuCliTransport}. */
    public static final class Builder {
        private String executable = "juju";
        private String model;
        private final Map<String, String> environment = new HashMap<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private FileTransfer fileTransfer = FileTransfer.AUTO;
        private Optional<ParallelReads> parallelReads = Optional.empty();
        private Path spoolDirectory = Path.of(System.getProperty("java.io.tmpdir"));

        private Builder() {
        }

        /**
         * The {@code juju} executable; default {@code juju} looked up on {@code PATH}.
         *
         * @throws InvalidInputException if the path is empty, or names a directory or a file that cannot be run
         *                               (a path that does not exist yet is checked when {@code juju} first runs)
         */
        public Builder executable(Path executable) {
            String path = Objects.requireNonNull(executable, "executable").toString();
            if (path.isBlank()) {
                throw new InvalidInputException("juju executable", path, "empty: give the path of the juju binary "
                        + "(e.g. /snap/bin/juju), or leave the default, juju looked up on PATH");
            }
            if (Files.isDirectory(executable)) {
                throw new InvalidInputException("juju executable", path, "a directory, not the juju binary; "
                        + "e.g. /snap/bin/juju");
            }
            if (Files.exists(executable) && !Files.isExecutable(executable)) {
                throw new InvalidInputException("juju executable", path, "not executable by this user (chmod +x it, "
                        + "or give the path of the juju binary itself)");
            }
            this.executable = path;
            return this;
        }

        /**
         * The model, passed as {@code -m MODEL} on every model command ({@code [controller:][owner/]model});
         * default: Juju's current model.
         *
         * @throws InvalidInputException if it is not a model name
         */
        public Builder model(String model) {
            this.model = JujuCli.validModel(model);
            return this;
        }

        /**
         * Variables added to, or replacing, the inherited environment of every {@code juju} process, e.g.
         * {@code JUJU_DATA}. Values are never logged.
         */
        public Builder environment(Map<String, String> environment) {
            Objects.requireNonNull(environment, "environment").forEach((key, value) -> {
                if (key == null || key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0
                        || value == null || value.indexOf('\0') >= 0) {
                    throw new InvalidInputException("environment variable", key, "needs a name without '=' or NUL"
                            + " and a value without NUL");
                }
            });
            this.environment.putAll(environment);
            return this;
        }

        /** The deadline of calls that take none ({@link #version()}, {@link #showAction(String)}); default 2 min. */
        public Builder timeout(Duration timeout) {
            this.timeout = InputValidation.positive("timeout", Objects.requireNonNull(timeout, "timeout"));
            return this;
        }

        /**
         * How files are streamed from the units; default {@link FileTransfer#AUTO} ({@code sudo cat} over
         * {@code juju ssh}, {@code juju scp} when sudo is refused).
         */
        public Builder fileTransfer(FileTransfer fileTransfer) {
            this.fileTransfer = Objects.requireNonNull(fileTransfer, "fileTransfer");
            return this;
        }

        /**
         * Downloads archives larger than two ranges as {@code streams} ranges of {@code rangeBytes} at a time, read by
         * {@code juju ssh ... sudo sh -c SCRIPT} sessions (one per stream, each its own OpenSSH connection, reading
         * range after range: {@link JujuCliTransport#fileRanges}), handed to the verified download in file order
         * (one-pass SHA-256, resume and every check unchanged). Off by default ({@code streams} 1): it pays where one
         * connection's window caps the speed, as from another region (OpenSSH's 2 MiB window gives about 40 MB/s at
         * 50 ms), and costs a connection per stream everywhere. Every range needs passwordless sudo, as
         * {@link FileTransfer#SSH_CAT} does: with {@code SSH_CAT} a unit that refuses sudo fails the download; with
         * {@link FileTransfer#AUTO} ranges are used only on units where {@code sudo -n true} runs (one more
         * {@code juju ssh}), and elsewhere the file is one stream with its scp fallback. Each session writes its
         * ranges into a file of the {@link #spoolDirectory(Path)}, where they wait for their turn: ranges cost disk
         * there (a session's file is freed once the session ended and its ranges were read: up to about
         * {@code 5 x streams x rangeBytes} at once), not heap. Suggested: 4 streams of 64 MiB.
         *
         * @throws InvalidInputException if {@code streams} is not 1 to {@value ParallelReads#MAX_STREAMS}, the range
         *                               is out of {@link ParallelReads}'s bounds, or files go through
         *                               {@link FileTransfer#SCP}, which cannot start at an offset
         */
        public Builder parallelReads(int streams, long rangeBytes) {
            this.parallelReads = ParallelReads.orOneStream(streams, rangeBytes).map(ParallelReads::asSpooled);
            return this;
        }

        /**
         * Where the ranges of {@link #parallelReads(int, long)} wait for their turn; default {@code java.io.tmpdir}.
         * Each range is a file in a new owner-only directory, unlinked as soon as its process holds it, so nothing is
         * left there whatever happens. A directory that others can write to without the sticky bit is refused when a
         * range starts ({@link io.github.etcdbackup.exception.LocalStorageException}).
         *
         * @throws InvalidInputException if it is not an existing directory
         */
        public Builder spoolDirectory(Path spoolDirectory) {
            this.spoolDirectory = SpoolFiles.directory(Objects.requireNonNull(spoolDirectory, "spoolDirectory"));
            return this;
        }

        /** Builds the transport; nothing runs until the first call. */
        public JujuCliTransport build() {
            if (parallelReads.isPresent() && fileTransfer == FileTransfer.SCP) {
                throw new InvalidInputException("parallel reads", parallelReads.get().toString(), "need juju ssh "
                        + "(FileTransfer.SSH_CAT or AUTO): scp copies whole files and cannot read a range");
            }
            return new JujuCliTransport(this);
        }
    }
}
