package io.github.etcdbackup.internal.common;

import io.github.etcdbackup.exception.InvalidInputException;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The rules every value from a user or from a remote output must pass before it reaches a process, a shell or the
 * file system. One place, so that both transports refuse the same things.
 */
public final class InputValidation {
    /** Juju's application name grammar (juju/names): lowercase segments, no segment after a hyphen all digits. */
    private static final String APPLICATION = "[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*";
    private static final Pattern APPLICATION_NAME = Pattern.compile(APPLICATION);
    private static final Pattern UNIT_NAME = Pattern.compile(APPLICATION + "/(?:0|[1-9][0-9]{0,8})");
    private static final Pattern LEADER_NAME = Pattern.compile(APPLICATION + "/leader");
    private static final Pattern PLAIN_FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,254}");
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9./@_-]{0,63}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_NAME = 128;
    private static final int MAX_PATH = 4096;

    private InputValidation() {
    }

    /** A concrete unit name such as {@code etcd/0}. */
    public static String unit(String unit) {
        if (unit == null || unit.length() > MAX_NAME || !UNIT_NAME.matcher(unit).matches()) {
            throw new InvalidInputException("unit", unit,
                    "expected a Juju unit name such as etcd/0 (application name, '/', unit number)");
        }
        return unit;
    }

    /** A unit name, or {@code application/leader} where Juju resolves the leader itself. */
    public static String unitOrLeader(String unit) {
        if (unit != null && unit.length() <= MAX_NAME && LEADER_NAME.matcher(unit).matches()) {
            return unit;
        }
        if (unit == null || unit.length() > MAX_NAME || !UNIT_NAME.matcher(unit).matches()) {
            throw new InvalidInputException("unit", unit,
                    "expected a Juju unit name such as etcd/0 or etcd/leader");
        }
        return unit;
    }

    /** A Juju application name such as {@code new-etcd}. */
    public static String application(String application) {
        if (application == null || application.length() > MAX_NAME
                || !APPLICATION_NAME.matcher(application).matches()) {
            throw new InvalidInputException("application", application,
                    "expected a Juju application name: lowercase letters, digits and hyphens, starting with a"
                            + " letter, no segment after a hyphen made of digits only");
        }
        return application;
    }

    /**
     * An absolute, normalised remote path: starts with {@code /}, no empty, {@code .} or {@code ..} segment, no
     * control character (NUL, newline, ...), no trailing slash.
     */
    public static String remotePath(String path) {
        String rule = "expected an absolute, normalised path without control characters, '.' or '..' segments";
        if (path == null || path.length() < 2 || path.length() > MAX_PATH || path.charAt(0) != '/'
                || path.endsWith("/")) {
            throw new InvalidInputException("remote path", path, rule);
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidInputException("remote path", path, rule);
            }
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new InvalidInputException("remote path", path, rule);
            }
        }
        return path;
    }

    /** A plain file name such as {@code etcd-snapshot-2024-03-12-10.15.40.tar.gz}: no directory, no leading dot or dash. */
    public static String fileName(String name) {
        if (name == null || !PLAIN_FILE_NAME.matcher(name).matches()) {
            throw new InvalidInputException("archive name", name,
                    "expected a plain file name of letters, digits, '.', '_', '+' and '-', not starting with '.' or '-'");
        }
        return name;
    }

    /**
     * A channel, base or series such as {@code 1.29/stable}, {@code 3.4/stable}, {@code ubuntu@22.04} or
     * {@code jammy}: letters, digits and {@code . / @ _ -}, not starting with {@code -}.
     */
    public static String channel(String field, String value) {
        if (value == null || !CHANNEL.matcher(value).matches()) {
            throw new InvalidInputException(field, value,
                    "expected letters, digits and . / @ _ - (such as 1.29/stable or ubuntu@22.04)");
        }
        return value;
    }

    /** 64 hex digits; upper case is accepted and returned in lower case. */
    public static String sha256(String hex) {
        String lower = hex == null ? null : hex.toLowerCase(java.util.Locale.ROOT);
        if (lower == null || !SHA256_HEX.matcher(lower).matches()) {
            throw new InvalidInputException("sha256", hex, "expected 64 hexadecimal digits");
        }
        return lower;
    }

    /**
     * A timeout or wait that must be longer than zero: a zero or negative one would end every call before it starts.
     *
     * @param field what the duration is, e.g. {@code timeout}, for the message
     * @throws InvalidInputException if it is {@code null}, zero or negative
     */
    public static Duration positive(String field, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new InvalidInputException(field, String.valueOf(duration), "must be positive (longer than zero)");
        }
        return duration;
    }

    /** The last segment of a validated remote path. */
    public static String baseName(String remotePath) {
        return remotePath(remotePath).substring(remotePath.lastIndexOf('/') + 1);
    }
}
