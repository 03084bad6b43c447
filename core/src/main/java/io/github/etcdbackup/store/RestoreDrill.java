package io.github.etcdbackup.store;

import io.github.etcdbackup.internal.archive.ArchiveInspector;
import io.github.etcdbackup.internal.archive.DamagedArchiveException;
import io.github.etcdbackup.internal.archive.EncryptedArchiveReader;

import io.github.etcdbackup.KeysVersion;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.encryption.AgeIdentities;
import io.github.etcdbackup.exception.DecryptionException;
import io.github.etcdbackup.internal.files.Sha256;
import io.github.etcdbackup.exception.LocalStorageException;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Proves that an archive restores: {@code etcdctl snapshot restore} into a temp dir, a throwaway etcd on free
 * loopback ports, a key count, then everything stopped and deleted. The cluster is never touched.
 */
final class RestoreDrill {
    private static final Pattern COUNT = Pattern.compile("\"count\":(\\d+)");
    private static final String MEMBER = "drill";

    private final DrillOptions options;

    /** @param options the binaries, required prefixes and deadline */
    public RestoreDrill(DrillOptions options) {
        this.options = options;
    }

    /** Adds a problem when the file no longer hashes to the SHA-256 its manifest records. */
    private static void checkAgainstManifest(LocalSnapshot snapshot, List<String> problems) throws IOException {
        String actual;
        try {
            actual = Sha256.ofFile(snapshot.file());
        } catch (LocalStorageException e) {
            throw (IOException) e.getCause();   // the drill could not run here: reported as LOCAL
        }
        if (!actual.equals(snapshot.sha256())) {
            problems.add("SHA-256 is " + actual + ", the manifest says " + snapshot.sha256()
                    + ": the archive changed since it was stored");
        }
    }

    /** Runs the drill; problems are reported, not thrown, except local I/O failures. */
    public DrillReport run(LocalSnapshot snapshot) {
        long start = System.nanoTime();
        long endNanos = start + options.timeout().toNanos();
        List<String> problems = new ArrayList<>();
        Map<String, Long> prefixCounts = new LinkedHashMap<>();
        long keyCount = -1;
        DrillReport.Failure failure = DrillReport.Failure.NONE;
        Path work = createTempDir();
        try {
            if (snapshot.source().keysVersion() != KeysVersion.V3) {
                problems.add("the drill restores v3 archives; a v2 archive is checked by SnapshotStore.verify only");
                failure = DrillReport.Failure.UNSUPPORTED;
            } else {
                // Bytes other than those verified when the archive was stored fail the drill even where the damage
                // spares the db (tar padding, a member etcd ignores); the restore still runs, to say what else broke.
                checkAgainstManifest(snapshot, problems);
                keyCount = drill(snapshot, work, endNanos, problems, prefixCounts);
                failure = problems.isEmpty() ? DrillReport.Failure.NONE : DrillReport.Failure.ARCHIVE;
            }
        } catch (DecryptionException e) {
            if (e.reason() != DecryptionException.Reason.DAMAGED && e.reason() != DecryptionException.Reason.NOT_AGE) {
                throw e;
            }
            problems.add(e.getMessage());
            failure = DrillReport.Failure.ARCHIVE;
        } catch (DamagedArchiveException e) {
            problems.add(e.getMessage());
            failure = DrillReport.Failure.ARCHIVE;
        } catch (IOException e) {
            problems.add("could not run the drill: " + e.getMessage());
            failure = DrillReport.Failure.LOCAL;
        } catch (TimeoutException e) {
            problems.add("drill did not finish within " + options.timeout() + ": " + e.getMessage());
            failure = DrillReport.Failure.TIMEOUT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problems.add("drill interrupted");
            failure = DrillReport.Failure.INTERRUPTED;
        } finally {
            deleteTree(work);
        }
        return new DrillReport(snapshot, problems.isEmpty() ? keyCount : -1, prefixCounts, problems,
                Duration.ofNanos(System.nanoTime() - start), failure);
    }

    private long drill(LocalSnapshot snapshot, Path work, long endNanos, List<String> problems,
                       Map<String, Long> prefixCounts) throws IOException, InterruptedException, TimeoutException {
        Path db = work.resolve("db");
        if (!extractDb(snapshot, db)) {
            problems.add("no db in the archive");
            return -1;
        }
        int clientPort = freePort();
        int peerPort = freePort();
        String peerUrl = "http://127.0.0.1:" + peerPort;
        String clientUrl = "http://127.0.0.1:" + clientPort;
        Path dataDir = work.resolve("data");
        LocalCommand.Result restore = LocalCommand.run(List.of(options.etcdctl(), "snapshot", "restore",
                        db.toString(), "--skip-hash-check", "--data-dir", dataDir.toString(), "--name", MEMBER,
                        "--initial-cluster", MEMBER + "=" + peerUrl, "--initial-advertise-peer-urls", peerUrl),
                Map.of("ETCDCTL_API", "3"), work.resolve("restore.log"), remaining(endNanos));
        if (!restore.succeeded()) {
            problems.add("etcdctl snapshot restore failed (exit " + restore.exitCode() + "): "
                    + tail(restore.output()));
            return -1;
        }
        Process etcd = LocalCommand.start(List.of(options.etcd(), "--name", MEMBER, "--data-dir", dataDir.toString(),
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", MEMBER + "=" + peerUrl), Map.of(), work.resolve("etcd.log"));
        try {
            if (!waitHealthy(clientUrl, work, endNanos)) {
                problems.add("the restored etcd did not become healthy: " + tail(Files.readString(work.resolve("etcd.log"))));
                return -1;
            }
            long keys = count(clientUrl, null, work, endNanos, problems);
            for (String prefix : options.requiredPrefixes()) {
                long n = count(clientUrl, prefix, work, endNanos, problems);
                prefixCounts.put(prefix, n);
                if (n == 0) {
                    problems.add("no key under " + prefix);
                }
            }
            return keys;
        } finally {
            LocalCommand.destroyTree(etcd);
        }
    }

    /**
     * The archive's {@code db}, into the drill's own directory (owner-only, deleted with it); an encrypted archive
     * is decrypted as it streams, and only the {@code db} it holds reaches the disk.
     */
    private boolean extractDb(LocalSnapshot snapshot, Path db) throws IOException {
        if (snapshot.encryption().isEmpty()) {
            return ArchiveInspector.extractDb(snapshot.file(), db);
        }
        AgeIdentities identities = EncryptedArchiveReader.requireIdentities(snapshot, options.identities(),
                "give the drill (DrillOptions.withIdentities)");
        try (InputStream raw = Files.newInputStream(snapshot.file())) {
            return ArchiveInspector.extractDb(EncryptedArchiveReader.decrypting(raw, identities, snapshot), db);
        }
    }

    private boolean waitHealthy(String clientUrl, Path work, long endNanos)
            throws IOException, InterruptedException, TimeoutException {
        while (System.nanoTime() < endNanos) {
            LocalCommand.Result health = LocalCommand.run(List.of(options.etcdctl(), "--endpoints", clientUrl,
                            "--command-timeout", "2s", "endpoint", "health"), Map.of("ETCDCTL_API", "3"),
                    work.resolve("health.log"), remaining(endNanos));
            if (health.succeeded()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /**
     * Keys under {@code prefix}, or all keys when it is {@code null}. etcdctl 3.4 has no {@code --count-only}; the
     * JSON range response of a one-key page carries the total {@code count}.
     */
    private long count(String clientUrl, String prefix, Path work, long endNanos, List<String> problems)
            throws IOException, InterruptedException, TimeoutException {
        Path log = work.resolve("count-" + System.nanoTime() + ".log");
        List<String> range = prefix == null ? List.of("", "--from-key") : List.of(prefix, "--prefix");
        List<String> argv = new ArrayList<>(List.of(options.etcdctl(), "--endpoints", clientUrl, "get"));
        argv.addAll(range);
        argv.addAll(List.of("--limit", "1", "--keys-only", "--write-out", "json"));
        LocalCommand.Result result = LocalCommand.run(argv, Map.of("ETCDCTL_API", "3"), log, remaining(endNanos));
        if (!result.succeeded()) {
            problems.add("etcdctl get failed (exit " + result.exitCode() + "): " + tail(result.output()));
            return -1;
        }
        // etcd omits "count" from its JSON when it is zero.
        Matcher m = COUNT.matcher(result.output());
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static Duration remaining(long endNanos) throws TimeoutException {
        long left = endNanos - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException("deadline passed");
        }
        return Duration.ofNanos(left);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String tail(String text) {
        String stripped = text.strip();
        return stripped.length() <= 1000 ? stripped : "…" + stripped.substring(stripped.length() - 1000);
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("etcd-backup-drill-");
        } catch (IOException e) {
            throw new LocalStorageException(Path.of(System.getProperty("java.io.tmpdir")), "Creating a directory in", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new LocalStorageException(dir, "Deleting the drill directory", e);
        }
    }
}
