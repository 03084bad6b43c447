package io.github.etcdbackup.testkit;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An application in the simulated model. Guarded by the {@link SimModel} lock. */
final class ModelApplication {
    private final String name;
    private final CharmInfo charm;
    private final String channel;
    private final String series;
    private final Map<String, Object> config = new LinkedHashMap<>();
    private final Map<String, Resource> resources = new LinkedHashMap<>();
    private final List<ModelUnit> units = new ArrayList<>();
    private final Instant since = Instant.now();
    private EtcdCluster cluster;
    private String leader;
    private int nextUnitNumber;

    ModelApplication(String name, CharmInfo charm, String channel, String series) {
        this.name = name;
        this.charm = charm;
        this.channel = channel;
        this.series = series;
        config.putAll(charm.configDefaults());
    }

    String name() {
        return name;
    }

    CharmInfo charm() {
        return charm;
    }

    String channel() {
        return channel;
    }

    /** {@code jammy}, {@code focal}, {@code noble}. */
    String series() {
        return series;
    }

    Map<String, Object> config() {
        return config;
    }

    /**
     * A resource the application holds.
     *
     * @param file     the stored file
     * @param origin   {@code upload} (attach-resource) or {@code store} (the charm's own revision)
     * @param attached when it was stored
     */
    record Resource(Path file, String origin, Instant attached) {
    }

    /** Resource name → what is attached; resources without an entry have never been attached. */
    Map<String, Resource> resources() {
        return resources;
    }

    List<ModelUnit> units() {
        return units;
    }

    Instant since() {
        return since;
    }

    EtcdCluster cluster() {
        return cluster;
    }

    void cluster(EtcdCluster etcdCluster) {
        this.cluster = etcdCluster;
    }

    int takeUnitNumber() {
        return nextUnitNumber++;
    }

    Optional<ModelUnit> unit(String unitName) {
        return units.stream().filter(u -> u.name().equals(unitName)).findFirst();
    }

    /** The Juju leader: the first unit unless a test moved leadership. */
    Optional<ModelUnit> leader() {
        if (leader != null) {
            Optional<ModelUnit> chosen = unit(leader);
            if (chosen.isPresent()) {
                return chosen;
            }
        }
        return units.stream().findFirst();
    }

    void leader(String unitName) {
        this.leader = unitName;
    }
}
