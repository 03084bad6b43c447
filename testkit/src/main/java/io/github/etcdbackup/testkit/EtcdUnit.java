package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One etcd unit: a real {@code etcd} process with the charm's on-disk layout under its own root directory.
 * <p>
 * Inside {@link #root()} the paths are those of a real unit, so that code which maps {@code /var/snap/etcd/...}
 * or {@code /home/ubuntu/...} onto the root finds what the charm would leave there:
 * {@code var/snap/etcd/common/} (TLS files and {@code etcd.conf.yml}), {@code var/snap/etcd/current/} (the data
 * dir, so the live bbolt file is {@code var/snap/etcd/current/member/snap/db}) and
 * {@code home/ubuntu/etcd-snapshots/}.
 */
public final class EtcdUnit {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdUnit.class);
    static final Path ETCD = Path.of("/usr/bin/etcd");
    static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Pattern COUNT = Pattern.compile("\"count\":(\\d+)");

    private final String application;
    private final int number;
    private final Path unitDir;
    private final int clientPort;
    private final int peerPort;
    /** The unit's address: 127.0.0.1, or another loopback address its certificate names instead. */
    private final String address;
    private MemberConfig config;
    private Process process;
    /** Set when a health check succeeded since the process was last launched. */
    private boolean answeredSinceLaunch;

    EtcdUnit(String application, int number, Path unitDir, int clientPort, int peerPort, String address) {
        this.address = address;
        this.application = application;
        this.number = number;
        this.unitDir = unitDir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    /** The Juju unit name, e.g. {@code etcd/0}. */
    public String name() {
        return application + "/" + number;
    }

    /** The application this unit belongs to, e.g. {@code etcd}. */
    public String application() {
        return application;
    }

    /** The unit number, {@code 0} for {@code etcd/0}. */
    public int number() {
        return number;
    }

    /** The directory that stands for the unit's {@code /}. */
    public Path root() {
        return unitDir.resolve("root");
    }

    /** Maps an absolute path on the unit ({@code /var/snap/etcd/common/ca.crt}) to the file under {@link #root()}. */
    public Path hostPath(String unitPath) {
        String relative = unitPath.startsWith("/") ? unitPath.substring(1) : unitPath;
        Path resolved = root().resolve(relative).normalize();
        if (!resolved.startsWith(root())) {
            throw new IllegalArgumentException("path escapes the unit root: " + unitPath);
        }
        return resolved;
    }

    /** The client URL the unit advertises, {@code https://127.0.0.1:PORT} (or its other loopback address). */
    public String clientUrl() {
        return "https://" + address + ":" + clientPort;
    }

    /** The client URL on 127.0.0.1, where etcd listens too (the charm binds to all interfaces). */
    String loopbackClientUrl() {
        return "https://127.0.0.1:" + clientPort;
    }

    /** The peer URL, {@code https://127.0.0.1:PORT} (peer traffic uses TLS too, like the charm). */
    public String peerUrl() {
        return "https://" + address + ":" + peerPort;
    }

    /** The etcd member name; the charm derives it from the unit name, {@code etcd0} for {@code etcd/0}. */
    public String memberName() {
        return application + number;
    }

    /** {@code <root>/var/snap/etcd/current}: the etcd data dir. */
    public Path dataDir() {
        return root().resolve("var/snap/etcd/current");
    }

    /** {@code <root>/var/snap/etcd/common}: TLS files and {@code etcd.conf.yml}. */
    public Path certDir() {
        return root().resolve("var/snap/etcd/common");
    }

    /** {@code <root>/home/ubuntu/etcd-snapshots}: the snapshot action's default target. */
    public Path snapshotDir() {
        return root().resolve("home/ubuntu/etcd-snapshots");
    }

    /** {@code <certDir>/etcd.conf.yml}, the file the etcd process is started with. */
    public Path configFile() {
        return certDir().resolve("etcd.conf.yml");
    }

    /** etcd's own log (stdout and stderr), one file per unit outside the root. */
    public Path logFile() {
        return unitDir.resolve("etcd.log");
    }

    /** The arguments that point etcdctl (API v3) at this member with the client certificate. */
    public List<String> etcdctlV3Args() {
        return List.of("--endpoints", clientUrl(),
                "--cacert", certDir().resolve("ca.crt").toString(),
                "--cert", certDir().resolve("client.crt").toString(),
                "--key", certDir().resolve("client.key").toString());
    }

    /**
     * The environment for API v2 etcdctl ({@code cluster-health}, {@code backup}) with the client certificate,
     * including {@code ETCDCTL_ENDPOINTS}; an explicit {@code --endpoints URL} still wins over it.
     */
    public Map<String, String> etcdctlV2Env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ETCDCTL_API", "2");
        env.put("ETCDCTL_ENDPOINTS", clientUrl());
        env.put("ETCDCTL_CA_FILE", certDir().resolve("ca.crt").toString());
        env.put("ETCDCTL_CERT_FILE", certDir().resolve("client.crt").toString());
        env.put("ETCDCTL_KEY_FILE", certDir().resolve("client.key").toString());
        return env;
    }

    /** Runs {@code etcdctl} (API v3) against this member and returns the result, failed or not. */
    public CommandResult etcdctl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ETCDCTL.toString());
        command.addAll(etcdctlV3Args());
        command.addAll(List.of(args));
        return Commands.run(command, Map.of("ETCDCTL_API", "3"));
    }

    /** Runs {@code etcdctl} with API v2 (flannel's key space) against this member; failed or not. */
    public CommandResult etcdctlV2(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ETCDCTL.toString());
        command.addAll(List.of(args));
        return Commands.run(command, etcdctlV2Env());
    }

    /** Writes one key through this member. */
    public void put(String key, String value) {
        etcdctl("put", key, value).orThrow();
    }

    /**
     * Writes many keys through this member, in transactions of up to 128 puts (etcd's default
     * {@code --max-txn-ops}) so that thousands of keys take seconds rather than one process per key.
     */
    public void putAll(Map<String, String> entries) {
        List<Map.Entry<String, String>> list = new ArrayList<>(entries.entrySet());
        for (int from = 0; from < list.size(); from += 128) {
            // etcdctl's interactive txn syntax: no compares, a blank line, the puts, a blank line, no else-ops.
            StringBuilder txn = new StringBuilder("\n");
            for (Map.Entry<String, String> entry : list.subList(from, Math.min(list.size(), from + 128))) {
                txn.append("put ").append(goQuoted(entry.getKey())).append(' ')
                        .append(goQuoted(entry.getValue())).append('\n');
            }
            txn.append("\n\n");
            List<String> command = new ArrayList<>();
            command.add(ETCDCTL.toString());
            command.addAll(etcdctlV3Args());
            command.add("txn");
            Commands.run(command, Map.of("ETCDCTL_API", "3"), null, txn.toString().getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(60)).orThrow();
        }
    }

    /** A Go double-quoted string literal: etcdctl's txn reader unquotes its arguments with Go's {@code %q}. */
    private static String goQuoted(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\x%02x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    /** Reads one key through this member; empty when the key does not exist. */
    public Optional<String> get(String key) {
        CommandResult result = etcdctl("get", key, "--print-value-only").orThrow();
        String out = result.stdoutText();
        if (out.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
    }

    /** The number of keys under a prefix, read through this member (the range response counts past its limit). */
    public long count(String prefix) {
        String json = etcdctl("get", prefix, "--prefix", "--keys-only", "--limit=1", "--write-out=json")
                .orThrow().stdoutText();
        Matcher matcher = COUNT.matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }

    /** True while the etcd process is alive. */
    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** True when the process was started and died without being stopped through this class. */
    synchronized boolean crashed() {
        return process != null && !process.isAlive();
    }

    /** The pid of the running etcd process. */
    public synchronized Optional<Long> pid() {
        return running() ? Optional.of(process.pid()) : Optional.empty();
    }

    /**
     * Starts the etcd process again (a no-op when it runs) with the member configuration last written, and waits
     * until it answers on its client port. A member of a cluster without quorum never becomes healthy; this only
     * waits for the process to listen.
     */
    public synchronized void start() {
        if (running()) {
            return;
        }
        launch();
        awaitListening(Duration.ofSeconds(30));
    }

    /** Stops the etcd process (SIGTERM, then SIGKILL after 10 s) and waits until it has exited. */
    public synchronized void stop() {
        if (process != null) {
            LOG.debug("stopping {} (pid {})", name(), process.pid());
            ProcessReaper.stop(process, STOP_GRACE);
            process = null;
        }
    }

    /** Kills the etcd process without a chance to shut down cleanly, as a crash or power loss would. */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** The member configuration last written to {@code etcd.conf.yml}. */
    synchronized MemberConfig config() {
        return config;
    }

    /** Creates the unit's directories and writes its configuration; nothing is started. */
    synchronized void prepare(CertificateAuthority ca, MemberConfig memberConfig) {
        try {
            Files.createDirectories(dataDir());
            Files.createDirectories(snapshotDir());
            ca.installInto(certDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeConfig(memberConfig);
    }

    /** Rewrites {@code etcd.conf.yml}; takes effect at the next start, as with the charm's re-render. */
    synchronized void writeConfig(MemberConfig memberConfig) {
        this.config = memberConfig;
        try {
            Files.writeString(configFile(), memberConfig.render(this));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the process without waiting; the cluster waits for quorum across all members at once. */
    synchronized void launch() {
        if (running()) {
            return;
        }
        ProcessBuilder builder = new ProcessBuilder(ETCD.toString(), "--config-file", configFile().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        answeredSinceLaunch = false;
        try {
            process = ProcessReaper.track(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + ETCD, e);
        }
        LOG.debug("started {} as pid {} (client {}, peer {})", name(), process.pid(), clientUrl(), peerUrl());
    }

    /** Waits until the client port accepts TCP connections, or the process dies. */
    synchronized void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!running()) {
                throw new IllegalStateException(name() + ": etcd exited with status " + exitStatus()
                        + "; see " + logFile());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        throw new IllegalStateException(name() + ": etcd did not listen within " + timeout + "; see " + logFile());
    }

    /** True when this member answers {@code endpoint health} through its own client URL. */
    public boolean healthy() {
        boolean healthy = running() && etcdctl("endpoint", "health", "--command-timeout=2s").succeeded();
        if (healthy) {
            synchronized (this) {
                answeredSinceLaunch = true;
            }
        }
        return healthy;
    }

    /**
     * True when the process runs and has answered a health check since it was last started: what the charm's
     * status check needs (its {@code member list} fails until etcd serves). Asks etcd only until it first answers.
     */
    boolean answering() {
        synchronized (this) {
            if (!running()) {
                return false;
            }
            if (answeredSinceLaunch) {
                return true;
            }
        }
        return healthy();
    }

    private String exitStatus() {
        return process == null ? "unknown" : String.valueOf(process.exitValue());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name() + " (" + clientUrl() + (running() ? ", running" : ", stopped") + ")";
    }
}
