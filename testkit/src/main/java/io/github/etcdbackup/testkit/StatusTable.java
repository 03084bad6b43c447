package io.github.etcdbackup.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Juju's default {@code tabular} status, enough for a human reading a demo: model line, applications, units.
 * Programs use {@code --format yaml|json}; this layout is approximate.
 */
final class StatusTable {
    private StatusTable() {
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> status) {
        Map<String, Object> model = (Map<String, Object>) status.get("model");
        Map<String, Object> controller = (Map<String, Object>) status.get("controller");
        StringBuilder out = new StringBuilder();
        out.append(table(List.of(
                List.of("Model", "Controller", "Cloud/Region", "Version", "SLA", "Timestamp"),
                List.of(str(model.get("name")), str(model.get("controller")),
                        model.get("cloud") + "/" + model.get("region"), str(model.get("version")),
                        str(model.get("sla")), str(controller.get("timestamp"))))));
        Map<String, Object> applications = (Map<String, Object>) status.get("applications");
        if (applications.isEmpty()) {
            return out.append("\nModel \"").append(model.get("name")).append("\" is empty.\n").toString();
        }
        List<List<String>> apps = new ArrayList<>();
        apps.add(List.of("App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message"));
        List<List<String>> units = new ArrayList<>();
        units.add(List.of("Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message"));
        for (Map.Entry<String, Object> entry : GoMapOrder.sorted(applications)) {
            Map<String, Object> app = (Map<String, Object>) entry.getValue();
            Map<String, Object> appStatus = (Map<String, Object>) app.get("application-status");
            Map<String, Object> appUnits = (Map<String, Object>) app.getOrDefault("units", Map.of());
            apps.add(List.of(entry.getKey(), str(app.get("version")), str(appStatus.get("current")),
                    String.valueOf(appUnits.size()), str(app.get("charm")), str(app.get("charm-channel")),
                    str(app.get("charm-rev")), "no", str(appStatus.get("message"))));
            for (Map.Entry<String, Object> unitEntry : GoMapOrder.sorted(appUnits)) {
                Map<String, Object> unit = (Map<String, Object>) unitEntry.getValue();
                Map<String, Object> workload = (Map<String, Object>) unit.get("workload-status");
                Map<String, Object> agent = (Map<String, Object>) unit.get("juju-status");
                List<String> ports = (List<String>) unit.getOrDefault("open-ports", List.of());
                units.add(List.of(unitEntry.getKey() + (Boolean.TRUE.equals(unit.get("leader")) ? "*" : ""),
                        str(workload.get("current")), str(agent.get("current")), str(unit.get("machine")),
                        str(unit.get("public-address")), String.join(",", ports), str(workload.get("message"))));
            }
        }
        return out.append('\n').append(table(apps)).append('\n').append(table(units)).toString();
    }

    private static String str(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String table(List<List<String>> rows) {
        int columns = rows.get(0).size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row.get(i));
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** Applications and units in the order Juju lists them (the map order yaml.v2 uses). */
    private static final class GoMapOrder {
        static List<Map.Entry<String, Object>> sorted(Map<String, Object> map) {
            List<Map.Entry<String, Object>> entries = new ArrayList<>(map.entrySet());
            entries.sort((x, y) -> GoYaml.naturalCompare(x.getKey(), y.getKey()));
            return entries;
        }
    }
}
