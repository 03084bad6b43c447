package io.github.etcdbackup.transport.jujucli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.transport.jujucli.ActionResult;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the task maps of {@code run-action --wait} / {@code show-action-output} (2.9) and {@code run} /
 * {@code show-task} (3.x) in YAML or JSON: wrapped by unit ({@code unit-etcd-0:} or {@code etcd/0:}) or not, with
 * Juju's captured output under {@code Stdout}/{@code stdout} and the exit code under {@code ReturnCode},
 * {@code return-code} or {@code Code}.
 */
public final class ActionOutputParser {
    /** Keys Juju adds to the charm's results, compared in lower case. */
    private static final Set<String> JUJU_KEYS = Set.of("stdout", "stderr", "return-code", "returncode", "code",
            "stdout-encoding", "stderr-encoding", "stdoutencoding", "stderrencoding");
    private static final Pattern UNIT_TAG = Pattern.compile("unit-([a-z][a-z0-9-]*)-(\\d+)");
    private static final Pattern UNIT_NAME = Pattern.compile("([a-z][a-z0-9-]*)/(\\d+)");
    /** A unit number that fits the sort key; longer ones (never printed by Juju) sort as plain text. */
    private static final Pattern SORTABLE_NUMBER = Pattern.compile("\\d{1,12}");
    private static final Pattern QUEUED = Pattern.compile("(?m)^Action queued with id: \"?([0-9A-Za-z-]+)\"?\\s*$");

    private ActionOutputParser() {
    }

    /**
     * Every task in the output, ordered by application then unit number.
     *
     * @throws OutputParseException if the text is not Juju's YAML/JSON action output
     */
    public static List<ActionResult> parse(String stdout) {
        Matcher queued = QUEUED.matcher(stdout);
        if (queued.find()) {
            throw new OutputParseException("juju queued action " + queued.group(1) + " instead of waiting for it;"
                    + " fetch its result with showAction(\"" + queued.group(1) + "\")", stdout, null);
        }
        JsonNode root;
        try {
            root = JujuDocuments.parse(stdout, "an action result");
        } catch (OutputParseException e) {
            throw looksPlain(stdout) ? plainFormat(stdout) : e;
        }
        if (!root.isObject()) {
            throw new OutputParseException("juju's action output is not a map", stdout, null);
        }
        List<ActionResult> tasks = new ArrayList<>();
        if (root.has("status")) {
            tasks.add(task(root, null, stdout));
        } else {
            for (Map.Entry<String, JsonNode> entry : root.properties()) {
                if (!entry.getValue().isObject() || !entry.getValue().has("status")) {
                    throw looksPlain(stdout) ? plainFormat(stdout) : new OutputParseException(
                            "juju's action output has an entry '" + entry.getKey() + "' without a status", stdout, null);
                }
                tasks.add(task(entry.getValue(), entry.getKey(), stdout));
            }
        }
        // One key per task, not one per comparison: a hostile output may hold many thousands of tasks.
        Map<ActionResult, String> keys = new java.util.IdentityHashMap<>();
        tasks.forEach(task -> keys.put(task, sortKey(task)));
        tasks.sort(Comparator.comparing(keys::get));
        return List.copyOf(tasks);
    }

    /** Juju 3's default {@code --format plain}: the charm's results as YAML, a blank line, then raw output. */
    private static boolean looksPlain(String stdout) {
        return !stdout.contains("status:") && !stdout.contains("\"status\"");
    }

    private static OutputParseException plainFormat(String stdout) {
        return new OutputParseException("this looks like Juju 3's '--format plain' action output, which cannot be"
                + " parsed reliably; this library always passes '--format yaml'", stdout, null);
    }

    private static String sortKey(ActionResult task) {
        return task.unit().map(unit -> {
            Matcher m = UNIT_NAME.matcher(unit);
            // A hostile unit number of 20 digits must not escape as a NumberFormatException.
            return m.matches() && SORTABLE_NUMBER.matcher(m.group(2)).matches()
                    ? m.group(1) + "/" + String.format(Locale.ROOT, "%012d", Long.parseLong(m.group(2)))
                    : unit;
        }).orElse("\uffff");
    }

    private static ActionResult task(JsonNode node, String key, String raw) {
        String status = text(node.get("status"));
        if (status == null || status.isEmpty()) {
            throw new OutputParseException("an action task has no status", raw, null);
        }
        Optional<String> unit = Optional.ofNullable(text(node.get("unit")))
                .or(() -> Optional.ofNullable(text(node.get("UnitId"))))
                .or(() -> Optional.ofNullable(unitFromKey(key)))
                .filter(u -> !u.isEmpty());
        Optional<String> id = Optional.ofNullable(text(node.get("id"))).filter(i -> !i.isEmpty());
        Optional<String> message = Optional.ofNullable(text(node.get("message"))).filter(m -> !m.isEmpty());

        JsonNode results = node.path("results");
        if (!results.isMissingNode() && !results.isNull() && !results.isObject()) {
            throw new OutputParseException("an action task's results are not a map", raw, null);
        }
        OptionalInt returnCode = OptionalInt.empty();
        String stdout = "";
        String stderr = "";
        String stdoutEncoding = "";
        String stderrEncoding = "";
        Map<String, Object> charmResults = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : results.properties()) {
            String lower = field.getKey().toLowerCase(Locale.ROOT);
            if (!JUJU_KEYS.contains(lower)) {
                charmResults.put(field.getKey(), value(field.getValue()));
                continue;
            }
            String value = text(field.getValue());
            switch (lower) {
                case "stdout" -> stdout = value == null ? "" : value;
                case "stderr" -> stderr = value == null ? "" : value;
                // 3.x spells them stdout-encoding, 2.9 StdoutEncoding (Go field names); neither is the charm's.
                case "stdout-encoding", "stdoutencoding" -> stdoutEncoding = value == null ? "" : value;
                case "stderr-encoding", "stderrencoding" -> stderrEncoding = value == null ? "" : value;
                default -> returnCode = returnCode(value, raw);
            }
        }
        return new ActionResult(unit, id, status, message, returnCode, charmResults,
                decode(stdout, stdoutEncoding, raw), decode(stderr, stderrEncoding, raw));
    }

    private static OptionalInt returnCode(String value, String raw) {
        try {
            return OptionalInt.of(Integer.parseInt(value == null ? "" : value.strip()));
        } catch (NumberFormatException e) {
            throw new OutputParseException("an action's return code is not a number: " + value, raw, e);
        }
    }

    /** Juju base64-encodes an action's output that is not valid UTF-8 and says so in {@code *-encoding}. */
    private static String decode(String text, String encoding, String raw) {
        if (!encoding.equalsIgnoreCase("base64")) {
            return text;
        }
        try {
            return new String(Base64.getMimeDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new OutputParseException("an action's base64 output does not decode", raw, e);
        }
    }

    /** {@code unit-new-etcd-0} and {@code etcd/0} are unit keys; anything else is not a unit name. */
    private static String unitFromKey(String key) {
        if (key == null) {
            return null;
        }
        Matcher tag = UNIT_TAG.matcher(key);
        if (tag.matches()) {
            return tag.group(1) + "/" + tag.group(2);
        }
        return UNIT_NAME.matcher(key).matches() ? key : null;
    }

    /** Scalars as text, maps as nested maps; action results are strings, so lists are kept only as text. */
    private static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), value(e.getValue())));
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(element -> list.add(value(element)));
            return List.copyOf(list);
        }
        return node.isNull() ? "" : node.asText();
    }

    /** A scalar's text; {@code null} for an absent key, a null value or a non-scalar. */
    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    /**
     * The charm's results flattened to dotted keys, e.g. {@code backup.path}: the form {@code action-set} takes them
     * in.
     */
    public static Map<String, String> flatten(Map<String, Object> results) {
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", results, flat);
        return Collections.unmodifiableMap(flat);
    }

    private static void flatten(String prefix, Map<String, Object> map, Map<String, String> out) {
        map.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) nested;
                flatten(prefix + key + ".", child, out);
            } else {
                out.put(prefix + key, String.valueOf(value));
            }
        });
    }

    /** A nested string result such as {@code snapshot.path}, if present. */
    public static Optional<String> result(Map<String, Object> results, String dottedKey) {
        Object current = results;
        for (String part : dottedKey.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return Optional.empty();
            }
            current = map.get(part);
        }
        return current instanceof String s ? Optional.of(s) : Optional.empty();
    }
}
