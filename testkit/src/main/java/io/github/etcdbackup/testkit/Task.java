package io.github.etcdbackup.testkit;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One action task on one unit (Juju 2.9 calls it an action, 3.x a task inside an operation).
 * Written by the worker thread that runs it, read by {@code juju} calls; all fields are guarded by {@code this}.
 */
final class Task {
    private final String id;
    private final String operationId;
    private final ModelUnit unit;
    private final String action;
    private final Map<String, Object> params;
    private final Instant enqueued = Instant.now();
    private final CompletableFuture<Task> done = new CompletableFuture<>();
    private Instant started;
    private Instant completed;
    private String status = "pending";
    private ActionOutcome outcome;

    Task(String id, String operationId, ModelUnit unit, String action, Map<String, Object> params) {
        this.id = id;
        this.operationId = operationId;
        this.unit = unit;
        this.action = action;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    String id() {
        return id;
    }

    String operationId() {
        return operationId;
    }

    ModelUnit unit() {
        return unit;
    }

    String action() {
        return action;
    }

    /**
     * A string parameter as the charm's {@code action_get} returns it; the controller's schema check let only
     * strings through for the names the charms read this way.
     */
    String stringParam(String name, String defaultValue) {
        return (String) params.getOrDefault(name, defaultValue);
    }

    /** A boolean parameter, typed as YAML read it ({@code no} is false), checked by the schema like strings. */
    boolean booleanParam(String name, boolean defaultValue) {
        return (Boolean) params.getOrDefault(name, defaultValue);
    }

    synchronized Instant enqueued() {
        return enqueued;
    }

    synchronized Instant started() {
        return started;
    }

    synchronized Instant completed() {
        return completed;
    }

    synchronized String status() {
        return status;
    }

    synchronized ActionOutcome outcome() {
        return outcome;
    }

    CompletableFuture<Task> done() {
        return done;
    }

    synchronized void markRunning() {
        started = Instant.now();
        status = "running";
    }

    void finish(ActionOutcome result) {
        synchronized (this) {
            outcome = result;
            completed = Instant.now();
            status = result.failed() ? "failed" : "completed";
        }
        done.complete(this);
    }
}
