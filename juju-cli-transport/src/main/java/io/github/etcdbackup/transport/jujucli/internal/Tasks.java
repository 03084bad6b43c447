package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.ActionFailedException;
import io.github.etcdbackup.OutputParseException;
import io.github.etcdbackup.transport.jujucli.ActionResult;

/** The checks every single-unit action of the SPI applies to Juju's answer. */
public final class Tasks {
    private Tasks() {
    }

    /** The one task of a single-unit run. */
    public static ActionResult single(ActionRun run, String unit) {
        if (run.tasks().size() != 1) {
            throw new OutputParseException("expected one task for " + unit + ", juju printed " + run.tasks().size(),
                    run.rawOutput(), null);
        }
        return run.tasks().get(0);
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
