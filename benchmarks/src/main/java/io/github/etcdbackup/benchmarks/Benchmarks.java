package io.github.etcdbackup.benchmarks;

import io.github.etcdbackup.client.EtcdBackupClient;
import io.github.etcdbackup.LocalSnapshot;
import io.github.etcdbackup.testkit.EtcdUnit;
import io.github.etcdbackup.testkit.JujuSimulator;
import io.github.etcdbackup.testkit.LocalSshd;
import io.github.etcdbackup.transport.jujucli.JujuCliTransport;
import io.github.etcdbackup.transport.ssh.SshTransport;
import io.github.etcdbackup.transport.ssh.UnitLayout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 10: verified backups against the speed of the wire, measured side by side in one run, over loopback, on the
 * same file in the page cache. Prints {@code name: value unit (ratio x)} lines, then one {@code summary:} line. It
 * never fails on time: a missed goal is printed, with a JFR profile of the slow path, and the exit status stays 0
 * (only a broken set-up or an archive that does not verify exits non-zero).
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am install -DskipTests && mvn -B -q -pl benchmarks exec:exec}, with
 * {@code -Dbench.mib=256} for a quick run. Properties: {@code bench.mib} (archive size, default 2048),
 * {@code bench.rounds} (repeats of each timing, default 3), {@code bench.clusters} (default 8), {@code bench.keys}
 * (keys written per scale cluster, default 4000), {@code bench.calls} (repeats of each CLI call, default 15),
 * {@code bench.only} (e.g. {@code 1,2,4}; default all), {@code bench.profile} (JFR of the downloads, default true),
 * {@code bench.dir} (work directory, deleted at start); benchmark 9's in {@link LinkBenchmarks}.
 *
 * <p>The sshd of every benchmark (testkit's {@code LocalSshd}) sets {@code SHLVL=1} in its sessions
 * ({@code SetEnv}): bash, started by sshd for each exec, then does not read {@code ~/.bashrc} (bash only sources it
 * for sshd when its shell level is below 2), which on a machine whose {@code .bashrc} runs {@code pyenv init} costs
 * 0.6 to 3 s per session. scp (the SFTP subsystem, {@code internal-sftp}) never starts a shell, so without this the
 * comparison would be unfair.
 */
public final class Benchmarks {
    static final int MIB = Integer.getInteger("bench.mib", 2048);
    static final int ROUNDS = Math.max(1, Integer.getInteger("bench.rounds", 3));
    static final int CLUSTERS = Math.max(1, Integer.getInteger("bench.clusters", 8));
    static final int KEYS = Math.max(0, Integer.getInteger("bench.keys", 4000));
    static final int CALLS = Math.max(1, Integer.getInteger("bench.calls", 15));
    static final boolean PROFILE = Boolean.parseBoolean(System.getProperty("bench.profile", "true"));
    static final Set<String> ONLY = Set.of(System.getProperty("bench.only", "all").split(","));
    static final String ARCHIVE = "etcd-snapshot-2026-11-26-00.00.00.tar.gz";
    static final String SMALL_ARCHIVE = "etcd-snapshot-2026-11-26-00.00.01.tar.gz";
    static final int SMALL_MIB = 64;

    private final Path dir;
    private final Report report = new Report();
    private Path archive;
    private String sha256;
    private long bytes;

    private Benchmarks(Path dir) {
        this.dir = dir;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals(MemoryChild.MODE)) {
            MemoryChild.main(args);
            return;
        }
        Path dir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        if (!Boolean.getBoolean("bench.relaunched")) {
            System.exit(relaunch(dir));
        }
        int status = new Benchmarks(dir).run();
        delete(dir.resolve("data").resolve(ARCHIVE));
        delete(dir.resolve("data").resolve(SMALL_ARCHIVE));
        System.exit(status);
    }

    /**
     * Copies the class path into {@code dir/lib} and runs the benchmarks in a JVM on that copy. Other builds on the
     * machine install SNAPSHOT jars into {@code ~/.m2} while a run takes minutes, and a jar replaced under a running
     * JVM makes its next class load fail.
     */
    private static int relaunch(Path dir) throws Exception {
        Files.createDirectories(dir);
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(Benchmarks::delete);
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path source = Path.of(entry);
            Path copy = lib.resolve(String.format(Locale.ROOT, "%02d-%s", i++, source.getFileName()));
            if (Files.isDirectory(source)) {
                try (Stream<Path> walk = Files.walk(source)) {
                    for (Path file : (Iterable<Path>) walk::iterator) {
                        Path to = copy.resolve(source.relativize(file).toString());
                        if (Files.isDirectory(file)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(file, to);
                        }
                    }
                }
            } else if (Files.exists(source)) {
                Files.copy(source, copy);
            } else {
                continue;
            }
            classPath.add(copy.toString());
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-Dbench.relaunched=true");
        command.add("-Dbench.dir=" + dir);
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, classPath));
        command.add(Benchmarks.class.getName());
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }

    static boolean enabled(String section) {
        return ONLY.contains("all") || ONLY.contains(section);
    }

    private int run() throws Exception {
        Machine.describe().forEach(report::info);
        report.info(String.format(Locale.ROOT, "settings: %d MiB archive, %d rounds, %d clusters of %d keys, %d CLI"
                + " calls, work dir %s", MIB, ROUNDS, CLUSTERS, KEYS, CALLS, dir));
        Instant start = Instant.now();
        prepareArchive();
        try {
            if (enabled("1") || enabled("2") || enabled("4")) {
                new SshBenchmarks(this).run();
            }
            if (enabled("3") || enabled("6")) {
                new JujuBenchmarks(this).run();
            }
            if (enabled("5")) {
                new ScaleBenchmark(this).run();
            }
            if (enabled("7")) {
                new EncryptionBenchmarks(this).run();
            }
            if (enabled("8")) {
                new S3Benchmarks(this).run();
            }
            if (enabled("9")) {
                new LinkBenchmarks(this).run();
            }
        } catch (VerificationFailed e) {
            report.info("FAILED: " + e.getMessage());
            report.summary(Duration.between(start, Instant.now()));
            return 2;
        }
        report.summary(Duration.between(start, Instant.now()));
        return 0;
    }

    Path dir() {
        return dir;
    }

    Report report() {
        return report;
    }

    Path archive() {
        return archive;
    }

    String sha256() {
        return sha256;
    }

    long bytes() {
        return bytes;
    }

    /** Random bytes (gzip would not shrink a real archive either), seeded, then read once into the page cache. */
    private void prepareArchive() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        archive = data.resolve(ARCHIVE);
        long started = System.nanoTime();
        writeRandom(archive, MIB, 1);
        sha256 = sha256(archive);
        bytes = Files.size(archive);
        report.info(String.format(Locale.ROOT, "archive: %s, %d bytes, SHA-256 %s (written and hashed in %.1f s)",
                archive, bytes, sha256, (System.nanoTime() - started) / 1e9));
    }

    static void writeRandom(Path file, int mib, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mib; i++) {
                for (int j = 0; j < chunk.length; j += 8) {
                    long value = random.nextLong();
                    for (int k = 0; k < 8; k++) {
                        chunk[j + k] = (byte) (value >>> (8 * k));
                    }
                }
                out.write(chunk);
            }
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[128 * 1024];
            int n;
            while ((n = in.read(buffer)) != -1) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks a download the way a reader of the store would: the file's own SHA-256 against the unit's. */
    static void verify(LocalSnapshot local, String expected) {
        if (!local.sha256().equals(expected)) {
            throw new VerificationFailed(local.file() + ": client reported " + local.sha256() + ", expected " + expected);
        }
        String actual = sha256(local.file());
        if (!actual.equals(expected)) {
            throw new VerificationFailed(local.file() + " hashes to " + actual + ", expected " + expected);
        }
    }

    static void verifyFile(Path file, String expected) {
        String actual = sha256(file);
        if (!actual.equals(expected)) {
            throw new VerificationFailed(file + " hashes to " + actual + ", expected " + expected);
        }
    }

    /**
     * Reads a transport's stream of the archive to its end with a 128 KiB buffer (the core's), hashing nothing and
     * writing nothing: what the transport alone costs. Returns {bytes, reads}.
     */
    static long[] drain(io.github.etcdbackup.spi.EtcdTransport transport, String unit, String remotePath)
            throws IOException {
        long total = 0;
        long reads = 0;
        byte[] buffer = new byte[128 * 1024];
        try (InputStream in = transport.openFile(unit, remotePath, 0,
                io.github.etcdbackup.spi.Deadline.after(Duration.ofMinutes(30)))) {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
                reads++;
            }
        }
        return new long[] {total, reads};
    }

    /** The rejected alternative to core's copy loop (see {@link PipelinedCopy}) over a transport's stream. */
    static void pipelined(io.github.etcdbackup.spi.EtcdTransport transport, String unit, String remotePath,
                          Path out, String expected) throws Exception {
        InputStream in = transport.openFile(unit, remotePath, 0,
                io.github.etcdbackup.spi.Deadline.after(Duration.ofMinutes(30)));
        String actual = PipelinedCopy.copy(in, fresh(out), ARCHIVE);
        if (!actual.equals(expected)) {
            throw new VerificationFailed("pipelined copy hashed to " + actual + ", expected " + expected);
        }
    }

    /** Empties a directory (recreating it), so that each timed run writes a fresh file. */
    static Path fresh(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(Benchmarks::delete);
                }
            }
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command to completion, stdout into {@code stdout} (or discarded), failing on a non-zero exit. */
    static void run(List<String> command, Path stdout) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD
                    : ProcessBuilder.Redirect.to(stdout.toFile()));
            Process process = builder.start();
            byte[] errors = process.getErrorStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                        + new String(errors, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Output of a short command, or the exception text. */
    static String output(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            process.waitFor();
            return text;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** The charm layout moved under a testkit unit's root, with the machine's etcdctl and the unit's endpoint. */
    static UnitLayout layoutOf(EtcdUnit unit) {
        String root = unit.root().toAbsolutePath().toString();
        return UnitLayout.charm()
                .withEtcdctl("/usr/bin/etcdctl")
                .withCertDir(root + "/var/snap/etcd/common")
                .withDataDir(root + "/var/snap/etcd/current")
                .withSnapshotDir(root + "/home/ubuntu/etcd-snapshots")
                .withEndpoint(unit.clientUrl());
    }

    /** Writes {@code count} keys of 1000 random base64 characters (as the ssh-transport test bed does). */
    static void putRandomKeys(EtcdUnit unit, int count, long seed) {
        Map<String, String> keys = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] value = new byte[750];
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < value.length; j++) {
                value[j] = (byte) random.nextInt(256);
            }
            keys.put("/registry/bench/key-" + i, Base64.getEncoder().encodeToString(value));
        }
        unit.putAll(keys);
    }

    static SshTransport.Builder sshTransport(LocalSshd sshd) {
        return SshTransport.builder().port(sshd.port()).user(sshd.user()).privateKey(sshd.userPrivateKey())
                .knownHosts(sshd.hostKnownHostsFile()).connectTimeout(Duration.ofSeconds(30));
    }

    /** Thrown when an archive does not verify: the only failure that makes the run exit non-zero. */
    static final class VerificationFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VerificationFailed(String message) {
            super(message);
        }
    }

    /** The peak heap and RSS of this JVM, as {@code key=value} lines (read by the parent of a memory child). */
    static Map<String, Long> memoryFigures() {
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        Map<String, Long> figures = new LinkedHashMap<>();
        figures.put("peakHeapBytes", peakHeap);
        figures.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:") || line.startsWith("VmRSS:")) {
                    String[] parts = line.split("\\s+");
                    figures.put(line.startsWith("VmHWM") ? "vmHwmKiB" : "vmRssKiB", Long.parseLong(parts[1]));
                }
            }
        } catch (IOException e) {
            figures.put("vmHwmKiB", -1L);
        }
        long gcs = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(gc -> Math.max(0, gc.getCollectionCount())).sum();
        figures.put("gcCount", gcs);
        return figures;
    }

    /** Runs tasks on {@code threads} threads and waits for all; the first failure is rethrown. */
    static <T> List<T> parallel(List<java.util.concurrent.Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = pool.invokeAll(tasks);
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                try {
                    results.add(future.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    static JujuSimulator simulator(Path dir) {
        return JujuSimulator.builder().jujuVersion("3.4.2").workDir(dir).build();
    }

    static JujuCliTransport jujuTransport(JujuSimulator sim) {
        return JujuCliTransport.builder().executable(sim.jujuExecutable()).build();
    }
}
