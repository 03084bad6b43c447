package io.github.etcdbackup.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of the simulated Juju model: applications, units, machines, relations, action tasks. Structural
 * changes are synchronized on this object; actions run on worker threads, one at a time per unit, as the Juju
 * agent runs them.
 */
final class SimModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimModel.class);
    /** How long the restored leader's etcd takes to serve after the restore action completed. */
    static final Duration RESTORED_ETCD_STARTUP = Duration.ofMillis(1500);

    private final Path workDir;
    private final String jujuVersion;
    private final Instant created = Instant.now();
    private final Faults faults = new Faults();
    private volatile List<String> sshRoute;
    private final Map<String, ModelApplication> applications = new LinkedHashMap<>();
    private final List<Relation> relations = new ArrayList<>();
    private final Map<String, Task> tasks = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "juju-simulator-action");
        thread.setDaemon(true);
        return thread;
    });
    private final EtcdCharm etcdCharm = new EtcdCharm(this);
    private final ControlPlaneCharm controlPlaneCharm = new ControlPlaneCharm();
    private final Map<String, CompletableFuture<Void>> installing = new HashMap<>();
    private final String unitAddress;
    private CertificateAuthority ca;
    private int nextMachine;
    private volatile boolean legacyHealthAction;

    SimModel(Path workDir, String jujuVersion, String unitAddress) {
        this.workDir = workDir;
        this.jujuVersion = jujuVersion;
        this.unitAddress = unitAddress;
    }

    /** The OpenSSH command line {@code juju ssh} runs unit commands through, empty: run them right here. */
    Optional<List<String>> sshRoute() {
        return Optional.ofNullable(sshRoute);
    }

    void sshRoute(List<String> sshArgs) {
        this.sshRoute = sshArgs == null ? null : List.copyOf(sshArgs);
    }

    Faults faults() {
        return faults;
    }

    String jujuVersion() {
        return jujuVersion;
    }

    boolean isJuju2() {
        return jujuVersion.startsWith("2.");
    }

    Instant created() {
        return created;
    }

    boolean legacyHealthAction() {
        return legacyHealthAction;
    }

    void legacyHealthAction(boolean on) {
        legacyHealthAction = on;
    }

    // ------------------------------------------------------------------------------------------ applications

    synchronized ModelApplication deploy(CharmInfo charm, String name, int units, String channel, String series,
                                         Map<String, String> config) {
        if (applications.containsKey(name)) {
            throw new IllegalStateException("application already exists: " + name);
        }
        ModelApplication app = new ModelApplication(name, charm, channel, series);
        config.forEach((k, v) -> app.config().put(k, v));
        if (charm.isEtcd()) {
            if (units < 1) {
                throw new IllegalArgumentException("the simulator deploys etcd with at least one unit");
            }
            EtcdCluster cluster = EtcdCluster.awaitingCertificates(workDir, name, units, certificateAuthority());
            app.cluster(cluster);
            for (EtcdUnit etcd : cluster.units()) {
                app.units().add(new ModelUnit(app, app.takeUnitNumber(), nextMachine++, etcd));
            }
        } else {
            for (int i = 0; i < units; i++) {
                app.units().add(new ModelUnit(app, app.takeUnitNumber(), nextMachine++, null));
            }
        }
        applications.put(name, app);
        charm.resources().keySet().forEach(resource -> attachResource(app, resource, storeRevision(charm, resource),
                "store"));
        if (charm.peerEndpoint() != null) {
            relations.add(new Relation(name, charm.peerEndpoint(), name, charm.peerEndpoint(), charm.name()));
        }
        return app;
    }

    /**
     * The revision 0 a charm from Charmhub ships for each of its resources: Juju deploys a store charm with a
     * revision of every declared resource, so {@code resource-get snapshot} succeeds on a fresh etcd application
     * and the charm's "Missing snapshot" guard does not fire (../shared/reference/charm-and-juju.md 1.3, and the
     * Charmed Kubernetes bundles that pin {@code resources: {snapshot: 0}}). It is not an archive: the charm's
     * restore dismantles the cluster and then fails on it.
     */
    private Path storeRevision(CharmInfo charm, String resource) {
        Path file = workDir.resolve("juju/store").resolve(charm.name()).resolve(resource + "-0");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "placeholder resource " + resource + ", store revision 0\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private CertificateAuthority certificateAuthority() {
        if (ca == null) {
            // One CA for the model, as one easyrsa signs every etcd application's certificates.
            ca = CertificateAuthority.createIn(workDir.resolve("pki"), unitAddress);
        }
        return ca;
    }

    synchronized List<ModelUnit> addUnits(ModelApplication app, int count) {
        List<ModelUnit> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            EtcdUnit etcd = app.cluster() == null ? null : app.cluster().addUnit();
            ModelUnit unit = new ModelUnit(app, app.takeUnitNumber(), nextMachine++, etcd);
            app.units().add(unit);
            added.add(unit);
        }
        return added;
    }

    synchronized void remove(ModelApplication app) {
        applications.remove(app.name());
        installing.remove(app.name());
        relations.removeIf(r -> r.involves(app.name()));
        if (app.cluster() != null) {
            app.cluster().close();
            // Removing the application is what the test asked for: its units' directories go with it, so that
            // an application of the same name can be deployed again.
            for (ModelUnit unit : app.units()) {
                EtcdCharm.deleteTree(unit.etcd().root().getParent());
            }
        }
    }

    /** Stores an uploaded resource where the unit agent would keep it and records it on the application. */
    synchronized void attachResource(ModelApplication app, String resource, Path file, String origin) {
        String fileName = app.charm().resources().get(resource);
        Path stored = workDir.resolve("juju/resources").resolve(app.name()).resolve(resource).resolve(fileName);
        try {
            Files.createDirectories(stored.getParent());
            Files.copy(file, stored, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        app.resources().put(resource, new ModelApplication.Resource(stored, origin, Instant.now()));
    }

    synchronized Optional<ModelApplication> application(String name) {
        return Optional.ofNullable(applications.get(name));
    }

    synchronized List<ModelApplication> applications() {
        return List.copyOf(applications.values());
    }

    synchronized List<Relation> relations() {
        return List.copyOf(relations);
    }

    /**
     * Adds a relation. An etcd application that gets its certificate provider installs etcd afterwards, in the
     * background as a hook would, while {@code juju integrate} has long returned; {@link #awaitInstalled} waits.
     */
    synchronized void addRelation(Relation relation) {
        relations.add(relation);
        for (ModelApplication app : applications.values()) {
            if (app.cluster() != null && !app.cluster().installed() && hasCertificates(app)
                    && !installing.containsKey(app.name())) {
                EtcdCluster cluster = app.cluster();
                installing.put(app.name(), CompletableFuture.runAsync(cluster::install, workers));
            }
        }
    }

    /** Waits until an etcd application that was given its certificates has installed and started etcd. */
    void awaitInstalled(String application) {
        CompletableFuture<Void> install;
        synchronized (this) {
            install = installing.get(application);
        }
        if (install != null) {
            install.join();
        }
    }

    /** Related to a {@code tls-certificates} provider on its {@code certificates} endpoint. */
    private boolean hasCertificates(ModelApplication app) {
        return relations.stream().anyMatch(r -> (r.app1().equals(app.name()) && r.endpoint1().equals("certificates"))
                || (r.app2().equals(app.name()) && r.endpoint2().equals("certificates")));
    }

    /** Removes a relation; false when there was none like it. */
    synchronized boolean removeRelation(Relation relation) {
        return relations.remove(relation);
    }

    /** How many applications a non-etcd application is related to on its {@code etcd} endpoint. */
    private int etcdRelationsOf(ModelApplication app) {
        return (int) relations.stream().filter(r -> (r.app1().equals(app.name()) && r.endpoint1().equals("etcd"))
                || (r.app2().equals(app.name()) && r.endpoint2().equals("etcd"))).count();
    }

    /** {@code etcd/0}, {@code etcd/leader}; empty when there is no such unit. */
    synchronized Optional<ModelUnit> unit(String name) {
        int slash = name.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        ModelApplication app = applications.get(name.substring(0, slash));
        if (app == null) {
            return Optional.empty();
        }
        if (name.endsWith("/leader")) {
            return app.leader();
        }
        return app.unit(name);
    }

    synchronized boolean isLeader(ModelUnit unit) {
        return unit.application().leader().map(l -> l == unit).orElse(false);
    }

    synchronized void setLeader(String unitName) {
        ModelUnit unit = unit(unitName).orElseThrow(() -> new IllegalArgumentException("no unit " + unitName));
        unit.application().leader(unitName);
    }

    // --------------------------------------------------------------------------------------------- workloads

    /** The workload status the etcd charm's update-status hook would set: {current, message}. */
    synchronized String[] workloadStatus(ModelUnit unit) {
        if (!unit.isEtcd()) {
            if (etcdRelationsOf(unit.application()) > 1) {
                // The control plane and CNI charms read their etcd relation with ops' model.get_relation("etcd"),
                // which raises TooManyRelatedAppsError when two applications are related on it (canonical/operator
                // ops/model.py, RelationMap._get_unique): the hook fails, and Juju shows the unit in error until
                // a retry of the hook succeeds (automatically-retry-hooks), i.e. until one relation is removed.
                return new String[] {"error", "hook failed: \"etcd-relation-changed\""};
            }
            return new String[] {"active", unit.application().charm().workloadMessage()};
        }
        // layer-etcd src/reactive/etcd.py: missing_relation_notice, install_etcd (after etcd.ssl.placed),
        // check_cluster_health (member list fails until etcd serves: "Errored with 0 known peers").
        if (!unit.application().cluster().installed()) {
            return hasCertificates(unit.application()) ? new String[] {"maintenance", "Installing etcd."}
                    : new String[] {"blocked", "Missing relation to certificate authority."};
        }
        if (unit.rejoining()) {
            return new String[] {"waiting", "Waiting to retry etcd registration"};
        }
        if (!unit.etcd().answering()) {
            return new String[] {"blocked", "Errored with 0 known peers"};
        }
        List<ModelUnit> members = unit.application().units().stream().filter(u -> !u.rejoining()).toList();
        String peers = members.size() + " known peer" + (members.size() == 1 ? "" : "s");
        // etcdctl 3.4's cluster-health exits 5 ("cluster is degraded") when any member is down, and the charm
        // turns a failed check into UnHealthy on every live unit.
        if (members.stream().anyMatch(m -> !m.etcd().running())) {
            return new String[] {"blocked", "UnHealthy with " + peers};
        }
        return new String[] {"active", "Healthy with " + peers};
    }

    // ------------------------------------------------------------------------------------------------ actions

    /** The action's parameter schema, if the unit's charm defines the action. */
    static Optional<ActionSpec> actionSpec(ModelUnit unit, String action) {
        return unit.isEtcd() ? EtcdCharm.actionSpec(action) : ControlPlaneCharm.actionSpec(unit, action);
    }

    ControlPlaneCharm controlPlaneCharm() {
        return controlPlaneCharm;
    }

    String nextId() {
        return String.valueOf(ids.incrementAndGet());
    }

    /** Queues an action on a unit and starts it on the unit's worker. */
    Task enqueue(ModelUnit unit, String action, Map<String, Object> params, String operationId) {
        Task task = new Task(nextId(), operationId, unit, action, params);
        tasks.put(task.id(), task);
        workers.execute(() -> execute(task));
        return task;
    }

    Optional<Task> task(String id) {
        return Optional.ofNullable(tasks.get(id));
    }

    private void execute(Task task) {
        ModelUnit unit = task.unit();
        synchronized (unit) {
            synchronized (this) {
                unit.taskStarted();
            }
            task.markRunning();
            ActionOutcome outcome;
            try {
                long delay = faults.actionDelayMillis();
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                outcome = unit.isEtcd() ? etcdCharm.run(task) : controlPlaneCharm.run(task);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = ActionOutcome.crashed(new GoMap(), 1, "", "interrupted\n");
            } catch (RuntimeException e) {
                LOG.warn("action {} on {} crashed", task.action(), unit.name(), e);
                outcome = ActionOutcome.crashed(new GoMap(), 1, "", e + "\n");
            } finally {
                synchronized (this) {
                    unit.taskEnded();
                }
            }
            task.finish(outcome);
        }
    }

    /**
     * What follows the charm's restore action, in the background: etcd on the leader serves only some time after
     * {@code service_start} returned and the action completed (it opens the restored data first), so the leader
     * shows {@code Errored with 0 known peers} meanwhile. Then the charm's {@code force_rejoin} makes every
     * follower stop, wipe its member dir and register again. The library must wait for {@code Healthy with N
     * known peers} on every unit itself.
     */
    void startAfterRestore(ModelUnit leaderUnit, List<ModelUnit> followers) {
        workers.execute(() -> {
            EtcdUnit leader = leaderUnit.etcd();
            EtcdUnit.sleep(RESTORED_ETCD_STARTUP.toMillis());
            try {
                leader.launch();
                leaderUnit.application().cluster().awaitHealthy(EtcdCluster.HEALTHY_DEADLINE);
            } catch (RuntimeException e) {
                LOG.warn("the restored leader {} never became healthy", leaderUnit.name(), e);
                return;
            }
            EtcdUnit.sleep(1000); // the charm backs off 1-10 s at random
            for (ModelUnit follower : followers) {
                try {
                    EtcdUnit etcd = follower.etcd();
                    etcd.stop();
                    EtcdCharm.deleteTree(etcd.dataDir().resolve("member"));
                    EtcdCluster.addMember(leader, etcd);
                    String initialCluster = EtcdCluster.memberList(leader) + "," + etcd.memberName() + "="
                            + etcd.peerUrl();
                    etcd.writeConfig(new MemberConfig(initialCluster, leaderUnit.application().cluster()
                            .clusterToken(), "existing"));
                    etcd.start();
                    leaderUnit.application().cluster().awaitHealthy(EtcdCluster.HEALTHY_DEADLINE);
                    synchronized (this) {
                        follower.rejoining(false);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("{} could not rejoin after the restore", follower.name(), e);
                }
            }
        });
    }

    @Override
    public void close() {
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (ModelApplication app : applications.values()) {
                if (app.cluster() != null) {
                    app.cluster().close();
                }
            }
        }
    }
}
