package io.github.etcdbackup.transport.ssh.internal;

import io.github.etcdbackup.internal.common.Shell;
import io.github.etcdbackup.exception.EtcdBackupException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.exception.OperationInterruptedException;
import io.github.etcdbackup.exception.OperationTimeoutException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.unit.UnitArchives;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.transport.ssh.UnitLayout;
import net.schmizz.sshj.connection.channel.direct.Session;

import java.io.IOException;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the SSH transport does on a unit: the snapshot script, the file stream, the health script, and the restore
 * steps ({@link SshHostOperations}). The public
 * {@code SshTransport} validates its builder and delegates here, so that no sshj type is ever in its signatures.
 */
public final class SshUnitOperations implements AutoCloseable {
    private static final int RANGE_SESSIONS_PER_UNIT = 6;
    private final Map<String, String> hosts;
    private final int rangeWindow;
    private final Map<String, UnitLayout> layouts;
    private final UnitLayout defaultLayout;
    private final boolean sudo;
    private final String user;
    private final int port;
    private final RemoteExec exec;
    private final SshHostOperations host;
    /**
     * Range reads in progress per unit, in a fair queue: fewer than sshd's default {@code MaxSessions} (10), so that
     * the parallel reads of several downloads at once neither starve each other in the retries of refused sessions
     * nor take every session from the unit's other calls.
     */
    private final Map<String, Semaphore> rangeSessions = new ConcurrentHashMap<>();

    /**
     * @param settings      how to connect and log in
     * @param hosts         unit name to address
     * @param layouts       per-unit layouts that replace {@code defaultLayout}
     * @param defaultLayout the layout of every other unit
     * @param sudo          whether remote commands run through {@code sudo -n}
     * @param rangeWindow   the SSH window of each range's channel ({@link #openRange}); other channels advertise the
     *                      settings' receive window
     */
    public SshUnitOperations(SshSettings settings, Map<String, String> hosts, Map<String, UnitLayout> layouts,
                             UnitLayout defaultLayout, boolean sudo, int rangeWindow) {
        this.hosts = Map.copyOf(hosts);
        this.layouts = Map.copyOf(layouts);
        this.defaultLayout = defaultLayout;
        this.sudo = sudo;
        this.user = settings.user();
        this.port = settings.port();
        this.rangeWindow = rangeWindow;
        this.exec = new RemoteExec(new UnitConnections(new SshConnector(settings)::connect, this.hosts));
        this.host = new SshHostOperations(this, exec);
    }

    /** The restore steps on the units. */
    public HostOperations host() {
        return host;
    }

    /** Runs the snapshot script on the unit and reports what it printed, as the charm's action would. */
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        String unit = knownUnit(request.unit());
        UnitLayout layout = layout(unit);
        // The request's default target is the charm's; a unit with another layout keeps snapshots where it says.
        String target = request.target().equals(SnapshotRequest.DEFAULT_TARGET) ? layout.snapshotDir()
                : InputValidation.remotePath(request.target());
        String operation = "snapshot " + request.keysVersion().parameter() + " of " + unit;
        ExecResult result = exec.run(unit, shell(Scripts.snapshot(layout, request.keysVersion(), target)), deadline,
                operation);
        if (!result.succeeded()) {
            throw failure(unit, operation, result, layout);
        }
        return SnapshotOutput.parse(unit, request.keysVersion(), result);
    }

    /** Streams {@code remotePath} from {@code offset} with {@code cat} or {@code tail -c}, through sudo if set. */
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        knownUnit(unit);
        String path = InputValidation.remotePath(remotePath);
        requireNotNegative("offset", offset);
        return stream(unit, Scripts.readFile(path, offset), "read " + unit + ":" + path + " from byte " + offset,
                deadline);
    }

    /** Streams {@code length} bytes of {@code remotePath} from {@code offset} with {@code dd}, through sudo if set. */
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        knownUnit(unit);
        String path = InputValidation.remotePath(remotePath);
        requireNotNegative("offset", offset);
        requireNotNegative("length", length);
        String operation = "read " + unit + ":" + path + " bytes " + offset + " to " + (offset + length);
        Semaphore sessions = rangeSessions.computeIfAbsent(unit, u -> new Semaphore(RANGE_SESSIONS_PER_UNIT, true));
        try {
            if (!sessions.tryAcquire(Math.max(0, deadline.remaining().toNanos()), TimeUnit.NANOSECONDS)) {
                throw new OperationTimeoutException(operation + " (waiting for one of the " + RANGE_SESSIONS_PER_UNIT
                        + " range sessions of " + unit + ")", deadline.timeout(), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationInterruptedException(operation, e);
        }
        try {
            String script = UnitArchives.readRangeScript(path, offset, length);
            return new ReleasingStream(stream(unit, script, operation, deadline, rangeWindow), sessions);
        } catch (RuntimeException e) {
            sessions.release();
            throw e;
        }
    }

    /** A range's stream that gives its session back to the unit's range sessions once, on close. */
    private static final class ReleasingStream extends FilterInputStream {
        private final Semaphore sessions;
        private final AtomicBoolean released = new AtomicBoolean();

        ReleasingStream(InputStream in, Semaphore sessions) {
            super(in);
            this.sessions = sessions;
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } finally {
                if (released.compareAndSet(false, true)) {
                    sessions.release();
                }
            }
        }
    }

    /** The round trip to the unit on its connection, which is opened if need be. */
    public Duration roundTrip(String unit, Deadline deadline) {
        return exec.connections().roundTrip(knownUnit(unit), deadline);
    }

    private static void requireNotNegative(String what, long value) {
        if (value < 0) {
            throw new InvalidInputException(what, Long.toString(value), "must be >= 0");
        }
    }

    /** Runs {@code script} on a session of its own and gives its stdout, which ends only on the script's success. */
    private InputStream stream(String unit, String script, String operation, Deadline deadline) {
        return stream(unit, script, operation, deadline, 0);
    }

    /** As {@link #stream(String, String, String, Deadline)}, on a channel of {@code window} bytes (0: the usual). */
    private InputStream stream(String unit, String script, String operation, Deadline deadline, int window) {
        deadline.check(operation);
        UnitSession channel = exec.connections().openSession(unit, deadline, operation, window);
        Session session = channel.session();
        try {
            Session.Command process = channel.exec(command(script), deadline, exec.drainers());
            Future<String> stderr = exec.drainers().submit(() -> RemoteExec.drain(process.getErrorStream(), true));
            return new RemoteFileStream(channel, process, stderr, deadline, operation, exec.drainers());
        } catch (IOException | RuntimeException e) {
            Closing.quietly(session);
            if (Interrupts.caused(e)) {
                throw new OperationInterruptedException(operation, e);
            }
            if (deadline.expired()) {
                throw new OperationTimeoutException(operation, deadline.timeout(), null, e);
            }
            throw new TransportException(TransportName.SSH, "Cannot start " + operation + ": " + e.getMessage(), e);
        }
    }

    /** The raw etcdctl health text of the unit's cluster. */
    public String healthOutput(String unit, Deadline deadline) {
        String known = knownUnit(unit);
        UnitLayout layout = layout(known);
        String operation = "health of " + known;
        ExecResult result = exec.run(known, shell(Scripts.health(layout)), deadline, operation);
        if (!result.succeeded()) {
            throw failure(known, operation, result, layout);
        }
        return result.stdout();
    }

    /**
     * The charm's archives in a directory of the unit, listed as root when sudo is on. The default target means the
     * unit layout's snapshot directory, as for {@link #takeSnapshot}.
     */
    public List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        String known = knownUnit(unit);
        String listed = directory.equals(SnapshotRequest.DEFAULT_TARGET) ? layout(known).snapshotDir() : directory;
        String operation = "list archives in " + known + ":" + listed;
        ExecResult result = exec.run(known, shell(UnitArchives.listScript(listed)), deadline, operation);
        if (!result.succeeded()) {
            throw failure(known, operation, result, layout(known));
        }
        return UnitArchives.parseList(known, listed, result.stdout());
    }

    /** Removes one archive from the unit, as root when sudo is on; false when it was not there. */
    public boolean removeArchive(String unit, String remotePath, Optional<String> sha256, Deadline deadline) {
        String known = knownUnit(unit);
        String operation = "remove " + known + ":" + remotePath;
        ExecResult result = exec.run(known, shell(UnitArchives.removeScript(remotePath, sha256)), deadline, operation);
        if (!result.succeeded()) {
            throw failure(known, operation, result, layout(known));
        }
        return UnitArchives.parseRemoved(known, remotePath, result.stdout());
    }

    @Override
    public void close() {
        exec.connections().close();
        exec.close();
    }

    EtcdBackupException failure(String unit, String operation, ExecResult result, UnitLayout layout) {
        return CommandFailures.of(unit, operation, result, layout, user, sudo);
    }

    String knownUnit(String unit) {
        InputValidation.unitOrLeader(unit);
        if (unit.endsWith("/leader")) {
            throw new InvalidInputException("unit", unit, "the SSH transport cannot ask Juju who leads; name a unit"
                    + " such as " + unit.replace("/leader", "/0"));
        }
        if (!hosts.containsKey(unit)) {
            throw new InvalidInputException("unit", unit, "no address was given for this unit; add"
                    + " unitAddress(\"" + unit + "\", host) to the builder (known: " + hosts.keySet() + ")");
        }
        return unit;
    }

    /** The unit's address; empty for a unit without one. */
    Optional<String> address(String unit) {
        return Optional.ofNullable(hosts.get(unit));
    }

    /** {@code ssh -p PORT USER@HOST}, for printed commands. */
    String sshPrefix(String unit) {
        return "ssh -p " + port + " " + user + "@" + hosts.get(knownUnit(unit));
    }

    UnitLayout layout(String unit) {
        return layouts.getOrDefault(unit, defaultLayout);
    }

    /** A script for {@code sh -c}, as root through {@code sudo -n} (never prompts) when sudo is on. */
    String shell(String script) {
        return command("sh -c " + Shell.quoteAlways(script));
    }

    /** The command line as it runs on the unit: through {@code sudo -n} when sudo is on. */
    String command(String commandLine) {
        return sudo ? "sudo -n " + commandLine : commandLine;
    }

    /** Reads the snapshot script's key lines; anything missing is an {@link OutputParseException}. */
    static final class SnapshotOutput {
        private SnapshotOutput() {
        }

        static Snapshot parse(String unit, KeysVersion keys, ExecResult result) {
            String path = null;
            String sha256 = null;
            String size = "";
            StringBuilder versionLines = new StringBuilder();
            for (String line : result.stdout().split("\\R")) {
                if (line.startsWith(Scripts.PATH_KEY)) {
                    path = line.substring(Scripts.PATH_KEY.length());
                } else if (line.startsWith(Scripts.SHA256_KEY)) {
                    sha256 = line.substring(Scripts.SHA256_KEY.length());
                } else if (line.startsWith(Scripts.SIZE_KEY)) {
                    size = line.substring(Scripts.SIZE_KEY.length());
                } else {
                    versionLines.append(line).append('\n');
                }
            }
            if (path == null || sha256 == null) {
                throw new OutputParseException("The snapshot script on " + unit + " did not print the archive's path"
                        + " and SHA-256", result.stdout(), null);
            }
            // Size and versions are informational: unreadable (another locale, an odd etcdctl), they are recorded
            // as unknown; the path and SHA-256 are not.
            return Snapshot.builder().unit(unit).remotePath(path).sha256(sha256).sizeTextOrUnknown(size)
                    .versionTextOrUnknown(versionLines.toString()).keysVersion(keys).build();
        }
    }
}
