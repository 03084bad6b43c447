package io.github.etcdbackup.testkit;

import java.time.Instant;
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
    private final Map<String, String> params;
    private final Instant enqueued = Instant.now();
    private final CompletableFuture<Task> done = new CompletableFuture<>();
    private Instant started;
    private Instant completed;
    private String status = "pending";
    private ActionOutcome outcome;

    Task(String id, String operationId, ModelUnit unit, String action, Map<String, String> params) {
        this.id = id;
        this.operationId = operationId;
        this.unit = unit;
        this.action = action;
        this.params = Map.copyOf(params);
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

    Map<String, String> params() {
        return params;
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
