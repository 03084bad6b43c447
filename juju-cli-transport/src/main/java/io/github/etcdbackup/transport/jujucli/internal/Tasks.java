package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.OutputParseException;
import io.github.etcdbackup.transport.jujucli.ActionResult;

/** The checks every single-unit action of the SPI applies to Juju's answer. */
public final class Tasks {
    private Tasks() {
    }

    /**
     * The one task of a single-unit run, which must have run on the unit asked for: a result from another unit
     * would be recorded as this one's. Asked for {@code app/leader}, Juju names the leader itself (say
     * {@code etcd/3}), which must be a unit of that application.
     *
     * @throws OutputParseException if juju printed no or several tasks, or one of another unit
     */
    public static ActionResult single(ActionRun run, String unit) {
        if (run.tasks().size() != 1) {
            throw new OutputParseException("expected one task for " + unit + ", juju printed " + run.tasks().size(),
                    run.rawOutput(), null);
        }
        ActionResult task = run.tasks().get(0);
        task.unit().filter(answered -> !answersFor(unit, answered)).ifPresent(answered -> {
            throw new OutputParseException("asked " + unit + ", juju printed the task of " + answered
                    + ": refusing to take another unit's result as " + unit + "'s", run.rawOutput(), null);
        });
        return task;
    }

    /** The unit itself, or for {@code app/leader} a unit of {@code app} named by its number. */
    private static boolean answersFor(String asked, String answered) {
        if (!asked.endsWith("/leader")) {
            return answered.equals(asked);
        }
        String application = asked.substring(0, asked.indexOf('/') + 1);
        return answered.startsWith(application) && !answered.equals(asked);
    }

    /**
     * Success is the task's status {@code completed} with no or a zero return code, never the CLI's exit code.
     *
     * @throws ActionFailedException otherwise, with the task's data
     */
    public static void requireSucceeded(ActionResult task, String requestedUnit) {
        if (!task.succeeded()) {
            throw new ActionFailedException(task.unit().orElse(requestedUnit), task.id().orElse(null), task.status(),
                    task.message().orElse(""), task.returnCode().isPresent() ? task.returnCode().getAsInt() : null,
                    task.stderr());
        }
    }
}
