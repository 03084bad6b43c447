package io.github.etcdbackup.testkit;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What Go's {@code yaml.Unmarshal([]byte(value), &anInterface)} makes of one action argument, as Juju reads
 * {@code key=value} words (cmd/juju/action/run.go and 2.9's runaction.go, gopkg.in/yaml.v2). SnakeYAML parses the
 * syntax (comments, quotes, flow and block collections, anchors), which is the same YAML grammar; each plain scalar
 * is then typed by yaml.v2's own rules (resolve.go), which differ from SnakeYAML's: {@code y}/{@code n} are booleans,
 * integers go through Go's {@code strconv.ParseInt(s, 0, 64)} (so {@code 012} is 10 and {@code 0o17} is 15), and a
 * timestamp stays a string when the target is an interface (decode.go's backward-compatibility branch).
 * <p>
 * Results: {@link String}, {@link Boolean}, {@link Long}, {@link BigInteger} (uint64), {@link Double}, {@code null},
 * {@link List}, {@link Map} with string keys.
 */
final class GoYamlValue {
    private static final Set<String> TRUE = Set.of("y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
            "true", "True", "TRUE");
    private static final Set<String> FALSE = Set.of("n", "N", "no", "No", "NO", "off", "Off", "OFF",
            "false", "False", "FALSE");
    private static final Set<String> NULL = Set.of("", "~", "null", "Null", "NULL");
    private static final Set<String> NAN = Set.of(".nan", ".NaN", ".NAN");
    private static final Set<String> INFINITY = Set.of(".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF");
    private static final Set<String> NEGATIVE_INFINITY = Set.of("-.inf", "-.Inf", "-.INF");
    /** yaml.v2's yamlStyleFloat. */
    private static final Pattern FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** The text is not YAML; Juju prints {@code ERROR yaml: ...} and exits 1 before contacting the controller. */
    static final class InvalidYaml extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidYaml(String message) {
            super(message);
        }
    }

    private GoYamlValue() {
    }

    /**
     * The value Juju sends for {@code text}. An empty document (empty text, or only a comment) leaves Go's
     * variable as it was, which run.go initialised to the raw string.
     */
    static Object read(String text) {
        Node node;
        try {
            node = new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (YAMLException e) {
            throw new InvalidYaml(firstLine(e.getMessage()));
        }
        return node == null ? text : value(node);
    }

    private static String firstLine(String message) {
        String text = message == null ? "invalid document" : message.strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static Object value(Node node) {
        if (node instanceof ScalarNode scalar) {
            return scalar.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN ? resolvePlain(scalar.getValue())
                    : scalar.getValue();
        }
        if (node instanceof SequenceNode sequence) {
            List<Object> list = new ArrayList<>();
            sequence.getValue().forEach(item -> list.add(value(item)));
            return list;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple tuple : ((MappingNode) node).getValue()) {
            // common.ConformYAML turns map[interface{}]interface{} into string keys and refuses others.
            Object key = value(tuple.getKeyNode());
            if (!(key instanceof String)) {
                throw new InvalidYaml("map keyed with non-string value");
            }
            map.put((String) key, value(tuple.getValueNode()));
        }
        return map;
    }

    /** yaml.v2 resolve.go for an untagged plain scalar decoded into an interface. */
    static Object resolvePlain(String in) {
        if (NULL.contains(in)) {
            return null;
        }
        if (TRUE.contains(in)) {
            return Boolean.TRUE;
        }
        if (FALSE.contains(in)) {
            return Boolean.FALSE;
        }
        if (NAN.contains(in)) {
            return Double.NaN;
        }
        if (INFINITY.contains(in)) {
            return Double.POSITIVE_INFINITY;
        }
        if (NEGATIVE_INFINITY.contains(in)) {
            return Double.NEGATIVE_INFINITY;
        }
        char hint = in.charAt(0);
        if (hint == '.') {
            // strconv.ParseFloat; the pattern keeps out what Java's parser accepts and Go's does not ("1f", "1d").
            return FLOAT.matcher(in).matches() ? parseFloat(in).orElse(in) : in;
        }
        if (hint != '+' && hint != '-' && !Character.isDigit(hint)) {
            return in;
        }
        String plain = in.replace("_", "");
        BigInteger integer = parseGoInteger(plain);
        if (integer != null && integer.bitLength() < 64) {
            return integer.longValueExact();
        }
        if (integer != null && integer.signum() > 0 && integer.compareTo(UINT64_MAX) <= 0) {
            return integer;
        }
        if (FLOAT.matcher(plain).matches()) {
            Object number = parseFloat(plain).orElse(null);
            if (number != null) {
                return number;
            }
        }
        if (plain.startsWith("0b") || plain.startsWith("-0b")) {
            boolean negative = plain.startsWith("-");
            BigInteger binary = digits(plain.substring(negative ? 3 : 2), 2);
            if (binary != null) {
                BigInteger signed = negative ? binary.negate() : binary;
                if (signed.bitLength() < 64) {
                    return signed.longValueExact();
                }
            }
        }
        // A timestamp, or anything else: a string for an interface{} target.
        return in;
    }

    private static Optional<Object> parseFloat(String text) {
        try {
            return Optional.of(Double.parseDouble(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Go's {@code strconv.ParseInt/ParseUint(s, 0, 64)} syntax: sign, then 0x, 0o, 0b, a leading 0 (octal). */
    private static BigInteger parseGoInteger(String text) {
        String body = text;
        boolean negative = false;
        if (body.startsWith("+") || body.startsWith("-")) {
            negative = body.startsWith("-");
            body = body.substring(1);
        }
        BigInteger magnitude;
        String lower = body.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            magnitude = digits(body.substring(2), 16);
        } else if (lower.startsWith("0o")) {
            magnitude = digits(body.substring(2), 8);
        } else if (lower.startsWith("0b")) {
            magnitude = digits(body.substring(2), 2);
        } else if (body.length() > 1 && body.startsWith("0")) {
            magnitude = digits(body.substring(1), 8);
        } else {
            magnitude = digits(body, 10);
        }
        return magnitude == null ? null : negative ? magnitude.negate() : magnitude;
    }

    private static BigInteger digits(String text, int radix) {
        if (text.isEmpty()) {
            return null;
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.digit(text.charAt(i), radix) < 0) {
                return null;
            }
        }
        return new BigInteger(text, radix);
    }

    /** The JSON-schema type name gojsonschema reports for a value ("given: ..."). */
    static String jsonType(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof Long || value instanceof BigInteger) {
            return "integer";
        }
        if (value instanceof Double number) {
            return number == Math.rint(number) && !number.isInfinite() ? "integer" : "number";
        }
        return value instanceof List ? "array" : "object";
    }
}
