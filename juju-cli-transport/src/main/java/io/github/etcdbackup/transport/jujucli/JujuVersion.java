package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.exception.OutputParseException;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The version of the local {@code juju} client, from {@code juju version} ({@code 2.9.45-ubuntu-amd64},
 * {@code 3.4.2-genericlinux-amd64}, {@code 3.5-beta1-...}). Major 2 speaks {@code run-action}; 3 and later speak
 * {@code run}.
 *
 * @param raw   the trimmed output, pre-release and platform kept
 * @param major e.g. {@code 3}
 * @param minor e.g. {@code 4}
 * @param patch e.g. {@code 2}; empty for a pre-release such as {@code 3.5-beta1}
 */
public record JujuVersion(String raw, int major, int minor, OptionalInt patch) {
    private static final Pattern VERSION =
            Pattern.compile("^(\\d{1,6})\\.(\\d{1,6})(?:\\.(\\d{1,6}))?(?:-(beta|rc)\\d+)?(?:[-.+].*)?$");

    /** Validates every field. */
    public JujuVersion {
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(patch, "patch");
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException("negative version number in " + raw);
        }
    }

    /**
     * Parses the output of {@code juju version}.
     *
     * @throws OutputParseException if it is not a Juju version
     */
    public static JujuVersion parse(String output) {
        String raw = output == null ? "" : output.strip();
        Matcher m = VERSION.matcher(raw);
        if (raw.contains("\n") || !m.matches()) {
            throw new OutputParseException("'juju version' did not print a version such as 3.4.2-genericlinux-amd64",
                    output, null);
        }
        return new JujuVersion(raw, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(m.group(3))));
    }

    /** Whether this client runs actions with {@code juju run} (3.x and later) rather than {@code run-action} (2.x). */
    public boolean runsActionsWithRun() {
        return major >= 3;
    }
}
