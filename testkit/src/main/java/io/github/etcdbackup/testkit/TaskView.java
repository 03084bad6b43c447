package io.github.etcdbackup.testkit;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * The trees Juju prints for an action task: Juju 2.9's "compat" map ({@code UnitId}, capitalised
 * {@code Stdout}/{@code Stderr}, {@code ReturnCode} only when non-zero, times in UTC) and Juju 3.x's map
 * ({@code return-code} always, lowercase {@code stdout}/{@code stderr} when non-empty, {@code unit}, times in the
 * local zone). Both are Go maps, so their keys come out sorted.
 */
final class TaskView {
    /** Go's {@code time.Time.String()} layout: {@code 2024-03-12 10:15:41 +0000 UTC}. */
    private static final DateTimeFormatter GO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z", Locale.ROOT);

    private static final ZoneId UTC = ZoneId.of("UTC");

    private TaskView() {
    }

    static GoMap juju29(Task task) {
        GoMap map = new GoMap().with("UnitId", task.unit().name()).with("id", task.id());
        ActionOutcome outcome = task.outcome();
        if (outcome != null) {
            if (outcome.message() != null) {
                map.put("message", outcome.message());
            }
            GoMap results = copy(outcome.results());
            if (!outcome.stdout().isEmpty()) {
                results.put("Stdout", outcome.stdout());
            }
            if (!outcome.stderr().isEmpty()) {
                results.put("Stderr", outcome.stderr());
            }
            if (outcome.code() != 0) {
                results.put("ReturnCode", outcome.code());
            }
            map.put("results", results);
        }
        map.put("status", task.status());
        GoMap timing = timing(task, UTC);
        if (!timing.isEmpty()) {
            map.put("timing", timing);
        }
        return map;
    }

    static GoMap juju3(Task task, boolean utc) {
        GoMap map = new GoMap().with("id", task.id());
        ActionOutcome outcome = task.outcome();
        if (outcome != null) {
            if (outcome.message() != null) {
                map.put("message", outcome.message());
            }
            GoMap results = copy(outcome.results());
            results.put("return-code", outcome.code());
            if (!outcome.stdout().isEmpty()) {
                results.put("stdout", outcome.stdout());
            }
            if (!outcome.stderr().isEmpty()) {
                results.put("stderr", outcome.stderr());
            }
            map.put("results", results);
        }
        map.put("status", task.status());
        GoMap timing = timing(task, utc ? UTC : ZoneId.systemDefault());
        if (!timing.isEmpty()) {
            map.put("timing", timing);
        }
        map.put("unit", task.unit().name());
        return map;
    }

    /**
     * Juju 3's default {@code plain} format for one task: the charm's results as YAML, a blank line, then the
     * task's stdout and stderr as they are.
     */
    static String juju3Plain(Task task) {
        ActionOutcome outcome = task.outcome();
        StringBuilder text = new StringBuilder();
        if (outcome == null) {
            return text.toString();
        }
        if (outcome.failed() && outcome.message() != null) {
            text.append("Action id ").append(task.id()).append(" failed: ").append(outcome.message()).append('\n');
        }
        if (!outcome.results().isEmpty()) {
            text.append(GoYaml.emit(outcome.results())).append('\n');
        }
        text.append(outcome.stdout()).append(outcome.stderr());
        return text.toString();
    }

    private static GoMap timing(Task task, ZoneId zone) {
        GoMap timing = new GoMap();
        put(timing, "enqueued", task.enqueued(), zone);
        put(timing, "started", task.started(), zone);
        put(timing, "completed", task.completed(), zone);
        return timing;
    }

    private static void put(GoMap timing, String key, Instant instant, ZoneId zone) {
        if (instant != null) {
            timing.put(key, GO_TIME.format(instant.atZone(zone)));
        }
    }

    private static GoMap copy(Map<String, Object> results) {
        GoMap copy = new GoMap();
        results.forEach((k, v) -> copy.put(k, v instanceof GoMap nested ? copy(nested) : v));
        return copy;
    }
}
