package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.status.ApplicationStatus;
import io.github.etcdbackup.status.ModelStatus;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.status.UnitStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Reads {@code juju status --format yaml|json} of Juju 2.9 ({@code series}, relations as name lists) and 3.x
 * ({@code base}, relations as {@code related-application} maps). Keys it does not need are ignored; a document without
 * a {@code model} map is not a status.
 */
public final class StatusParser {
    private StatusParser() {
    }

    /**
     * @throws OutputParseException if the text is not a Juju status
     */
    public static ModelStatus parse(String stdout) {
        JsonNode root = JujuDocuments.parse(stdout, "a model status");
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            throw new OutputParseException("juju status printed no 'model' map", stdout, null);
        }
        List<ApplicationStatus> applications = new ArrayList<>();
        root.path("applications").properties().forEach(app ->
                applications.add(application(app.getKey(), app.getValue(), stdout)));
        return new ModelStatus(text(model, "name"), text(model, "version"), applications);
    }

    private static ApplicationStatus application(String name, JsonNode app, String raw) {
        if (!app.isObject()) {
            throw new OutputParseException("application '" + name + "' in juju status is not a map", raw, null);
        }
        String charmName = text(app, "charm-name");
        if (charmName.isEmpty()) {
            charmName = text(app, "charm");
        }
        List<UnitStatus> units = new ArrayList<>();
        app.path("units").properties().forEach(unit -> units.add(unit(unit.getKey(), unit.getValue())));
        units.sort(Comparator.comparingLong(unit -> unitNumber(unit.name())));
        return new ApplicationStatus(name, charmName, text(app, "charm-channel"), revision(app.get("charm-rev"), raw),
                base(app), text(app.path("application-status"), "current"),
                text(app.path("application-status"), "message"), text(app, "version"), units, relations(app));
    }

    /** 3.x {@code base: {name: ubuntu, channel: "22.04"}} as {@code ubuntu@22.04}; 2.9 prints the series. */
    private static String base(JsonNode app) {
        JsonNode base = app.path("base");
        if (base.isObject() && !text(base, "name").isEmpty()) {
            String channel = text(base, "channel");
            return channel.isEmpty() ? text(base, "name") : text(base, "name") + "@" + channel;
        }
        return text(app, "series");
    }

    private static Map<String, List<String>> relations(JsonNode app) {
        Map<String, List<String>> relations = new LinkedHashMap<>();
        app.path("relations").properties().forEach(endpoint -> {
            List<String> related = new ArrayList<>();
            for (JsonNode element : endpoint.getValue()) {
                String name = element.isObject() ? text(element, "related-application") : element.asText("");
                if (!name.isEmpty()) {
                    related.add(name);
                }
            }
            relations.put(endpoint.getKey(), related);
        });
        return relations;
    }

    private static UnitStatus unit(String name, JsonNode unit) {
        List<String> ports = new ArrayList<>();
        unit.path("open-ports").forEach(port -> ports.add(port.asText("")));
        return new UnitStatus(name, text(unit.path("workload-status"), "current"),
                text(unit.path("workload-status"), "message"), text(unit.path("juju-status"), "current"),
                unit.path("leader").asBoolean(false), text(unit, "machine"), text(unit, "public-address"), ports);
    }

    private static OptionalInt revision(JsonNode node, String raw) {
        if (node == null || node.isNull()) {
            return OptionalInt.empty();
        }
        if (!node.canConvertToInt() && !node.asText("").strip().matches("\\d{1,9}")) {
            throw new OutputParseException("charm-rev is not a number: " + node.asText(), raw, null);
        }
        return OptionalInt.of(node.canConvertToInt() ? node.asInt() : Integer.parseInt(node.asText().strip()));
    }

    private static long unitNumber(String unit) {
        String number = unit.substring(unit.lastIndexOf('/') + 1);
        return number.matches("\\d{1,18}") ? Long.parseLong(number) : Long.MAX_VALUE;
    }

    /** A scalar field's text, empty when absent or not a scalar. */
    private static String text(JsonNode parent, String field) {
        String value = ActionOutputParser.text(parent.get(field));
        return value == null ? "" : value;
    }
}
