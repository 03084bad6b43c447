package io.github.etcdbackup.exception;

import java.util.Objects;

/**
 * A value given to the library (a unit name, a path, an action parameter) is not acceptable. Raised before any
 * process starts or any file is touched, so hostile input never reaches {@code juju}, {@code ssh} or a shell.
 */
public final class InvalidInputException extends EtcdBackupException {
    private final String field;
    private final String value;

    /**
     * @param field what the value is, e.g. {@code unit}
     * @param value the rejected value (printed escaped in the message)
     * @param rule  the rule it breaks
     */
    public InvalidInputException(String field, String value, String rule) {
        super("Invalid " + field + " " + quote(value) + ": " + rule, null);
        this.field = Objects.requireNonNull(field, "field");
        this.value = value;
    }

    private static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : head(value, 200).toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Which input was rejected. */
    public String field() {
        return field;
    }

    /** The rejected value, unchanged (may be {@code null}). */
    public String value() {
        return value;
    }
}
