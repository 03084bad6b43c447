package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.InvalidInputException;

import java.util.regex.Pattern;

/**
 * Action parameters as {@code key=value} words that Juju reads back exactly. Juju parses each value as YAML
 * (cmd/juju/action/run.go and 2.9's runaction.go: {@code yaml.Unmarshal} unless {@code --string-args}), so a value
 * with a space and {@code #} loses its tail, {@code a: b} becomes a map, {@code yes}, {@code 012} or
 * {@code 2024-01-01} change type. Only values YAML reads as the same string are passed, plus the canonical
 * {@code true}, {@code false} and decimal integers, which reach the charm typed, as Juju's own examples do
 * ({@code skip-backup=false}); anything else is refused before any call.
 *
 * <p>Not a {@code --params} file (what jubilant does): a strictly confined {@code juju} snap cannot read the
 * machine's {@code /tmp}, and the plan's printed commands would name a file that no longer exists.
 */
final class ActionParams {
    /** Plain YAML scalars without indicators, comments, spaces or {@code :} (no maps, no sexagesimal numbers). */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./@+-][A-Za-z0-9_./@+=,-]*");
    /** YAML 1.1 words (Go's yaml.v2) that are not strings. */
    private static final Pattern SPECIAL_WORDS =
            Pattern.compile("(?i)y|n|yes|no|on|off|true|false|null|~|\\.nan|[-+]?\\.inf");
    /** Numbers, timestamps and other forms YAML 1.1 reads as something other than a string. */
    private static final Pattern NUMBER_LIKE = Pattern.compile(
            "[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|[-+]?0[xob][0-9a-fA-F_]+"
                    + "|\\d{4}-\\d{1,2}-\\d{1,2}.*|[-+]?\\.[0-9].*");
    private static final Pattern CANONICAL = Pattern.compile("true|false|-?(?:0|[1-9][0-9]{0,17})");

    private ActionParams() {
    }

    /** The value, if Juju will read it as written. */
    static String checked(String key, String value) {
        boolean typed = CANONICAL.matcher(value).matches();
        boolean plainString = PLAIN.matcher(value).matches() && !SPECIAL_WORDS.matcher(value).matches()
                && !NUMBER_LIKE.matcher(value).matches();
        if (!typed && !plainString) {
            throw new InvalidInputException("value of action parameter " + key, value,
                    "Juju reads action parameters as YAML and would not pass this value on as written: use letters, "
                            + "digits and _ . / @ + = , - (not starting with = or ,), no spaces, ':' or '#', and "
                            + "not a YAML word or number other than true, false or a plain integer");
        }
        return value;
    }
}
