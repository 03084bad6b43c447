package io.github.etcdbackup.testing;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.status.UnitStatus;

import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.restore.RestorePlanner;
import io.github.etcdbackup.spi.Deadline;
import io.github.etcdbackup.spi.ModelCommands;
import io.github.etcdbackup.spi.ModelOperations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory Juju model for the restore planner and executor, with fault switches. */
public final class FakeModel implements ModelOperations {
    /** One application's state. */
    public static final class App {
        public final String name;
        public final String charm;
        public String channel = "1.29/stable";
        public String base = "ubuntu@22.04";
        public String version = "3.4.22";
        public String snapChannel = "auto";
        public int units;
        public int pollsUntilHealthy;
        public final List<String> certificates = new ArrayList<>();
        public final List<String> db = new ArrayList<>();
        public final List<String> other = new ArrayList<>();
        public String resourceFingerprint;

        App(String name, String charm, int units) {
            this.name = name;
            this.charm = charm;
            this.units = units;
        }
    }

    public final Map<String, App> apps = new LinkedHashMap<>();
    public final AtomicInteger deploys = new AtomicInteger();
    public final AtomicInteger restores = new AtomicInteger();
    /** The parameters of every restore run, in order. */
    public final List<Map<String, String>> restoreParams = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Where the fake charm says it kept the data of a restore with {@code skip-backup=false}. */
    public static final String CHARM_BACKUP_PATH = "/home/ubuntu/etcd-data-20261205-120000.tar.gz";
    public final Map<String, byte[]> copied = new LinkedHashMap<>();
    public final List<String> replays = new ArrayList<>();
    public String jujuVersion = "3.4.2";
    public volatile boolean placeholderResource;
    public volatile boolean neverHealthy;
    /** The name status() gives the model. */
    public volatile String modelName = "k8s";
    public volatile boolean controllerDown;
    public volatile boolean downAfterAttach;

    /** A Charmed Kubernetes model: etcd (3 units), easyrsa, a control plane and calico related to etcd. */
    public static FakeModel charmedKubernetes(String controlPlaneApp) {
        FakeModel model = new FakeModel();
        App etcd = model.add("etcd", "etcd", 3);
        model.add("easyrsa", "easyrsa", 1);
        model.add(controlPlaneApp, "kubernetes-control-plane", 2);
        model.add("calico", "calico", 0);
        model.add("flannel", "flannel", 0);
        etcd.certificates.add("easyrsa");
        etcd.db.add(controlPlaneApp);
        etcd.db.add("calico");
        etcd.other.add("etcd");
        return model;
    }

    public App add(String name, String charm, int units) {
        App app = new App(name, charm, units);
        apps.put(name, app);
        return app;
    }

    /** What every call does first, as a real transport would: its deadline, then its names, then the controller. */
    private void check(Deadline deadline, String operation, String... applications) {
        deadline.check(operation);
        for (String application : applications) {
            InputValidation.application(application);
        }
        checkController();
    }

    private static void unitName(String unit) {
        InputValidation.unitOrLeader(unit);
    }

    private static String side(String endpoint) {
        int colon = endpoint == null ? -1 : endpoint.indexOf(':');
        return colon < 0 ? endpoint : endpoint.substring(0, colon);
    }

    private static void unitCount(int count) {
        if (count < 1 || count > 100) {
            throw new InvalidInputException("unit count", Integer.toString(count), "expected 1 to 100");
        }
    }

    private void checkController() {
        if (controllerDown) {
            throw new TransportException("fake", "ERROR cannot connect to the controller", 1,
                    "ERROR cannot connect to API", null);
        }
    }

    /**
     * Command lines in a made-up dialect ({@code fake-juju OPERATION ARGS}): the planner must take every step's
     * command from here, with the step's arguments, and never spell one itself.
     */
    @Override
    public ModelCommands commands(Deadline deadline) {
        check(deadline, "commands");
        return new ModelCommands() {
            @Override
            public String status() {
                return "fake-juju status";
            }

            @Override
            public String deploy(String charm, String application, String channel, String base,
                                 Map<String, String> config) {
                InputValidation.application(application);
                return "fake-juju deploy " + charm + " " + application + " channel=" + channel + " base=" + base
                        + " config=" + new TreeMap<>(config);
            }

            @Override
            public String attachResource(String application, String resource, Path file) {
                InputValidation.application(application);
                return "fake-juju attach " + application + " " + resource + "=" + file;
            }

            @Override
            public String integrate(String first, String second) {
                InputValidation.application(side(first));
                InputValidation.application(side(second));
                return "fake-juju relate " + first + " " + second;
            }

            @Override
            public String removeRelation(String first, String second) {
                InputValidation.application(side(first));
                InputValidation.application(side(second));
                return "fake-juju unrelate " + first + " " + second;
            }

            @Override
            public String addUnit(String application, int count) {
                InputValidation.application(application);
                unitCount(count);
                return "fake-juju add-unit " + application + " " + count;
            }

            @Override
            public String copyToUnit(String unit, Path file, String remotePath) {
                unitName(unit);
                InputValidation.remotePath(remotePath);
                return "fake-juju copy " + file + " " + unit + ":" + remotePath;
            }

            @Override
            public String runAsRoot(String unit, String script) {
                unitName(unit);
                return "fake-juju root " + unit + " " + script;
            }

            @Override
            public String runRestore(String unit, Map<String, String> params, Duration timeout) {
                unitName(unit);
                return "fake-juju action " + unit + " restore " + new TreeMap<>(params) + " within " + timeout;
            }

            @Override
            public String health(String unit, Duration timeout) {
                unitName(unit);
                return "fake-juju action " + unit + " health within " + timeout;
            }

            @Override
            public String restartControlPlane(List<String> units, Duration timeout) {
                units.forEach(FakeModel::unitName);
                return "fake-juju action " + String.join(",", units) + " restart within " + timeout;
            }
        };
    }

    /** The control plane units restarted, in order. */
    public final List<String> restarted = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public synchronized void restartControlPlane(List<String> units, Deadline deadline) {
        check(deadline, "restart");
        units.forEach(FakeModel::unitName);
        restarted.addAll(units);
    }

    @Override
    public synchronized ModelStatus status(Deadline deadline) {
        check(deadline, "status");
        List<ApplicationStatus> list = new ArrayList<>();
        for (App app : apps.values()) {
            boolean healthy = !neverHealthy && app.pollsUntilHealthy-- <= 0;
            String message = healthy ? "Healthy with " + app.units + " known peer" + (app.units == 1 ? "" : "s")
                    : "Waiting to retry etcd registration";
            List<UnitStatus> units = new ArrayList<>();
            for (int i = 0; i < app.units; i++) {
                units.add(new UnitStatus(app.name + "/" + i, healthy ? "active" : "waiting", message, "idle", i == 0,
                        Integer.toString(i), "10.0.0." + i, List.of("2379/tcp")));
            }
            Map<String, List<String>> relations = new LinkedHashMap<>();
            if (!app.certificates.isEmpty()) {
                relations.put("certificates", app.certificates);
            }
            if (!app.db.isEmpty()) {
                relations.put("db", app.db);
            }
            if (!app.other.isEmpty()) {
                relations.put("cluster", app.other);
            }
            list.add(new ApplicationStatus(app.name, app.charm, app.channel, OptionalInt.of(760), app.base, "active",
                    message, app.charm.equals("etcd") ? app.version : "", units, relations));
        }
        return new ModelStatus(modelName, jujuVersion, list);
    }

    @Override
    public synchronized void deploy(String charm, String application, String channel, String base,
                                    Map<String, String> config, Deadline deadline) {
        check(deadline, "deploy", application);
        deploys.incrementAndGet();
        App app = add(application, charm, 1);
        app.channel = channel;
        app.base = base;
        app.snapChannel = config.getOrDefault("channel", "auto");
        app.version = app.snapChannel.replace("/stable", ".23");
        app.pollsUntilHealthy = 2;
    }

    @Override
    public synchronized void attachResource(String application, String resource, Path file, Deadline deadline) {
        check(deadline, "attach-resource", application);
        if (!placeholderResource) {
            apps.get(application).resourceFingerprint = RestorePlanner.sha384(file);
        }
        if (downAfterAttach) {
            controllerDown = true;
        }
    }

    @Override
    public synchronized Optional<String> uploadedResourceFingerprint(String application, String resource,
                                                                     Deadline deadline) {
        check(deadline, "resources", application);
        return Optional.ofNullable(apps.get(application).resourceFingerprint);
    }

    @Override
    public synchronized void integrate(String first, String second, Deadline deadline) {
        check(deadline, "integrate", side(first), side(second));
        apps.get(first).other.add(second);
        apps.get(second).other.add(first);
    }

    @Override
    public synchronized void removeRelation(String first, String second, Deadline deadline) {
        check(deadline, "remove-relation", side(first), side(second));
        App one = apps.get(side(first));
        App two = apps.get(side(second));
        boolean removed = one != null && two != null
                && (one.db.remove(two.name) | one.other.remove(two.name) | two.db.remove(one.name)
                | two.other.remove(one.name));
        if (!removed) {
            throw new TransportException("fake", "ERROR relation \"" + first + " " + second + "\" not found", 1,
                    "ERROR relation not found", null);
        }
    }

    @Override
    public synchronized void addUnit(String application, int count, Deadline deadline) {
        check(deadline, "add-unit", application);
        unitCount(count);
        App app = apps.get(application);
        app.units += count;
        app.pollsUntilHealthy = 2;
    }

    @Override
    public synchronized void removeApplication(String application, Deadline deadline) {
        check(deadline, "remove-application", application);
        apps.remove(application);
    }

    @Override
    public synchronized String config(String application, String key, Deadline deadline) {
        check(deadline, "config", application);
        return apps.get(application).snapChannel;
    }

    @Override
    public synchronized Map<String, String> runRestore(String unit, Map<String, String> params, Deadline deadline) {
        check(deadline, "restore");
        unitName(unit);
        restores.incrementAndGet();
        App app = apps.get(unit.substring(0, unit.indexOf('/')));
        if (app.resourceFingerprint == null) {
            throw new ActionFailedException(unit, "4", "failed", "Missing snapshot. See: README.md", 0, "");
        }
        restoreParams.add(Map.copyOf(params));
        return "false".equals(params.get("skip-backup"))
                ? Map.of("backup.path", CHARM_BACKUP_PATH, "backup.sha256sum", "0".repeat(64)) : Map.of();
    }

    @Override
    public synchronized void copyToUnit(String unit, Path file, String remotePath, Deadline deadline) {
        check(deadline, "scp");
        unitName(unit);
        InputValidation.remotePath(remotePath);
        try {
            copied.put(resolved(unit) + ":" + remotePath, java.nio.file.Files.readAllBytes(file));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code APP/leader} as Juju resolves it (the fake's leader is always unit 0), other names as they are. */
    private static String resolved(String unit) {
        return unit.endsWith("/leader") ? unit.substring(0, unit.length() - "leader".length()) + "0" : unit;
    }

    /**
     * Understands the two scripts the executor runs: {@code sha256sum -- PATH} of a copied file, and the v2 key
     * replay, which it records.
     */
    @Override
    public synchronized String runAsRoot(String unit, String script, Deadline deadline) {
        check(deadline, "ssh");
        unitName(unit);
        java.util.regex.Matcher sum = java.util.regex.Pattern
                .compile("if \\[ -f '([^']+)' \\]; then sha256sum -- '\\1'; fi").matcher(script);
        if (sum.matches()) {
            byte[] bytes = copied.get(resolved(unit) + ":" + sum.group(1));
            return bytes == null ? "" : FakeTransport.sha256(bytes) + "  " + sum.group(1) + "\n";
        }
        if (script.contains("replayed $count v2 keys")) {
            replays.add(resolved(unit));
            return "replayed 3 v2 keys\n";
        }
        throw new IllegalStateException("the fake model does not run " + script);
    }

    /** Health text of an application with every member healthy. */
    public synchronized String healthOf(String unit) {
        App app = apps.get(unit.substring(0, unit.indexOf('/')));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < app.units; i++) {
            text.append("member ").append(Integer.toHexString(0x1000 + i))
                    .append(" is healthy: got healthy result from https://10.0.0.").append(i).append(":2379\n");
        }
        return text.append("cluster is healthy\n").toString();
    }
}
