package io.github.etcdbackup.testkit;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} for the values Juju's {@code --wait} takes: {@code 10m}, {@code 1m30s},
 * {@code 500ms}.
 */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|µs|ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(?:[0-9]+(?:\\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+|0");

    private GoDuration() {
    }

    static boolean isDuration(String text) {
        return WHOLE.matcher(text).matches();
    }

    static Duration parse(String text) {
        if (!isDuration(text)) {
            throw new CliArgs.UsageException("invalid value \"" + text + "\" for flag --wait: time: invalid duration \""
                    + text + "\"");
        }
        double nanos = 0;
        Matcher matcher = PART.matcher(text);
        while (matcher.find()) {
            double amount = Double.parseDouble(matcher.group(1));
            nanos += amount * switch (matcher.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        return Duration.ofNanos((long) nanos);
    }
}
