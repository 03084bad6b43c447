package io.github.etcdbackup.testkit;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control plane charm's {@code restart} action: charm-kubernetes-control-plane src/actions/restart.py (the ops
 * charm, 1.30 and later) restarts snap.kube-apiserver.daemon, snap.kube-controller-manager.daemon and
 * snap.kube-scheduler.daemon and sets {@code {api-server,controller-manager,kube-scheduler}.status=restarted}; the
 * reactive kubernetes-master (1.28 and before, actions/restart) sets {@code apiserver.status} instead. There are no
 * Kubernetes services here: the simulator counts the restarts.
 */
final class ControlPlaneCharm {
    private static final Set<String> CHARMS = Set.of("kubernetes-control-plane", "kubernetes-master");

    private final Map<String, AtomicInteger> restarts = new ConcurrentHashMap<>();

    /** {@code restart}, without parameters, on the control-plane charms (their actions.yaml). */
    static Optional<ActionSpec> actionSpec(ModelUnit unit, String action) {
        return CHARMS.contains(unit.application().charm().name()) && action.equals("restart")
                ? Optional.of(ActionSpec.noParameters()) : Optional.empty();
    }

    ActionOutcome run(Task task) {
        ModelUnit unit = task.unit();
        restarts.computeIfAbsent(unit.name(), u -> new AtomicInteger()).incrementAndGet();
        String apiServer = unit.application().charm().name().equals("kubernetes-master") ? "apiserver" : "api-server";
        GoMap results = new GoMap();
        for (String service : List.of(apiServer, "controller-manager", "kube-scheduler")) {
            results.put(service, new GoMap().with("status", "restarted"));
        }
        return ActionOutcome.completed(results, "", "");
    }

    /** How many times the unit's services were restarted. */
    int restarts(String unitName) {
        AtomicInteger count = restarts.get(unitName);
        return count == null ? 0 : count.get();
    }
}
