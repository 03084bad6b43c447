package io.github.etcdbackup.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reduces Juju output to what must not differ between the fixtures and the simulator: the parsed tree's keys and
 * value types, and the YAML text's layout (key order, indentation, quoting, literal-block indicators, folded
 * continuation lines). Ids, hashes, times, addresses and the contents of literal blocks may differ.
 */
final class OutputShape {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY_LINE = Pattern.compile("^( *)(- )?(\"[^\"]*\"|[^ :\"][^:]*):( (.*))?$");

    private OutputShape() {
    }

    /** Keys and value types of a YAML document, as nested text. */
    static String yamlTree(String yaml) {
        return tree(read(YAML, yaml));
    }

    static String jsonTree(String json) {
        return tree(read(JSON, json));
    }

    private static JsonNode read(ObjectMapper mapper, String text) {
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tree(JsonNode node) {
        if (node.isObject()) {
            Map<String, String> fields = new TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> field = it.next();
                fields.put(field.getKey(), tree(field.getValue()));
            }
            return fields.toString();
        }
        if (node.isArray()) {
            return node.isEmpty() ? "[]" : "[" + tree(node.get(0)) + "]";
        }
        if (node.isTextual()) {
            return node.asText().contains("\n") ? "text" : "string";
        }
        return node.getNodeType().toString().toLowerCase();
    }

    /**
     * One entry per structural line: indentation, list marker, key, and how the value is written (nothing, plain,
     * double-quoted, single-quoted, {@code |}, {@code |-}, {@code {}}, {@code []}); literal-block bodies are skipped
     * and a folded continuation line shows as {@code fold@indent}.
     */
    static List<String> yamlLayout(String yaml) {
        List<String> layout = new ArrayList<>();
        int literalIndent = -1;
        for (String line : yaml.split("\n", -1)) {
            int indent = line.length() - line.stripLeading().length();
            if (literalIndent >= 0) {
                if (line.isEmpty() || indent > literalIndent) {
                    continue;
                }
                literalIndent = -1;
            }
            if (line.isEmpty()) {
                continue;
            }
            Matcher key = KEY_LINE.matcher(line);
            if (key.matches()) {
                String value = key.group(5);
                String kind = value == null ? "" : value.equals("|") || value.equals("|-") || value.equals("|+")
                        || value.equals("{}") || value.equals("[]") ? value
                        : value.startsWith("\"") ? "\"quoted\"" : value.startsWith("'") ? "'quoted'" : "plain";
                if (kind.startsWith("|")) {
                    literalIndent = indent + (key.group(2) == null ? 0 : 2);
                }
                layout.add(key.group(1) + (key.group(2) == null ? "" : "- ") + key.group(3) + ":" + kind);
            } else if (line.stripLeading().startsWith("- ")) {
                layout.add(" ".repeat(indent) + "- item");
            } else {
                layout.add("fold@" + indent);
            }
        }
        return layout;
    }

    /** Text lines with digits, hex runs and timestamps normalised, for progress messages on stderr. */
    static List<String> textLines(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            lines.add(line.replaceAll("[0-9]+", "N"));
        }
        return lines;
    }
}
