package io.github.etcdbackup.testkit;

import java.time.Instant;

/**
 * A unit in the simulated model. An etcd unit has an {@link EtcdUnit} behind it; the others only have a status.
 * Mutable state is guarded by the {@link SimModel} lock.
 */
final class ModelUnit {
    private final ModelApplication application;
    private final int number;
    private final int machine;
    private final EtcdUnit etcd;
    private final Instant since = Instant.now();
    /** Set while a follower re-registers after a restore on the leader. */
    private boolean rejoining;
    private int runningTasks;

    ModelUnit(ModelApplication application, int number, int machine, EtcdUnit etcd) {
        this.application = application;
        this.number = number;
        this.machine = machine;
        this.etcd = etcd;
    }

    String name() {
        return application.name() + "/" + number;
    }

    /** The unit tag, {@code unit-etcd-0}. */
    String tag() {
        return "unit-" + application.name() + "-" + number;
    }

    ModelApplication application() {
        return application;
    }

    int number() {
        return number;
    }

    int machine() {
        return machine;
    }

    Instant since() {
        return since;
    }

    /** The real etcd member, or {@code null} for a unit of another charm. */
    EtcdUnit etcd() {
        return etcd;
    }

    boolean isEtcd() {
        return etcd != null;
    }

    boolean rejoining() {
        return rejoining;
    }

    void rejoining(boolean value) {
        rejoining = value;
    }

    boolean executing() {
        return runningTasks > 0;
    }

    void taskStarted() {
        runningTasks++;
    }

    void taskEnded() {
        runningTasks--;
    }
}
