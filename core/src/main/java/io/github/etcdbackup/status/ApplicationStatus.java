package io.github.etcdbackup.status;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One application in {@code juju status}. Texts Juju did not print are empty strings.
 *
 * @param name            the application name, e.g. {@code kubernetes-master}
 * @param charmName       the charm, e.g. {@code kubernetes-control-plane}
 * @param charmChannel    the charm's Charmhub channel, e.g. {@code 1.29/stable} (not the etcd snap channel)
 * @param charmRevision   the charm revision, when shown
 * @param base            {@code ubuntu@22.04} (3.x {@code base}) or the 2.9 series such as {@code jammy}; empty if none
 * @param status          the application status, e.g. {@code active}
 * @param message         its message, e.g. {@code Healthy with 3 known peers}
 * @param workloadVersion the workload version; for etcd the etcd version, e.g. {@code 3.4.22}
 * @param units           the units, ordered by unit number
 * @param relations       endpoint name to the applications related on it (2.9 and 3.x shapes read alike)
 */
public record ApplicationStatus(String name, String charmName, String charmChannel, OptionalInt charmRevision,
                                String base, String status, String message, String workloadVersion,
                                List<UnitStatus> units, Map<String, List<String>> relations) {
    /** Validates and copies every field. */
    public ApplicationStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(charmName, "charmName");
        Objects.requireNonNull(charmChannel, "charmChannel");
        Objects.requireNonNull(charmRevision, "charmRevision");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(workloadVersion, "workloadVersion");
        units = List.copyOf(units);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        relations.forEach((endpoint, apps) -> copy.put(endpoint, List.copyOf(apps)));
        relations = Collections.unmodifiableMap(copy);
    }

    /** The leader unit, when Juju marked one. */
    public Optional<UnitStatus> leader() {
        return units.stream().filter(UnitStatus::leader).findFirst();
    }

    /** The applications related on any endpoint, without duplicates, sorted. */
    public List<String> relatedApplications() {
        return relations.values().stream().flatMap(List::stream).distinct().sorted().toList();
    }
}
