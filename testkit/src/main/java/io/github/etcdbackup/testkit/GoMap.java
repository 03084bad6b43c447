package io.github.etcdbackup.testkit;

import java.util.LinkedHashMap;

/**
 * A map that Go would hold as a {@code map[string]interface{}}: its emitters sort the keys (yaml.v2 with its
 * natural order, encoding/json by bytes), whereas a plain {@link java.util.LinkedHashMap} stands for a Go struct
 * and keeps field order. Juju prints action results as maps and {@code status} as structs, and the difference is
 * visible in the output.
 */
final class GoMap extends LinkedHashMap<String, Object> {
    private static final long serialVersionUID = 1L;

    /** Chainable put for building output trees. */
    GoMap with(String key, Object value) {
        put(key, value);
        return this;
    }
}
