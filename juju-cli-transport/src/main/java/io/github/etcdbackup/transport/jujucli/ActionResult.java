package io.github.etcdbackup.transport.jujucli;

import io.github.etcdbackup.transport.jujucli.internal.ActionOutputParser;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One task of a charm action as Juju reported it, in either dialect. A failed task is data here: check
 * {@link #succeeded()}.
 *
 * @param unit       the unit it ran on ({@code etcd/0}, also when asked for {@code etcd/leader}); empty when Juju
 *                   did not say (2.6-era output)
 * @param id         the action (2.9) or task (3.x) id: a number since Juju 2.7, a UUID before; empty if absent
 * @param status     Juju's status as printed: {@code completed}, {@code failed}, {@code running}, ...
 * @param message    the action's message, e.g. {@code exit status 1}; empty if none
 * @param returnCode the action process's exit code: 3.x always prints it, 2.9 only when it is not 0
 * @param results    the charm's own results as nested maps of strings, Juju's added keys removed ({@code stdout},
 *                   {@code stderr}, {@code return-code}, {@code code}, their encodings, in any letter case)
 * @param stdout     what the action printed on stdout, empty if Juju did not report it
 * @param stderr     what the action printed on stderr, empty if Juju did not report it
 */
public record ActionResult(Optional<String> unit, Optional<String> id, String status, Optional<String> message,
                           OptionalInt returnCode, Map<String, Object> results, String stdout, String stderr) {
    private static final Set<String> FINAL_STATUSES = Set.of("completed", "failed", "cancelled", "aborted", "error");

    /** Validates and copies every field. */
    public ActionResult {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(returnCode, "returnCode");
        results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /**
     * A result the charm set under a dotted key, as {@code action-set} names it: {@code result("snapshot.path")}
     * for {@code action-set snapshot.path=...}. Empty when the key is absent or names a group of results rather than
     * one value.
     */
    public Optional<String> result(String dottedKey) {
        Objects.requireNonNull(dottedKey, "dottedKey");
        return ActionOutputParser.result(results, dottedKey);
    }

    /** Every result flattened to dotted keys ({@code snapshot.path}, {@code snapshot.sha256}, ...), in Juju's order. */
    public Map<String, String> flatResults() {
        return ActionOutputParser.flatten(results);
    }

    /** Whether the task reached a final status (not {@code pending} or {@code running}). */
    public boolean finished() {
        return FINAL_STATUSES.contains(status);
    }

    /** Completed, and no return code or a return code of 0: Juju's exit code alone proves nothing. */
    public boolean succeeded() {
        return status.equals("completed") && (returnCode.isEmpty() || returnCode.getAsInt() == 0);
    }
}
