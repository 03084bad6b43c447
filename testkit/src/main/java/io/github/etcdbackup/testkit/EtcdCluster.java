package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A real etcd 3.4 cluster on loopback whose members are laid out like the units of the Charmed Kubernetes etcd
 * charm: client TLS with a generated CA, {@code enable-v2} on, one root directory per unit under
 * {@code <workDir>/units/<app>-<n>/root/}.
 * <p>
 * Every process is tracked: {@link #close()} stops them all and waits, and a JVM shutdown hook kills whatever a
 * test forgot to close.
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdCluster.class);
    /** How long a fresh cluster may take until every member answers; generous for a loaded 2-core CI machine. */
    static final Duration HEALTHY_DEADLINE = Duration.ofSeconds(60);

    private final Path workDir;
    private final String application;
    private final CertificateAuthority ca;
    private final String clusterToken;
    private final List<EtcdUnit> units = new CopyOnWriteArrayList<>();
    private int nextUnitNumber;
    private boolean installed;
    private boolean closed;

    private EtcdCluster(Path workDir, String application, CertificateAuthority ca) {
        this.workDir = workDir.toAbsolutePath();
        this.application = application;
        this.ca = ca;
        this.clusterToken = application + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Starts {@code members} etcd processes as one cluster and waits until every member is healthy.
     *
     * @param workDir     the directory that holds {@code units/} (and the generated PKI)
     * @param application the Juju application name, e.g. {@code etcd}; units are {@code etcd/0}, {@code etcd/1}...
     * @param members     at least 1
     */
    public static EtcdCluster start(Path workDir, String application, int members) {
        return start(workDir, application, members,
                CertificateAuthority.createIn(workDir.toAbsolutePath().resolve("pki")));
    }

    /** Starts a cluster whose certificates come from a CA shared with other applications of the same model. */
    static EtcdCluster start(Path workDir, String application, int members, CertificateAuthority ca) {
        if (members < 1) {
            throw new IllegalArgumentException("members must be at least 1: " + members);
        }
        if (!application.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("not a Juju application name: " + application);
        }
        EtcdCluster cluster = new EtcdCluster(workDir, application, ca);
        try {
            cluster.bootstrap(members);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /**
     * The units of an etcd application deployed without a certificate provider: directories and ports, no
     * process. The charm installs etcd only once its certificates are placed (layer-etcd src/reactive/etcd.py:
     * {@code install_etcd} needs {@code etcd.ssl.placed}, {@code missing_relation_notice} blocks until then);
     * {@link #install()} does that.
     */
    static EtcdCluster awaitingCertificates(Path workDir, String application, int members,
                                            CertificateAuthority ca) {
        if (members < 1) {
            throw new IllegalArgumentException("members must be at least 1: " + members);
        }
        EtcdCluster cluster = new EtcdCluster(workDir, application, ca);
        for (int i = 0; i < members; i++) {
            cluster.units.add(cluster.newUnit());
        }
        return cluster;
    }

    /** Starts the units of {@link #awaitingCertificates} as one new cluster and waits until it is healthy. */
    synchronized void install() {
        if (installed || closed) {
            return;
        }
        List<EtcdUnit> waiting = List.copyOf(units);
        units.clear();
        bootstrap(waiting);
    }

    /** True once the members were started: at once for {@link #start}, after {@link #install()} otherwise. */
    synchronized boolean installed() {
        return installed;
    }

    private void bootstrap(int members) {
        List<EtcdUnit> fresh = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            fresh.add(newUnit());
        }
        bootstrap(fresh);
    }

    private void bootstrap(List<EtcdUnit> fresh) {
        installed = true;
        String initialCluster = fresh.stream().map(u -> u.memberName() + "=" + u.peerUrl())
                .collect(Collectors.joining(","));
        for (EtcdUnit unit : fresh) {
            unit.prepare(ca, new MemberConfig(initialCluster, clusterToken, "new"));
            units.add(unit);
        }
        // All members start at once: a member of a new cluster waits for the others before it serves.
        fresh.forEach(EtcdUnit::launch);
        awaitHealthy(HEALTHY_DEADLINE);
        LOG.info("etcd cluster {} is healthy: {}", application, units);
    }

    private EtcdUnit newUnit() {
        int number = nextUnitNumber++;
        Path unitDir = workDir.resolve("units").resolve(application + "-" + number);
        try {
            if (Files.exists(unitDir.resolve("root")) && hasChildren(unitDir.resolve("root"))) {
                throw new IllegalStateException("unit directory already in use: " + unitDir);
            }
            Files.createDirectories(unitDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EtcdUnit(application, number, unitDir, FreePorts.next(), FreePorts.next(), ca.address());
    }

    private static boolean hasChildren(Path dir) throws IOException {
        try (var children = Files.list(dir)) {
            return children.findAny().isPresent();
        }
    }

    /** The application name. */
    public String application() {
        return application;
    }

    /** Every unit, in unit-number order, running or not. */
    public List<EtcdUnit> units() {
        return List.copyOf(units);
    }

    /** The unit with this Juju name, e.g. {@code etcd/1}. */
    public EtcdUnit unit(String name) {
        return units.stream().filter(u -> u.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no unit " + name + " in " + application));
    }

    /** The unit with this number. */
    public EtcdUnit unit(int number) {
        return unit(application + "/" + number);
    }

    /**
     * Adds a member the way the charm's peer relation does: {@code member add} through a running member, then
     * start the new process with {@code initial-cluster-state: existing}. Waits until the cluster is healthy.
     */
    public synchronized EtcdUnit addUnit() {
        if (!installed) {
            // Joins the cluster when it is installed, with the others.
            EtcdUnit unit = newUnit();
            units.add(unit);
            return unit;
        }
        EtcdUnit through = anyRunningUnit();
        EtcdUnit unit = newUnit();
        addMember(through, unit);
        String initialCluster = memberList(through) + "," + unit.memberName() + "=" + unit.peerUrl();
        unit.prepare(ca, new MemberConfig(initialCluster, clusterToken, "existing"));
        units.add(unit);
        unit.launch();
        awaitHealthy(HEALTHY_DEADLINE);
        return unit;
    }

    /**
     * {@code member add} with retries: etcd refuses reconfiguration ("unhealthy cluster") until every voting member
     * has been connected for 5 s, which a freshly started or restored cluster has not; the charm retries too.
     */
    static void addMember(EtcdUnit through, EtcdUnit unit) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        CommandResult result;
        do {
            result = through.etcdctl("member", "add", unit.memberName(), "--peer-urls=" + unit.peerUrl());
            if (result.succeeded()) {
                return;
            }
            EtcdUnit.sleep(500);
        } while (System.nanoTime() < deadline);
        result.orThrow();
    }

    /** {@code name=peerUrl} of every started member, as etcd's {@code member list} reports them. */
    static String memberList(EtcdUnit through) {
        String out = through.etcdctl("member", "list").orThrow().stdoutText();
        List<String> pairs = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.split(", ");
            // id, status, name, peer urls, client urls, is learner; unstarted members have an empty name
            if (fields.length >= 4 && !fields[2].isEmpty()) {
                pairs.add(fields[2] + "=" + fields[3]);
            }
        }
        return String.join(",", pairs);
    }

    EtcdUnit anyRunningUnit() {
        return units.stream().filter(EtcdUnit::running).findFirst()
                .orElseThrow(() -> new IllegalStateException("no running member in " + application));
    }

    String clusterToken() {
        return clusterToken;
    }

    /**
     * Waits until every running member answers {@code endpoint health}; fails after the timeout with the
     * members that did not.
     */
    public void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<EtcdUnit> sick = List.of();
        while (System.nanoTime() < deadline) {
            sick = units.stream().filter(EtcdUnit::running).filter(u -> !u.healthy()).toList();
            if (sick.isEmpty()) {
                return;
            }
            for (EtcdUnit unit : units) {
                if (unit.crashed()) {
                    throw new IllegalStateException(unit.name() + ": etcd exited; see " + unit.logFile());
                }
            }
            EtcdUnit.sleep(200);
        }
        throw new IllegalStateException("etcd members not healthy after " + timeout + ": " + sick
                + "; logs: " + sick.stream().map(u -> u.logFile().toString()).toList());
    }

    /** Stops every member and waits until each process has exited. Idempotent. Leaves all files in place. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EtcdUnit unit : units) {
            try {
                unit.stop();
            } catch (RuntimeException e) {
                LOG.warn("could not stop {}", unit.name(), e);
            }
        }
    }
}
