package io.github.etcdbackup.transport.ssh;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.Snapshot;
import io.github.etcdbackup.SnapshotRequest;
import io.github.etcdbackup.UnitArchive;
import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.spool.SpoolFiles;
import io.github.etcdbackup.internal.spool.SpoolingRangeStream;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.EtcdTransport;
import io.github.etcdbackup.spi.HostOperations;
import io.github.etcdbackup.spi.ParallelReads;
import io.github.etcdbackup.transport.ssh.internal.SshSettings;
import io.github.etcdbackup.transport.ssh.internal.SshUnitOperations;
import io.github.etcdbackup.transport.ssh.internal.TransportName;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reaches the etcd units straight over SSH, for when the Juju controller is down: runs etcdctl on each unit with the
 * charm's layout (as root through {@code sudo -n} by default), streams archives with {@code cat}, and checks health.
 *
 * <pre>{@code
 * EtcdTransport ssh = SshTransport.builder()
 *         .unitAddress("etcd/0", "10.0.0.5")
 *         .user("ubuntu")
 *         .privateKey(Path.of(System.getProperty("user.home"), ".local/share/juju/ssh/juju_id_rsa"))
 *         .build();
 * try (EtcdBackupClient client = EtcdBackupClient.create(ssh)) {
 *     LocalSnapshot backup = client.backup("etcd/0", Path.of("backups"));
 * }
 * }</pre>
 *
 * <p>Host keys are checked against {@code ~/.ssh/known_hosts} unless {@link Builder#knownHosts(Path)} names another
 * file; an unknown or changed key fails with a {@code TransportException} that prints the key's fingerprint and the
 * line to trust it. One connection per unit is opened on first use and shared by all threads; {@link #close()}
 * closes them. Thread-safe.
 */
public final class SshTransport implements EtcdTransport {
    private final SshUnitOperations operations;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Optional<ParallelReads> parallelReads;
    private final Duration parallelReadsFrom;
    private final Path spoolDirectory;

    private SshTransport(SshUnitOperations operations, String description, Optional<ParallelReads> parallelReads,
                         Duration parallelReadsFrom, Path spoolDirectory) {
        this.parallelReads = parallelReads;
        this.parallelReadsFrom = parallelReadsFrom;
        this.spoolDirectory = spoolDirectory;
        this.operations = operations;
        this.description = description;
    }

    /** A new builder; at least one {@link Builder#unitAddress(String, String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code ssh}. */
    @Override
    public String name() {
        return TransportName.SSH;
    }

    /**
     * Runs {@code etcdctl snapshot save} (v3) or {@code etcdctl backup} (v2) on the unit and packs the result like
     * the charm's snapshot action. A request that keeps the default target writes to the unit layout's
     * {@link UnitLayout#snapshotDir() snapshot directory}.
     */
    @Override
    public Snapshot takeSnapshot(SnapshotRequest request, Deadline deadline) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(deadline, "deadline");
        return operations.takeSnapshot(request, deadline);
    }

    @Override
    public InputStream openFile(String unit, String remotePath, long offset, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        return operations.openFile(unit, remotePath, offset, deadline);
    }

    /**
     * The ranged reads this transport was built with ({@link Builder#parallelReads(int, long)}) for a unit at least
     * {@link Builder#parallelReadsFrom(Duration)} away, measured on its connection (opened if need be) once per
     * connection; none for a nearer unit, where one stream's window is not the limit.
     */
    @Override
    public Optional<ParallelReads> parallelReads(String unit, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        if (parallelReads.isEmpty() || parallelReadsFrom.isZero()) {
            return parallelReads;
        }
        Duration roundTrip = operations.roundTrip(unit, deadline);
        return roundTrip.compareTo(parallelReadsFrom) >= 0 ? parallelReads : Optional.empty();
    }

    /**
     * {@code dd} of the range on the unit, on a channel of its own over the unit's one connection, copied into a file
     * of the {@link Builder#spoolDirectory(Path) spool directory} as it arrives ({@link SpoolingRangeStream}).
     */
    @Override
    public InputStream openRange(String unit, String remotePath, long offset, long length, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        InputStream range = operations.openRange(unit, remotePath, offset, length, deadline);
        return SpoolingRangeStream.of(range, length, spoolDirectory, unit + ":" + remotePath + " bytes " + offset + " to "
                + (offset + length), deadline);
    }

    @Override
    public String healthOutput(String unit, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        return operations.healthOutput(unit, deadline);
    }

    @Override
    public List<UnitArchive> listArchives(String unit, String directory, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        InputValidation.remotePath(directory);
        return operations.listArchives(unit, directory, deadline);
    }

    @Override
    public boolean removeArchive(String unit, String remotePath, Optional<String> sha256, Deadline deadline) {
        Objects.requireNonNull(deadline, "deadline");
        return operations.removeArchive(unit, remotePath, sha256, deadline);
    }

    /**
     * The restore steps on the units themselves: stop and start the etcd service, upload an archive, restore it as
     * the data dir (the old member directory is moved aside, never deleted).
     */
    @Override
    public Optional<HostOperations> host() {
        return Optional.of(operations.host());
    }

    /**
     * The units' addresses, login, port and jump host, e.g.
     * {@code SshTransport[units={etcd/0=10.0.0.5}, user=ubuntu, port=22, jumpHost=none, hostKeys=checked]}. Nothing
     * about the private key: neither its passphrase nor where it lies.
     */
    @Override
    public String toString() {
        return description;
    }

    /** Closes every SSH connection. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            operations.close();
        }
    }

    /**
     * Builder for {@link SshTransport}. Every value is checked when it is given, so a hostile unit name, host or
     * path fails here with an {@code InvalidInputException}, long before any connection.
     */
    public static final class Builder {
        /** Default for {@link #connectTimeout(Duration)}. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
        /** Default of {@link #parallelReadsFrom(Duration)}: 5 ms, far beyond a LAN, well below another region. */
        public static final Duration DEFAULT_PARALLEL_READS_FROM = Duration.ofMillis(5);
        /** Default streams of {@link #parallelReads(int, long)}. */
        public static final int DEFAULT_PARALLEL_STREAMS = 4;
        /**
         * Default range of {@link #parallelReads(int, long)}: 64 MiB, many round trips' worth even far away, and few
         * channel openings (each costs two round trips in which its stream carries nothing).
         */
        public static final long DEFAULT_RANGE_BYTES = 64L * 1024 * 1024;
        /** The smallest {@link #receiveWindow(int)}: sshj's and OpenSSH's own, 2 MiB. */
        public static final int MIN_RECEIVE_WINDOW = 2 * 1024 * 1024;
        /** The largest {@link #receiveWindow(int)}: 256 MiB. */
        public static final int MAX_RECEIVE_WINDOW = 256 * 1024 * 1024;
        private static final int LARGEST_DEFAULT_WINDOW = 16 * 1024 * 1024;

        private final Map<String, String> addresses = new LinkedHashMap<>();
        private final Map<String, UnitLayout> unitLayouts = new LinkedHashMap<>();
        private int port = 22;
        private String user = "ubuntu";
        private Path privateKey;
        private char[] passphrase;
        private Path knownHosts = Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
        private JumpHost jumpHost;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private boolean useSudo = true;
        private UnitLayout layout = UnitLayout.charm();
        private boolean acceptAnyHostKey;
        private int receiveWindow = defaultReceiveWindow(Runtime.getRuntime().maxMemory());
        private Optional<ParallelReads> parallelReads = Optional.of(
                new ParallelReads(DEFAULT_PARALLEL_STREAMS, DEFAULT_RANGE_BYTES, true));
        private Duration parallelReadsFrom = DEFAULT_PARALLEL_READS_FROM;
        private Path spoolDirectory = Path.of(System.getProperty("java.io.tmpdir"));

        private Builder() {
        }

        /** The address (host name or IP) of a unit, e.g. {@code unitAddress("etcd/0", "10.0.0.5")}. */
        public Builder unitAddress(String unit, String host) {
            addresses.put(InputValidation.unit(unit), SshNames.host(host));
            return this;
        }

        /** Several {@link #unitAddress(String, String)} at once, unit name to host. */
        public Builder unitAddresses(Map<String, String> unitToHost) {
            Objects.requireNonNull(unitToHost, "unitToHost").forEach(this::unitAddress);
            return this;
        }

        /** The units' SSH port; default 22. */
        public Builder port(int port) {
            this.port = SshNames.port(port);
            return this;
        }

        /** The login on the units; default {@code ubuntu} (the user Juju creates). */
        public Builder user(String user) {
            this.user = SshNames.user(user);
            return this;
        }

        /**
         * The private key to log in with (OpenSSH, PEM or PuTTY format). Default: the first of
         * {@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa} that exist. Juju's own key is
         * {@code ~/.local/share/juju/ssh/juju_id_rsa}.
         */
        public Builder privateKey(Path privateKey) {
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
            this.passphrase = null;
            return this;
        }

        /**
         * An encrypted private key and its passphrase. The array is copied (clear yours afterwards); the passphrase
         * is never logged nor put in a message.
         */
        public Builder privateKey(Path privateKey, char[] passphrase) {
            this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
            this.passphrase = Objects.requireNonNull(passphrase, "passphrase").clone();
            return this;
        }

        /** The OpenSSH known_hosts file host keys are checked against; default {@code ~/.ssh/known_hosts}. */
        public Builder knownHosts(Path knownHosts) {
            this.knownHosts = Objects.requireNonNull(knownHosts, "knownHosts");
            return this;
        }

        /** Go through a bastion (like {@code ssh -J}); it uses the same key and known_hosts file. */
        public Builder jumpHost(JumpHost jumpHost) {
            this.jumpHost = Objects.requireNonNull(jumpHost, "jumpHost");
            return this;
        }

        /** Go through the bastion {@code user@host:port}. */
        public Builder jumpHost(String host, int port, String user) {
            return jumpHost(new JumpHost(host, port, user));
        }

        /**
         * Bound on opening a connection: TCP connect, key exchange and login. Default
         * {@link #DEFAULT_CONNECT_TIMEOUT}. Each call is also bounded by its own deadline.
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = InputValidation.positive("connect timeout",
                    Objects.requireNonNull(connectTimeout, "connectTimeout"));
            return this;
        }

        /**
         * Whether commands run as root through {@code sudo -n} (never prompting). Default {@code true}: the charm's
         * certificate directory is readable by root only since 2023.
         */
        public Builder useSudo(boolean useSudo) {
            this.useSudo = useSudo;
            return this;
        }

        /** The layout of every unit without a layout of its own; default {@link UnitLayout#charm()}. */
        public Builder unitLayout(UnitLayout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** The layout of one unit (e.g. another endpoint or root), replacing the default for it. */
        public Builder unitLayout(String unit, UnitLayout layout) {
            unitLayouts.put(InputValidation.unit(unit), Objects.requireNonNull(layout, "layout"));
            return this;
        }

        /**
         * Accept any host key without checking it. This removes SSH's protection against a machine in the middle;
         * use it only on a throw-away network. Each accepted key is logged at WARN with its fingerprint.
         */
        public Builder insecureAcceptAnyHostKey() {
            this.acceptAnyHostKey = true;
            return this;
        }

        /**
         * The SSH window of each channel: how many bytes a unit may send before it hears that they were read. One
         * channel carries at most window / round trip (2 MiB at 50 ms: 40 MB/s), so a far unit needs a larger one.
         * Default: a 64th of the heap, between {@value #MIN_RECEIVE_WINDOW} and 16 MiB (16 MiB from a 1 GiB heap;
         * each open channel may buffer that much when its reader falls behind).
         *
         * @throws InvalidInputException if it is outside {@value #MIN_RECEIVE_WINDOW} to {@value #MAX_RECEIVE_WINDOW}
         */
        public Builder receiveWindow(int bytes) {
            if (bytes < MIN_RECEIVE_WINDOW || bytes > MAX_RECEIVE_WINDOW) {
                throw new InvalidInputException("receive window", Integer.toString(bytes), "must be "
                        + MIN_RECEIVE_WINDOW + " to " + MAX_RECEIVE_WINDOW + " bytes");
            }
            this.receiveWindow = bytes;
            return this;
        }

        /**
         * How an archive is downloaded: {@code streams} ranges of {@code rangeBytes} at a time, each a {@code dd} on
         * its own channel of the unit's one connection, handed to the verified download in file order (one-pass
         * SHA-256, resume and every check unchanged). Several channels fill a link one channel's window cannot, as
         * from another region. {@code parallelReads(1, ...)} reads every file as one {@code cat} stream. Default
         * {@value #DEFAULT_PARALLEL_STREAMS} streams of 64 MiB, used for archives larger than two ranges on units at
         * least {@link #parallelReadsFrom(Duration)} away. A range that arrived before its turn waits in the
         * {@link #spoolDirectory(Path) spool directory}, not in heap. Each stream is an SSH session: keep it under the
         * units' sshd {@code MaxSessions} (10 by default), less what else runs at the same time.
         *
         * @throws InvalidInputException if {@code streams} is not 1 to {@value ParallelReads#MAX_STREAMS}, or the range
         *                               is out of {@link ParallelReads}'s bounds
         */
        public Builder parallelReads(int streams, long rangeBytes) {
            this.parallelReads = ParallelReads.orOneStream(streams, rangeBytes).map(ParallelReads::asSpooled);
            return this;
        }

        /**
         * Where the ranges of {@link #parallelReads(int, long)} wait for their turn; default {@code java.io.tmpdir}.
         * Each range is copied into a file of a new owner-only directory there, unlinked as soon as it is open, so
         * nothing is left there whatever happens; a download takes up to {@code 2 x streams x rangeBytes} of it at
         * once. A directory that others can write to without the sticky bit is refused when a range starts
         * ({@link io.github.etcdbackup.exception.LocalStorageException}).
         *
         * @throws InvalidInputException if it is not an existing directory
         */
        public Builder spoolDirectory(Path spoolDirectory) {
            this.spoolDirectory = SpoolFiles.directory(Objects.requireNonNull(spoolDirectory, "spoolDirectory"));
            return this;
        }

        /**
         * From which round trip to a unit its archives are read in parallel ranges: measured once per connection to
         * the unit, the lesser of two requests on it. Default {@link #DEFAULT_PARALLEL_READS_FROM}: nearer, one
         * stream with a 16 MiB window already carries hundreds of MB/s, and ranges would only cost channels and
         * memory. {@code Duration.ZERO}: always.
         *
         * @throws InvalidInputException if it is negative
         */
        public Builder parallelReadsFrom(Duration roundTrip) {
            Objects.requireNonNull(roundTrip, "roundTrip");
            if (roundTrip.isNegative()) {
                throw new InvalidInputException("parallel reads round trip", roundTrip.toString(), "must be >= 0");
            }
            this.parallelReadsFrom = roundTrip;
            return this;
        }

        /**
         * The window of each range's channel: the receive window shared by the streams, at least the SSH default, so
         * that a download in ranges lets the unit send about as much ahead as one stream would. Measured over a 50 ms,
         * 1 Gbit/s link (benchmark 9): four ranges with 16 MiB windows each kept the link's queue full (64 MiB
         * allowed ahead for 6 MB of link) and carried 80 to 90 MB/s; with 4 MiB each, 99 to 104.
         */
        static int rangeWindow(int receiveWindow, Optional<ParallelReads> parallelReads) {
            return parallelReads.map(reads -> Math.max(MIN_RECEIVE_WINDOW, receiveWindow / reads.streams()))
                    .orElse(receiveWindow);
        }

        /** A 64th of the heap, between the SSH default and 16 MiB. */
        static int defaultReceiveWindow(long maxHeap) {
            return (int) Math.max(MIN_RECEIVE_WINDOW, Math.min(LARGEST_DEFAULT_WINDOW, maxHeap / 64));
        }

        /**
         * Builds the transport. No connection is opened yet.
         *
         * @throws InvalidInputException if no unit address was given, or a unit layout names a unit without one
         */
        public SshTransport build() {
            if (addresses.isEmpty()) {
                throw new InvalidInputException("unit addresses", "", "none given: add unitAddress(\"etcd/0\", "
                        + "\"10.0.0.5\") for each unit (juju status etcd shows them while the controller is up; keep "
                        + "a copy)");
            }
            for (String unit : unitLayouts.keySet()) {
                if (!addresses.containsKey(unit)) {
                    throw new InvalidInputException("unit layout", unit, "names a unit without a unitAddress");
                }
            }
            Optional<SshSettings.Jump> jump = Optional.ofNullable(jumpHost)
                    .map(j -> new SshSettings.Jump(j.host(), j.port(), j.user()));
            SshSettings settings = new SshSettings(port, user, Optional.ofNullable(privateKey),
                    passphrase == null ? null : Arrays.copyOf(passphrase, passphrase.length), knownHosts,
                    acceptAnyHostKey, connectTimeout, jump, receiveWindow);
            String description = "SshTransport[units=" + addresses + ", user=" + user + ", port=" + port
                    + ", jumpHost=" + (jumpHost == null ? "none" : jumpHost.user() + "@" + jumpHost.host() + ":"
                    + jumpHost.port()) + ", hostKeys=" + (acceptAnyHostKey ? "NOT CHECKED" : "checked") + "]";
            return new SshTransport(new SshUnitOperations(settings, addresses, unitLayouts, layout, useSudo,
                    rangeWindow(receiveWindow, parallelReads)), description, parallelReads, parallelReadsFrom,
                    spoolDirectory);
        }
    }
}
