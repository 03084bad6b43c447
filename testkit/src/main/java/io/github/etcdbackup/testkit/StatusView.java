package io.github.etcdbackup.testkit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code juju status --format yaml|json}: Juju's formatted-status structs (field order kept) with maps keyed by
 * machine, application and unit (sorted), in the 2.9 shape ({@code series}/{@code os}, relations as name lists) or
 * the 3.x shape ({@code base}, relations as {related-application, interface, scope}, {@code storage: {}}).
 * Addresses are real: every unit is on 127.0.0.1 and an etcd unit's open port is its actual client port.
 */
final class StatusView {
    private static final DateTimeFormatter SINCE = DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Map<String, String> SERIES_VERSION = Map.of("focal", "20.04", "jammy", "22.04",
            "noble", "24.04", "bionic", "18.04");

    private final SimModel model;
    private final ModelInfo info;

    /** The model's identity as status shows it. */
    record ModelInfo(String name, String controller, String cloud, String region) {
    }

    StatusView(SimModel model, ModelInfo info) {
        this.model = model;
        this.info = info;
    }

    static String baseChannel(String series) {
        return SERIES_VERSION.getOrDefault(series, "22.04");
    }

    static String seriesOf(String baseChannel) {
        return SERIES_VERSION.entrySet().stream().filter(e -> e.getValue().equals(baseChannel))
                .map(Map.Entry::getKey).findFirst().orElse("jammy");
    }

    Map<String, Object> build(Collection<ModelApplication> shown) {
        boolean juju2 = model.isJuju2();
        Map<String, Object> status = new LinkedHashMap<>();
        Map<String, Object> modelMap = new LinkedHashMap<>();
        modelMap.put("name", info.name());
        modelMap.put("type", "iaas");
        modelMap.put("controller", info.controller());
        modelMap.put("cloud", info.cloud());
        modelMap.put("region", info.region());
        modelMap.put("version", model.jujuVersion());
        modelMap.put("model-status", statusInfo("available", null, model.created(), null));
        modelMap.put("sla", "unsupported");
        status.put("model", modelMap);

        GoMap machines = new GoMap();
        GoMap applications = new GoMap();
        for (ModelApplication app : shown) {
            for (ModelUnit unit : app.units()) {
                machines.put(String.valueOf(unit.machine()), machine(unit, juju2));
            }
            applications.put(app.name(), application(app, juju2));
        }
        status.put("machines", machines);
        status.put("applications", applications);
        if (!juju2) {
            status.put("storage", new GoMap());
        }
        Map<String, Object> controller = new LinkedHashMap<>();
        controller.put("timestamp", CLOCK.format(Instant.now()));
        status.put("controller", controller);
        return status;
    }

    private Map<String, Object> machine(ModelUnit unit, boolean juju2) {
        String series = unit.application().series();
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("juju-status", statusInfo("started", null, unit.since(), model.jujuVersion()));
        machine.put("hostname", "juju-5e1f2e-" + unit.machine());
        machine.put("dns-name", "127.0.0.1");
        machine.put("ip-addresses", List.of("127.0.0.1"));
        machine.put("instance-id", "juju-5e1f2e-" + unit.machine());
        machine.put("machine-status", statusInfo("running", "Running", unit.since(), null));
        machine.put("modification-status", statusInfo("idle", null, unit.since(), null));
        putSeriesOrBase(machine, series, juju2, false);
        Map<String, Object> eth0 = new LinkedHashMap<>();
        eth0.put("ip-addresses", List.of("127.0.0.1"));
        eth0.put("mac-address", String.format("00:16:3e:5a:0c:%02x", unit.machine() % 256));
        eth0.put("gateway", "127.0.0.1");
        eth0.put("space", "alpha");
        eth0.put("is-up", true);
        machine.put("network-interfaces", new GoMap().with("eth0", eth0));
        machine.put("constraints", "arch=amd64");
        machine.put("hardware", "arch=amd64 cores=2 mem=4096M virt-type=virtual-machine");
        return machine;
    }

    private Map<String, Object> application(ModelApplication app, boolean juju2) {
        CharmInfo charm = app.charm();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("charm", charm.name());
        putSeriesOrBase(map, app.series(), juju2, true);
        map.put("charm-origin", "charmhub");
        map.put("charm-name", charm.name());
        map.put("charm-rev", charm.revision());
        map.put("charm-channel", app.channel());
        map.put("exposed", false);
        String[] appStatus = applicationStatus(app);
        map.put("application-status", statusInfo(appStatus[0], appStatus[1], app.since(), null));
        GoMap relations = relations(app, juju2);
        if (!relations.isEmpty()) {
            map.put("relations", relations);
        }
        GoMap units = new GoMap();
        for (ModelUnit unit : app.units()) {
            units.put(unit.name(), unit(unit));
        }
        if (!units.isEmpty()) {
            map.put("units", units);
        }
        map.put("version", charm.isEtcd() ? etcdVersion() : charm.workloadVersion());
        GoMap bindings = new GoMap().with("", "alpha");
        charm.endpoints().keySet().forEach(endpoint -> bindings.put(endpoint, "alpha"));
        if (charm.peerEndpoint() != null) {
            bindings.put(charm.peerEndpoint(), "alpha");
        }
        if (charm.isEtcd()) {
            bindings.put("data", "alpha");
        }
        map.put("endpoint-bindings", bindings);
        return map;
    }

    /** The worst unit status wins; otherwise the leader's message, as the charm sets both. */
    private String[] applicationStatus(ModelApplication app) {
        String[] chosen = null;
        for (ModelUnit unit : app.units()) {
            String[] status = model.workloadStatus(unit);
            if (chosen == null || severity(status[0]) > severity(chosen[0])) {
                chosen = status;
            }
        }
        if (chosen == null) {
            return new String[] {"unknown", null};
        }
        if (chosen[0].equals("active")) {
            return app.leader().map(model::workloadStatus).orElse(chosen);
        }
        return chosen;
    }

    private static int severity(String status) {
        return switch (status) {
            case "active" -> 0;
            case "maintenance" -> 1;
            case "waiting" -> 2;
            default -> 3;
        };
    }

    private GoMap relations(ModelApplication app, boolean juju2) {
        Map<String, Set<List<String>>> byEndpoint = new LinkedHashMap<>();
        for (Relation relation : model.relations()) {
            if (relation.app1().equals(app.name())) {
                byEndpoint.computeIfAbsent(relation.endpoint1(), k -> new TreeSet<>(StatusView::compareRelated))
                        .add(List.of(relation.app2(), relation.iface()));
            }
            if (relation.app2().equals(app.name()) && !relation.app1().equals(relation.app2())) {
                byEndpoint.computeIfAbsent(relation.endpoint2(), k -> new TreeSet<>(StatusView::compareRelated))
                        .add(List.of(relation.app1(), relation.iface()));
            }
        }
        GoMap relations = new GoMap();
        byEndpoint.forEach((endpoint, related) -> {
            List<Object> list = new ArrayList<>();
            for (List<String> other : related) {
                if (juju2) {
                    list.add(other.get(0));
                } else {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("related-application", other.get(0));
                    entry.put("interface", other.get(1));
                    entry.put("scope", "global");
                    list.add(entry);
                }
            }
            relations.put(endpoint, list);
        });
        return relations;
    }

    private static int compareRelated(List<String> a, List<String> b) {
        return a.get(0).compareTo(b.get(0));
    }

    private Map<String, Object> unit(ModelUnit unit) {
        Map<String, Object> map = new LinkedHashMap<>();
        String[] workload = model.workloadStatus(unit);
        map.put("workload-status", statusInfo(workload[0], workload[1], unit.since(), null));
        map.put("juju-status", statusInfo(unit.executing() ? "executing" : "idle", null, unit.since(),
                model.jujuVersion()));
        if (model.isLeader(unit)) {
            map.put("leader", true);
        }
        map.put("machine", String.valueOf(unit.machine()));
        List<String> ports = unit.isEtcd() ? List.of(portOf(unit.etcd().clientUrl()) + "/tcp")
                : unit.application().charm().openPorts();
        if (!ports.isEmpty()) {
            map.put("open-ports", ports);
        }
        map.put("public-address", "127.0.0.1");
        return map;
    }

    private static String portOf(String url) {
        return url.substring(url.lastIndexOf(':') + 1);
    }

    private static void putSeriesOrBase(Map<String, Object> map, String series, boolean juju2, boolean withOs) {
        if (juju2) {
            map.put("series", series);
            if (withOs) {
                map.put("os", "ubuntu");
            }
        } else {
            Map<String, Object> base = new LinkedHashMap<>();
            base.put("name", "ubuntu");
            base.put("channel", baseChannel(series));
            map.put("base", base);
        }
    }

    private static Map<String, Object> statusInfo(String current, String message, Instant since, String version) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("current", current);
        if (message != null && !message.isEmpty()) {
            info.put("message", message);
        }
        info.put("since", SINCE.format(since));
        if (version != null) {
            info.put("version", version);
        }
        return info;
    }

    private static volatile String etcdVersion;

    /** The workload version the etcd charm reports: the running etcd's version, e.g. {@code 3.4.23}. */
    static String etcdVersion() {
        if (etcdVersion == null) {
            String first = EtcdCharm.etcdctlVersion().lines().findFirst().orElse("");
            etcdVersion = first.substring(first.lastIndexOf(' ') + 1);
        }
        return etcdVersion;
    }
}
