package io.github.etcdbackup.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the relation {@code juju integrate a b} means: a provider and a requirer endpoint of the same interface,
 * optionally pinned with {@code app:endpoint}, and Juju's errors when there is none, several, or it exists.
 */
final class RelationMatcher {
    /** Either a relation to add or the error text to print. */
    record Match(Relation relation, String error) {
    }

    private RelationMatcher() {
    }

    static Match match(SimModel model, String first, String second) {
        String[] a = first.split(":", 2);
        String[] b = second.split(":", 2);
        Optional<ModelApplication> appA = model.application(a[0]);
        Optional<ModelApplication> appB = model.application(b[0]);
        if (appA.isEmpty()) {
            return new Match(null, "application \"" + a[0] + "\" not found");
        }
        if (appB.isEmpty()) {
            return new Match(null, "application \"" + b[0] + "\" not found");
        }
        List<Relation> candidates = new ArrayList<>();
        CharmInfo charmA = appA.get().charm();
        CharmInfo charmB = appB.get().charm();
        for (Map.Entry<String, String> endpointA : charmA.endpoints().entrySet()) {
            for (Map.Entry<String, String> endpointB : charmB.endpoints().entrySet()) {
                boolean sameInterface = endpointA.getValue().equals(endpointB.getValue());
                boolean oppositeRoles = charmA.provides().contains(endpointA.getKey())
                        != charmB.provides().contains(endpointB.getKey());
                boolean pinnedA = a.length == 1 || a[1].equals(endpointA.getKey());
                boolean pinnedB = b.length == 1 || b[1].equals(endpointB.getKey());
                if (sameInterface && oppositeRoles && pinnedA && pinnedB) {
                    candidates.add(new Relation(a[0], endpointA.getKey(), b[0], endpointB.getKey(),
                            endpointA.getValue()));
                }
            }
        }
        if (candidates.isEmpty()) {
            return new Match(null, "no relations found");
        }
        if (candidates.size() > 1) {
            return new Match(null, "ambiguous relation: \"" + first + " " + second + "\" could refer to "
                    + String.join("; ", candidates.stream().map(r -> "\"" + r.key() + "\"").toList()));
        }
        Relation relation = candidates.get(0);
        for (Relation existing : model.relations()) {
            Relation reversed = new Relation(relation.app2(), relation.endpoint2(), relation.app1(),
                    relation.endpoint1(), relation.iface());
            boolean same = existing.key().equals(relation.key()) || existing.key().equals(reversed.key());
            if (same) {
                return new Match(null, "cannot add relation \"" + relation.key() + "\"\nrelation " + relation.key()
                        + " (already exists): \n\nUse 'juju status --relations' to view the current relations.");
            }
        }
        return new Match(relation, null);
    }
}
