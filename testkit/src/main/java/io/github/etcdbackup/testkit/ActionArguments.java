package io.github.etcdbackup.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code key.key...=value} words after the action name, read as Juju reads them (cmd/juju/action/run.go and
 * 2.9's runaction.go): each key part must match the action name rule, each value is parsed as YAML unless
 * {@code --string-args} is given, dotted keys build nested maps (addValueToMap), a later word wins.
 */
final class ActionArguments {
    /** internal/charm/actions.go actionNameRule, which run.go also applies to parameter keys. */
    private static final Pattern NAME_RULE = Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");

    private ActionArguments() {
    }

    /**
     * The parameters Juju sends. Malformed words are usage errors (Init, before any call); values that are not YAML
     * throw {@link GoYamlValue.InvalidYaml}.
     */
    static Map<String, Object> parse(List<String> words, boolean stringArgs) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new CliArgs.UsageException("argument \"" + word + "\" must be of the form key.key.key...=value");
            }
            String[] keys = word.substring(0, eq).split("\\.", -1);
            for (String key : keys) {
                if (!NAME_RULE.matcher(key).matches()) {
                    throw new CliArgs.UsageException("key \"" + key + "\" must start and end with lowercase "
                            + "alphanumeric, and contain only lowercase alphanumeric and hyphens");
                }
            }
            String text = word.substring(eq + 1);
            addValue(keys, stringArgs ? text : GoYamlValue.read(text), params);
        }
        return params;
    }

    /** run.go addValueToMap: walks or creates nested maps for all but the last key, replacing non-maps. */
    @SuppressWarnings("unchecked")
    private static void addValue(String[] keys, Object value, Map<String, Object> target) {
        Map<String, Object> current = target;
        for (int i = 0; i < keys.length - 1; i++) {
            Object next = current.get(keys[i]);
            if (!(next instanceof Map)) {
                next = new LinkedHashMap<String, Object>();
                current.put(keys[i], next);
            }
            current = (Map<String, Object>) next;
        }
        current.put(keys[keys.length - 1], value);
    }
}
