package io.github.etcdbackup.status;

import java.util.List;
import java.util.Objects;

/**
 * One unit in {@code juju status}. Texts Juju did not print are empty strings.
 *
 * @param name            e.g. {@code etcd/0}
 * @param workload        the workload status, e.g. {@code active}
 * @param workloadMessage e.g. {@code Healthy with 3 known peers}
 * @param agent           the agent status, e.g. {@code idle}
 * @param leader          whether Juju marks it leader (the key is omitted when false)
 * @param machine         the machine id, e.g. {@code 0}
 * @param publicAddress   its public address
 * @param openPorts       e.g. {@code 2379/tcp}; empty when none
 */
public record UnitStatus(String name, String workload, String workloadMessage, String agent, boolean leader,
                         String machine, String publicAddress, List<String> openPorts) {
    /** Validates and copies every field. */
    public UnitStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(workloadMessage, "workloadMessage");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(publicAddress, "publicAddress");
        openPorts = List.copyOf(openPorts);
    }
}
